import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/** The machine's Redis (`.ci/run` makes sure it runs), under a key prefix no other suite uses. */
export async function openTestRedis(): Promise<{ client: Redis; destroy(): Promise<void> }> {
  const prefix = `test:${randomBytes(6).toString('hex')}:`;
  const client = new Redis(process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379', { keyPrefix: prefix, maxRetriesPerRequest: 3 });
  return {
    client,
    destroy: async () => {
      // keyPrefix is not applied to SCAN patterns: match the prefix by hand.
      let cursor = '0';
      do {
        const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await client.del(...keys.map((key) => key.slice(prefix.length)));
      } while (cursor !== '0');
      await client.quit();
    },
  };
}
