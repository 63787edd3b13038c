import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConversationStore } from '../application/conversation-service';
import type { ConversationState } from '../conversation/state';
import { renewWhileHeld } from './claim';

export interface RedisConversationStoreOptions {
  /** An unfinished intake is dropped after this (config: conversation.intakeExpiryHours). */
  intakeTtlSeconds: number;
  /** Between intakes only the language and any pending question are kept, this long. */
  idleTtlSeconds: number;
  /** The lock is renewed while its holder works; a crashed process's lock frees itself after this. */
  lockTtlMs?: number;
  /** How long a second message of the same person waits for the first. */
  lockWaitMs?: number;
  /** An intake untouched this long is due its one reminder (config: conversation.reminderAfterHours). */
  reminderAfterSeconds: number;
}

// Deletes the lock only if it is still ours: an expired lock may already belong to someone else.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
// Takes the lock and, if it got it, reads the state and the turn's receipt (KEYS[3], if any):
// one round trip per message.
const LOCK_AND_GET = `if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  local receipt = false
  if KEYS[3] then receipt = redis.call('get', KEYS[3]) end
  return {1, redis.call('get', KEYS[2]), receipt}
end
return {0}`;
// A turn's receipt outlives any redelivery (Telegram gives up after a day; WeChat after seconds).
const RECEIPT_TTL_SECONDS = 86_400;

/** Conversation state as JSON in Redis with an expiry, locked per person while a message is handled. */
export function redisConversationStore(redis: Redis, options: RedisConversationStoreOptions): ConversationStore & {
  get(key: string): Promise<ConversationState | null>;
} {
  const lockTtlMs = options.lockTtlMs ?? 5_000;
  const lockWaitMs = options.lockWaitMs ?? 10_000;
  const stateKey = (key: string) => `conv:${key}`;
  const lockKey = (key: string) => `conv-lock:${key}`;
  // Due reminders: a sorted set of conversation keys scored by when the reminder is due.
  const remindersKey = 'conv-reminders';

  /** Waits for the person's lock; returns it with the state as stored when it was taken, and the turn's receipt. */
  async function lockAndGet(key: string, receiptKey: string | undefined): Promise<{ token: string; state: ConversationState | null; receipt: string | null }> {
    const token = randomUUID();
    const deadline = Date.now() + lockWaitMs;
    const keys = receiptKey ? [lockKey(key), stateKey(key), receiptKey] : [lockKey(key), stateKey(key)];
    for (;;) {
      const [locked, json, receipt] = (await redis.eval(LOCK_AND_GET, keys.length, ...keys, token, lockTtlMs)) as [number, (string | null)?, (string | null)?];
      if (locked === 1) return { token, state: parse(json ?? null), receipt: receipt ?? null };
      if (Date.now() > deadline) throw new Error(`conversation ${key} is busy: another message of the same person is still being handled`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function get(key: string): Promise<ConversationState | null> {
    return parse(await redis.get(stateKey(key)));
  }

  return {
    get,
    dueReminders: (now, limit) => redis.zrangebyscore(remindersKey, '-inf', now.getTime(), 'LIMIT', 0, limit),
    async reminderHandled(key) {
      await redis.zrem(remindersKey, key);
    },
    async withConversation(key, work, turnOptions = {}) {
      const receiptKey = turnOptions.turn === undefined ? undefined : `conv-turn:${turnOptions.turn}`;
      const { token, state: stored, receipt } = await lockAndGet(key, receiptKey);
      const stopRenewing = renewWhileHeld(redis, lockKey(key), token, lockTtlMs);
      let released = false;
      try {
        // This message was handled before (a redelivery after a crash): the same answer, no second step.
        if (receipt !== null) return (JSON.parse(receipt) as { value: Awaited<ReturnType<typeof work>>['value'] }).value;
        const { state, value } = await work(stored);
        const transaction = redis.multi();
        if (receiptKey) transaction.set(receiptKey, JSON.stringify({ value }), 'EX', RECEIPT_TTL_SECONDS);
        if (state) {
          // An intake left alone expires; a question from staff (rating, information) waits longer.
          const ttl = state.draft && !state.pending ? options.intakeTtlSeconds : options.idleTtlSeconds;
          transaction.set(stateKey(key), JSON.stringify(state), 'EX', Math.ceil(ttl));
        } else {
          transaction.del(stateKey(key));
        }
        if (state?.draft && !state.remindedAt) {
          transaction.zadd(remindersKey, Date.parse(state.updatedAt) + options.reminderAfterSeconds * 1000, key);
        } else {
          transaction.zrem(remindersKey, key);
        }
        // The lock goes in the same transaction: saving and unlocking is one round trip.
        transaction.eval(RELEASE, 1, lockKey(key), token);
        await transaction.exec();
        released = true;
        return value;
      } finally {
        stopRenewing();
        if (!released) await redis.eval(RELEASE, 1, lockKey(key), token);
      }
    },
  };
}

function parse(json: string | null): ConversationState | null {
  if (!json) return null;
  const state = JSON.parse(json) as ConversationState;
  // A conversation stored by an incompatible version starts afresh rather than failing.
  return state.version === 1 ? state : null;
}
