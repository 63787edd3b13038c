import type { Redis } from 'ioredis';

/**
 * What WeChat allows us to send a user through the customer-service API, kept in Redis so
 * every process counts the same quota. WeChat's rule (PROTOCOLS.md): after a user message,
 * 5 messages within 48 hours; after a menu click, follow or scan, 3 within 1 minute.
 * A new user message starts a fresh 48-hour window with 5 messages.
 */
export interface ServiceWindow {
  /** `message`: the user wrote (text, image, voice, location); `menu`: a menu click, follow or scan. */
  recordInbound(openid: string, at: Date, kind: 'message' | 'menu'): Promise<void>;
  /** Takes one message of the quota if the window is open; false when it is closed or used up. */
  tryConsume(openid: string, at: Date): Promise<boolean>;
  /** WeChat answered 45015/45047 although we counted otherwise: nothing more until the user writes again. */
  markClosed(openid: string): Promise<void>;
  /** Messages still allowed at `at`. */
  remaining(openid: string, at: Date): Promise<number>;
}

export interface ServiceWindowOptions {
  redis: Redis;
  /** Default `wx-window:`; the openid follows. */
  keyPrefix?: string;
}

export const MESSAGE_WINDOW_MS = 48 * 3_600_000;
export const MESSAGE_QUOTA = 5;
export const MENU_WINDOW_MS = 60_000;
export const MENU_QUOTA = 3;

// Keys outlive the longest window a little; the stored deadlines decide, so a test clock works too.
const KEY_TTL_MS = MESSAGE_WINDOW_MS + 3_600_000;

// ARGV[1] names the grant (msg | menu). A grant older than the one recorded (a late retry) changes nothing.
const RECORD = `
local lastAt = tonumber(redis.call('hget', KEYS[1], ARGV[1] .. 'At') or '-1')
if tonumber(ARGV[2]) > lastAt then
  redis.call('hset', KEYS[1], ARGV[1] .. 'At', ARGV[2], ARGV[1] .. 'Until', ARGV[3], ARGV[1] .. 'Left', ARGV[4])
end
redis.call('pexpire', KEYS[1], ARGV[5])
return 1`;

// The short menu grant is spent first so the 48-hour quota lasts longer.
const CONSUME = `
local v = redis.call('hmget', KEYS[1], 'menuUntil', 'menuLeft', 'msgUntil', 'msgLeft')
local at = tonumber(ARGV[1])
if tonumber(v[1] or '0') > at and tonumber(v[2] or '0') > 0 then
  redis.call('hincrby', KEYS[1], 'menuLeft', -1)
  return 1
end
if tonumber(v[3] or '0') > at and tonumber(v[4] or '0') > 0 then
  redis.call('hincrby', KEYS[1], 'msgLeft', -1)
  return 1
end
return 0`;

export function createServiceWindow(options: ServiceWindowOptions): ServiceWindow {
  const { redis } = options;
  const keyOf = (openid: string) => `${options.keyPrefix ?? 'wx-window:'}${openid}`;

  return {
    async recordInbound(openid, at, kind) {
      const [grant, windowMs, quota] = kind === 'message' ? ['msg', MESSAGE_WINDOW_MS, MESSAGE_QUOTA] : ['menu', MENU_WINDOW_MS, MENU_QUOTA];
      const time = at.getTime();
      await redis.eval(RECORD, 1, keyOf(openid), grant, time, time + windowMs, quota, KEY_TTL_MS);
    },

    async tryConsume(openid, at) {
      return (await redis.eval(CONSUME, 1, keyOf(openid), at.getTime())) === 1;
    },

    async markClosed(openid) {
      // The times stay, so a late retry of an older message cannot reopen the window.
      await redis.hset(keyOf(openid), 'msgLeft', 0, 'menuLeft', 0);
      await redis.pexpire(keyOf(openid), KEY_TTL_MS);
    },

    async remaining(openid, at) {
      const [menuUntil, menuLeft, msgUntil, msgLeft] = await redis.hmget(keyOf(openid), 'menuUntil', 'menuLeft', 'msgUntil', 'msgLeft');
      const time = at.getTime();
      const open = (until: string | null | undefined, left: string | null | undefined) => (Number(until ?? 0) > time ? Math.max(0, Number(left ?? 0)) : 0);
      return open(menuUntil, menuLeft) + open(msgUntil, msgLeft);
    },
  };
}
