import type { Redis } from 'ioredis';
import type { Choice } from '../../conversation/messages';

/**
 * The last numbered list each staff account (or staff room) was shown. WeChat has no buttons, so
 * "1" on an assignment card only means "accept" if we remember which card the number belongs to.
 */
export interface StaffMenus {
  remember(account: string, choices: readonly Choice[]): Promise<void>;
  recall(account: string): Promise<readonly Choice[] | null>;
}

// A card that arrives in the evening is answered the next working morning, or after a weekend.
const MENU_TTL_SECONDS = 4 * 86_400;

export function redisStaffMenus(redis: Redis, ttlSeconds = MENU_TTL_SECONDS): StaffMenus {
  const key = (account: string) => `wechaty:menu:${account}`;
  return {
    async remember(account, choices) {
      await redis.set(key(account), JSON.stringify(choices.map(({ id, label }) => ({ id, label }))), 'EX', ttlSeconds);
    },
    async recall(account) {
      const json = await redis.get(key(account));
      return json ? (JSON.parse(json) as Choice[]) : null;
    },
  };
}
