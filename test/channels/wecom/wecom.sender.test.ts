import type { Redis } from 'ioredis';
import { SendError, type ChannelSender } from '../../../src/application/notifications';
import { createWecomApiClient, WecomApiError } from '../../../src/channels/wecom/api-client';
import { toWecomMessages } from '../../../src/channels/wecom/render';
import { createWecomSender, toSendError, WecomSendError } from '../../../src/channels/wecom/wecom.sender';
import type { Reply } from '../../../src/conversation/messages';
import { startFakeWecomApi, type FakeWecomApi } from '../../support/fake-wecom-api';
import { openTestRedis } from '../../support/redis';

const text = (value: string): Reply => ({ kind: 'text', text: value });
const apiError = (errcode: number) => new WecomApiError('WECOM.API_ERROR', errcode, 'from WeCom', 'message/send', 200);

describe('WeCom errors for the notification worker', () => {
  it.each([
    [apiError(45009), 'WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 60_000 }],
    [apiError(45033), 'WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 1_000 }],
    [new WecomApiError('WECOM.HTTP_STATUS', null, 'Too Many Requests', 'message/send', 429), 'WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 60_000 }],
    [apiError(60011), 'WECOM.NOT_IN_APP', { kind: 'unreachable' }],
    [apiError(81013), 'WECOM.NOT_IN_APP', { kind: 'unreachable' }],
    [apiError(60111), 'WECOM.NOT_IN_APP', { kind: 'unreachable' }],
    [new WecomApiError('WECOM.NOT_DELIVERED', null, 'invaliduser lists the recipient', 'message/send', 200), 'WECOM.NOT_IN_APP', { kind: 'unreachable' }],
    [apiError(-1), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [apiError(42001), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [new WecomApiError('WECOM.HTTP_STATUS', null, 'Bad Gateway', 'message/send', 502), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [new WecomApiError('WECOM.UNREACHABLE', null, 'ECONNRESET', 'message/send'), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [new WecomApiError('WECOM.TOKEN_BUSY', null, 'lock held', 'message/send'), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [new Error('socket hang up'), 'WECOM.UNAVAILABLE', { kind: 'transient' }],
    [apiError(40001), 'WECOM.ACCOUNT_SETUP', { kind: 'permanent' }],
    [apiError(60020), 'WECOM.ACCOUNT_SETUP', { kind: 'permanent' }],
    [apiError(48002), 'WECOM.ACCOUNT_SETUP', { kind: 'permanent' }],
    [new WecomApiError('WECOM.HTTP_STATUS', null, 'Not Found', 'message/send', 404), 'WECOM.ACCOUNT_SETUP', { kind: 'permanent' }],
    [apiError(45002), 'WECOM.REJECTED', { kind: 'permanent' }],
    [apiError(44004), 'WECOM.REJECTED', { kind: 'permanent' }],
  ])('maps %s to %s', (error, code, failure) => {
    const mapped = toSendError(error);
    expect(mapped).toBeInstanceOf(SendError);
    expect(mapped).toMatchObject({ code, failure });
    expect(mapped.message.startsWith(`${code}: `)).toBe(true);
  });
});

describe('WeCom sender', () => {
  let fake: FakeWecomApi;
  let redis: { client: Redis; destroy(): Promise<void> };
  let sender: ChannelSender;
  let logs: Array<{ level: string; fields: Record<string, unknown>; message: string }>;

  async function failureOf(promise: Promise<unknown>): Promise<WecomSendError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WecomSendError) return error;
      throw error;
    }
    throw new Error('expected a WecomSendError');
  }

  beforeEach(async () => {
    fake = await startFakeWecomApi();
    redis = await openTestRedis();
    logs = [];
    sender = createWecomSender({
      client: createWecomApiClient({ apiBase: fake.url, corpId: fake.corpId, secret: fake.secret, agentId: fake.agentId, redis: redis.client, now: () => fake.now, timeoutMs: 1_000 }),
      render: (replies) => toWecomMessages(replies),
      log: {
        warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
        error: (fields, message) => logs.push({ level: 'error', fields, message }),
      },
    });
  });
  afterEach(async () => {
    await fake.close();
    await redis.destroy();
  });

  it('delivers replies to the member’s userid as the wecom channel', async () => {
    expect(sender.channel).toBe('wecom');
    await sender.send('wangfang', [text('案件 TS-202611-0001 的投诉人已补充信息：照片已上传'), text('案件 TS-202611-0002 即将超时')]);
    expect(fake.contentsTo('wangfang')).toEqual(['案件 TS-202611-0001 的投诉人已补充信息：照片已上传', '案件 TS-202611-0002 即将超时']);
  });

  it('resends everything when a job is retried, and the member still gets each message once', async () => {
    const client = createWecomApiClient({ apiBase: fake.url, corpId: fake.corpId, secret: fake.secret, agentId: fake.agentId, redis: redis.client, now: () => fake.now });
    let calls = 0;
    const flaky = createWecomSender({
      client: {
        // The second message of the first try meets a busy server.
        sendAppMessage: (toUser, message) => (++calls === 2 ? Promise.reject(new WecomApiError('WECOM.API_ERROR', -1, 'system busy', 'message/send', 200)) : client.sendAppMessage(toUser, message)),
      },
      render: (replies) => toWecomMessages(replies),
      log: { warn: () => undefined, error: () => undefined },
    });
    const replies = [text('第一条'), text('第二条')];
    expect(await failureOf(flaky.send('wangfang', replies))).toMatchObject({ code: 'WECOM.UNAVAILABLE', failure: { kind: 'transient' } });
    await flaky.send('wangfang', replies);
    expect(fake.contentsTo('wangfang')).toEqual(['第一条', '第二条']);
    expect(fake.dropped).toEqual([expect.objectContaining({ touser: 'wangfang', reason: 'duplicate' })]);
  });

  it('reports a member who left the application as unreachable', async () => {
    fake.removeMember('former');
    expect(await failureOf(sender.send('former', [text('新案件')]))).toMatchObject({ code: 'WECOM.NOT_IN_APP', failure: { kind: 'unreachable' } });
    expect(logs).toEqual([expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ code: 'WECOM.NOT_IN_APP' }) })]);
  });

  it('asks the worker to wait when WeCom says too many calls', async () => {
    fake.failNext('message/send', { errcode: 45009 });
    expect(await failureOf(sender.send('wangfang', [text('新案件')]))).toMatchObject({ failure: { kind: 'rateLimited', retryAfterMs: 60_000 } });
  });

  it('alerts when the application itself is set up wrongly', async () => {
    fake.failNext('message/send', { errcode: 60020 });
    expect(await failureOf(sender.send('wangfang', [text('新案件')]))).toMatchObject({ code: 'WECOM.ACCOUNT_SETUP', failure: { kind: 'permanent' } });
    expect(logs).toEqual([expect.objectContaining({ level: 'error', message: expect.stringContaining('needs attention') })]);
    expect(logs[0]?.fields.reason).toContain('企业可信IP');
  });
});
