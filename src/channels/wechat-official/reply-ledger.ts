import type { Redis } from 'ioredis';
import { claimOrRead, renewWhileHeld } from '../../redis/claim';

/**
 * What became of one WeChat message, shared by every process: WeChat retries a message it got
 * no answer to within 5 seconds, and a retry must neither start a second dialog step nor lose the reply.
 */
export type LedgerEntry =
  /** A try is working on it (or crashed less than a lease ago). */
  | { state: 'running' }
  /** Answered; `text` is the passive reply (empty: nothing to say). */
  | { state: 'done'; text: string }
  /** The reply went out through the customer-service API. */
  | { state: 'sent' };

export interface ReplyLedger {
  /**
   * Claims the message for this try (null), or tells what an earlier try left: in one step, so a
   * release in between cannot pass for "done". The claim is a short lease: it lapses unless kept.
   */
  claim(key: string): Promise<LedgerEntry | null>;
  /** Keeps this try's claim from lapsing until the returned function is called (or the process dies). */
  keepRunning(key: string): () => void;
  get(key: string): Promise<LedgerEntry | null>;
  done(key: string, text: string): Promise<void>;
  sent(key: string): Promise<void>;
  /** Forgets a try that failed, so WeChat's retry runs it again. */
  release(key: string): Promise<void>;
}

const DONE = 'done:';
// WeChat gives up after three tries within seconds; a day leaves room for clock trouble and manual replays.
const DAY_SECONDS = 86_400;
// WeChat and WeCom retry 5 s apart: a crashed try's claim has lapsed by the time the next one waited for it.
const RUNNING_LEASE_MS = 5_000;

function entryOf(value: string): LedgerEntry | null {
  if (value === 'running') return { state: 'running' };
  if (value === 'sent') return { state: 'sent' };
  return value.startsWith(DONE) ? { state: 'done', text: value.slice(DONE.length) } : null;
}

export function redisReplyLedger(redis: Redis, options: { ttlSeconds?: number; leaseMs?: number } = {}): ReplyLedger {
  const ttl = options.ttlSeconds ?? DAY_SECONDS;
  const leaseMs = options.leaseMs ?? RUNNING_LEASE_MS;
  const keyOf = (key: string) => `wx-msg:${key}`;
  return {
    async claim(key) {
      const earlier = await claimOrRead(redis, keyOf(key), 'running', leaseMs);
      // Something this version does not write: taken as a try still running, never as a free message.
      return earlier === null ? null : (entryOf(earlier) ?? { state: 'running' });
    },
    keepRunning(key) {
      return renewWhileHeld(redis, keyOf(key), 'running', leaseMs);
    },
    async get(key) {
      const value = await redis.get(keyOf(key));
      return value === null ? null : entryOf(value);
    },
    async done(key, text) {
      await redis.set(keyOf(key), `${DONE}${text}`, 'EX', ttl);
    },
    async sent(key) {
      await redis.set(keyOf(key), 'sent', 'EX', ttl);
    },
    async release(key) {
      await redis.del(keyOf(key));
    },
  };
}
