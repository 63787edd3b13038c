import { randomInt } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { BindingCodes, StaffPending, StaffPendingStore } from '../application/staff-desk';

// No 0/O or 1/I/L: codes are read off a screen and typed into a phone.
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const CODE_LENGTH = 8;

/** One-time codes in Redis: GETDEL makes a code work exactly once, the expiry makes it short-lived. */
export function redisBindingCodes(redis: Redis): BindingCodes {
  return {
    async issue(staffId, ttlSeconds) {
      const code = Array.from({ length: CODE_LENGTH }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
      await redis.set(`bind-code:${code}`, staffId, 'EX', ttlSeconds);
      return code;
    },
    redeem: (code) => redis.getdel(`bind-code:${code.trim().toUpperCase()}`),
  };
}

/** What a staff member was asked last (a question for the complainant, a resolution), per chat account. */
export function redisStaffPending(redis: Redis): StaffPendingStore {
  const key = (account: string) => `staff-pending:${account}`;
  return {
    async get(account) {
      const json = await redis.get(key(account));
      return json ? (JSON.parse(json) as StaffPending) : null;
    },
    async set(account, pending, ttlSeconds) {
      await redis.set(key(account), JSON.stringify(pending), 'EX', ttlSeconds);
    },
    async clear(account) {
      await redis.del(key(account));
    },
  };
}
