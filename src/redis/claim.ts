import type { Redis } from 'ioredis';

// Reads and claims in one step. A `SET NX` followed by a separate `GET` can see a claim lapse (or be
// released) in between and read "nothing there" as "already done": the message would be dropped.
const CLAIM_OR_READ = `local held = redis.call('get', KEYS[1])
if held then return held end
redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

// Extends the expiry only while the key still holds the holder's value: a lapsed claim taken by
// someone else, or one already marked done, is left alone.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end
return 0`;

/**
 * Claims `key` for `ttlMs` by storing `value` in it, unless it already holds something.
 * Resolves to null when this call took the claim, otherwise to what the key held (left as it was).
 */
export async function claimOrRead(redis: Redis, key: string, value: string, ttlMs: number): Promise<string | null> {
  return (await redis.eval(CLAIM_OR_READ, 1, key, value, Math.ceil(ttlMs))) as string | null;
}

/**
 * Keeps a claim alive for as long as its holder is: every third of `leaseMs` the key's expiry is
 * pushed `leaseMs` ahead, while it still holds `value`. So a claim can be short, and a crashed
 * holder's lapses within `leaseMs`, yet slow work keeps it. Call the returned function when done.
 */
export function renewWhileHeld(redis: Redis, key: string, value: string, leaseMs: number): () => void {
  const timer = setInterval(() => {
    // Redis unreachable: the claim may lapse early, which is what a crash would do; nothing to add here.
    redis.eval(RENEW, 1, key, value, Math.ceil(leaseMs)).catch(() => undefined);
  }, Math.max(1, Math.floor(leaseMs / 3)));
  timer.unref();
  return () => clearInterval(timer);
}
