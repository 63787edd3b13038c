import { newConversation } from '../../src/conversation/state';
import { redisConversationStore } from '../../src/redis/conversation-store';
import { openTestRedis } from '../support/redis';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const NOW = new Date('2026-12-06T08:00:00Z');
const LOCK_MS = 300;

describe('the Redis conversation store’s per-person lock', () => {
  let redis: Awaited<ReturnType<typeof openTestRedis>>;

  beforeEach(async () => {
    redis = await openTestRedis();
  });
  afterEach(async () => redis.destroy());

  const store = () =>
    redisConversationStore(redis.client, { intakeTtlSeconds: 3600, idleTtlSeconds: 3600, reminderAfterSeconds: 1800, lockTtlMs: LOCK_MS, lockWaitMs: 3000 });

  it('runs a second message of the same person after the first, even when the first outlasts the lock’s lease', async () => {
    const conversations = store();
    const order: string[] = [];
    const slow = conversations.withConversation('telegram:1', async () => {
      order.push('slow started');
      await sleep(3 * LOCK_MS);
      order.push('slow finished');
      return { state: newConversation('zh-Hans', NOW), value: 'slow' };
    });
    await sleep(50);
    const next = conversations.withConversation('telegram:1', async (state) => {
      order.push(`next saw ${state ? 'the saved state' : 'nothing'}`);
      return { state, value: 'next' };
    });
    expect(await Promise.all([slow, next])).toEqual(['slow', 'next']);
    expect(order).toEqual(['slow started', 'slow finished', 'next saw the saved state']);
  });

  it('frees the lock of a process that died holding it within the lease', async () => {
    // What a process killed mid-turn leaves behind: a lock nobody renews.
    await redis.client.set('conv-lock:telegram:2', 'a-dead-process', 'PX', LOCK_MS);
    const started = Date.now();
    expect(await store().withConversation('telegram:2', async (state) => ({ state, value: 'handled' }))).toBe('handled');
    expect(Date.now() - started).toBeGreaterThanOrEqual(LOCK_MS - 50);
    expect(await redis.client.get('conv-lock:telegram:2')).toBeNull();
  });
});
