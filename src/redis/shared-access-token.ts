import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const DROP_TOKEN = `if redis.call('hget', KEYS[1], 'token') == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const RELEASE_LOCK = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const LOCK_POLL_MS = 50;

export interface SharedAccessTokenOptions {
  redis: Redis;
  /** Redis key of the cached token. */
  key: string;
  /** Redis key of the lock that lets one process fetch. */
  lockKey: string;
  /** Asks the API for a token: the token and the seconds it lasts. */
  fetch: () => Promise<{ token: string; expiresInSeconds: number }>;
  /** Dropped this long before the API's expiry, so no call carries a token about to lapse. */
  marginSeconds: number;
  /** How long one process may hold the fetch lock (longer than a fetch can take). */
  lockTtlMs: number;
  now: () => Date;
  /** The error to throw when another process holds the lock for too long. */
  busy: (waitedMs: number) => Error;
  /** Whether the API refused a call because of its token (expired or replaced). */
  refused: (error: unknown) => boolean;
  /** Told of every token handed out, e.g. to scrub it from error messages. */
  seen?: (token: string) => void;
}

export interface SharedAccessToken {
  /** Runs a call with the token; a refused token is dropped (unless another process already replaced it), fetched once more, and the call retried once. */
  run<T>(call: (token: string) => Promise<T>): Promise<T>;
}

/**
 * WeChat and WeCom hand out one access token per app and limit how often it may be fetched,
 * so every process shares one, cached in Redis, and only the holder of a lock fetches it.
 */
export function sharedAccessToken(options: SharedAccessTokenOptions): SharedAccessToken {
  const { redis, key, lockKey, now } = options;
  const lockWaitMs = 2 * options.lockTtlMs;

  async function cached(): Promise<string | null> {
    const [token, expiresAt] = await redis.hmget(key, 'token', 'expiresAt');
    return token && Number(expiresAt) > now().getTime() ? token : null;
  }

  async function fetchAndStore(): Promise<string> {
    const { token, expiresInSeconds } = await options.fetch();
    // The APIs answer the same token while it lasts, with the seconds left: one near its end is kept for half of them.
    const keepSeconds = expiresInSeconds > 2 * options.marginSeconds ? expiresInSeconds - options.marginSeconds : expiresInSeconds / 2;
    const keepMs = Math.max(1_000, Math.floor(keepSeconds * 1000));
    await redis
      .multi()
      .del(key)
      .hset(key, 'token', token, 'expiresAt', String(now().getTime() + keepMs))
      .pexpire(key, keepMs)
      .exec();
    return token;
  }

  async function get(): Promise<string> {
    const token = await current();
    options.seen?.(token);
    return token;
  }

  async function current(): Promise<string> {
    const owner = randomUUID();
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      const token = await cached();
      if (token) return token;
      if ((await redis.set(lockKey, owner, 'PX', options.lockTtlMs, 'NX')) === 'OK') {
        try {
          // Another process may have stored one between our read and our lock.
          return (await cached()) ?? (await fetchAndStore());
        } finally {
          await redis.eval(RELEASE_LOCK, 1, lockKey, owner);
        }
      }
      if (Date.now() > deadline) throw options.busy(lockWaitMs);
      await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
    }
  }

  return {
    async run(call) {
      const token = await get();
      try {
        return await call(token);
      } catch (error) {
        if (!options.refused(error)) throw error;
        await redis.eval(DROP_TOKEN, 1, key, token);
        return call(await get());
      }
    },
  };
}
