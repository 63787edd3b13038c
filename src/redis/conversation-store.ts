import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ConversationStore } from '../application/conversation-service';
import type { ConversationState } from '../conversation/state';

export interface RedisConversationStoreOptions {
  /** An unfinished intake is dropped after this (config: conversation.intakeExpiryHours). */
  intakeTtlSeconds: number;
  /** Between intakes only the language and any pending question are kept, this long. */
  idleTtlSeconds: number;
  /** A crashed process's lock frees itself after this. */
  lockTtlMs?: number;
  /** How long a second message of the same person waits for the first. */
  lockWaitMs?: number;
  /** An intake untouched this long is due its one reminder (config: conversation.reminderAfterHours). */
  reminderAfterSeconds: number;
}

// Deletes the lock only if it is still ours: an expired lock may already belong to someone else.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** Conversation state as JSON in Redis with an expiry, locked per person while a message is handled. */
export function redisConversationStore(redis: Redis, options: RedisConversationStoreOptions): ConversationStore & {
  get(key: string): Promise<ConversationState | null>;
} {
  const lockTtlMs = options.lockTtlMs ?? 15_000;
  const lockWaitMs = options.lockWaitMs ?? 10_000;
  const stateKey = (key: string) => `conv:${key}`;
  // Due reminders: a sorted set of conversation keys scored by when the reminder is due.
  const remindersKey = 'conv-reminders';

  async function lock(key: string): Promise<string> {
    const token = randomUUID();
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      if ((await redis.set(`conv-lock:${key}`, token, 'PX', lockTtlMs, 'NX')) === 'OK') return token;
      if (Date.now() > deadline) throw new Error(`conversation ${key} is busy: another message of the same person is still being handled`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  async function get(key: string): Promise<ConversationState | null> {
    const json = await redis.get(stateKey(key));
    if (!json) return null;
    const state = JSON.parse(json) as ConversationState;
    // A conversation stored by an incompatible version starts afresh rather than failing.
    return state.version === 1 ? state : null;
  }

  return {
    get,
    dueReminders: (now, limit) => redis.zrangebyscore(remindersKey, '-inf', now.getTime(), 'LIMIT', 0, limit),
    async reminderHandled(key) {
      await redis.zrem(remindersKey, key);
    },
    async withConversation(key, work) {
      const token = await lock(key);
      try {
        const { state, value } = await work(await get(key));
        const transaction = redis.multi();
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
        await transaction.exec();
        return value;
      } finally {
        await redis.eval(RELEASE, 1, `conv-lock:${key}`, token);
      }
    },
  };
}
