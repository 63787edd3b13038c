import type { Redis } from 'ioredis';

// Reads and claims in one step. A `SET NX` followed by a separate `GET` can see a claim lapse (or be
// released) in between and read "nothing there" as "already done": the message would be dropped.
const CLAIM_OR_READ = `local held = redis.call('get', KEYS[1])
if held then return held end
redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2])
return false`;

/**
 * Claims `key` for `ttlSeconds` by storing `value` in it, unless it already holds something.
 * Resolves to null when this call took the claim, otherwise to what the key held (left as it was).
 */
export async function claimOrRead(redis: Redis, key: string, value: string, ttlSeconds: number): Promise<string | null> {
  return (await redis.eval(CLAIM_OR_READ, 1, key, value, Math.ceil(ttlSeconds))) as string | null;
}
