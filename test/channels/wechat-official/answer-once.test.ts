import { answerOnce, type RetriedMessage } from '../../../src/channels/wechat-official/answer-once';
import { redisReplyLedger } from '../../../src/channels/wechat-official/reply-ledger';
import type { Reply } from '../../../src/conversation/messages';
import { createLogger } from '../../../src/logger';
import { openTestRedis } from '../../support/redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const LEASE_MS = 300;

describe('answerOnce: one answer per message across tries and processes', () => {
  let redis: Awaited<ReturnType<typeof openTestRedis>>;
  let runs: number;
  let sent: Reply[][];

  beforeEach(async () => {
    redis = await openTestRedis();
    runs = 0;
    sent = [];
  });
  afterEach(async () => redis.destroy());

  /** A process: its own answerOnce over the shared ledger, as each web process has. */
  const processWith = (budgetMs: number) =>
    answerOnce({ ledger: redisReplyLedger(redis.client, { leaseMs: LEASE_MS }), budgetMs, log: createLogger('silent'), lateRetryDelaysMs: [50, 50] });

  const message = (key: string, workMs: number): RetriedMessage => ({
    key,
    async respond() {
      runs += 1;
      await sleep(workMs);
      return [{ kind: 'text', text: `reply to ${key}` }];
    },
    passiveText: (replies) => replies.map((reply) => (reply.kind === 'text' ? reply.text : '')).join('\n'),
    async sendLater(replies) {
      sent.push(replies);
    },
  });

  it('keeps a slow try’s claim alive for longer than its lease, so a later try does not run the message again', async () => {
    const first = processWith(100);
    const second = processWith(100);
    expect(await first.answer(message('slow', 4 * LEASE_MS))).toEqual({ kind: 'answer', text: '' });
    await sleep(2 * LEASE_MS);
    expect(await second.answer(message('slow', 0))).toEqual({ kind: 'answer', text: '' });
    await first.drain();
    expect(runs).toBe(1);
    expect(sent).toEqual([[{ kind: 'text', text: 'reply to slow' }]]);
    // Delivered: a try after that neither runs it nor says it again.
    expect(await second.answer(message('slow', 0))).toEqual({ kind: 'answer', text: '' });
    expect(runs).toBe(1);
  });

  it('lets a waiting try take over once the claim of a try that died lapses', async () => {
    // A try that claimed the message and died: its claim is never renewed.
    expect(await redisReplyLedger(redis.client, { leaseMs: LEASE_MS }).claim('orphan')).toBeNull();
    const started = Date.now();
    expect(await processWith(2000).answer(message('orphan', 0))).toEqual({ kind: 'answer', text: 'reply to orphan' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(LEASE_MS - 50);
    expect(runs).toBe(1);
  });

  it('answers empty when the try it waited for is still working at the end of the budget', async () => {
    const first = processWith(2000);
    const running = first.answer(message('long', 1000));
    await sleep(50);
    expect(await processWith(200).answer(message('long', 0))).toEqual({ kind: 'answer', text: '' });
    expect(await running).toEqual({ kind: 'answer', text: 'reply to long' });
    expect(runs).toBe(1);
  });

  it('tries a message that failed after the platform was answered again, and pushes its reply once', async () => {
    const once = processWith(100);
    let failures = 2;
    const flaky: RetriedMessage = {
      ...message('flaky', 0),
      async respond() {
        runs += 1;
        await sleep(150);
        if (failures-- > 0) throw new Error('connection terminated unexpectedly');
        return [{ kind: 'text', text: 'reply to flaky' }];
      },
    };
    expect(await once.answer(flaky)).toEqual({ kind: 'answer', text: '' });
    await once.drain();
    expect(runs).toBe(3);
    expect(sent).toEqual([[{ kind: 'text', text: 'reply to flaky' }]]);
    expect(await redis.client.get('wx-msg:flaky')).toBe('sent');
  });

  it('gives a message up after the last late try, freeing it for a later delivery', async () => {
    const once = processWith(100);
    const broken: RetriedMessage = {
      ...message('broken', 0),
      async respond() {
        runs += 1;
        await sleep(150);
        throw new Error('database down');
      },
    };
    expect(await once.answer(broken)).toEqual({ kind: 'answer', text: '' });
    await once.drain();
    expect(runs).toBe(3);
    expect(sent).toEqual([]);
    expect(await redis.client.get('wx-msg:broken')).toBeNull();
  });
});
