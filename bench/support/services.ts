import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { throwawayPostgresUrl } from '../../test/support/databases';

const REDIS_BASE = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

export interface BenchServices {
  databaseUrl: string;
  redisUrl: string;
  dataDir: string;
  /** Drops the database, empties the Redis database and removes the data folder. */
  dispose(): Promise<void>;
}

/**
 * A throw-away PostgreSQL database, an emptied Redis database of its own (`redisDb`, apart from
 * the test suites' 0 and 9) and a temporary DATA_DIR.
 */
export async function benchServices(redisDb: number): Promise<BenchServices> {
  const database = await throwawayPostgresUrl();
  const redisUrl = `${REDIS_BASE}/${redisDb}`;
  await flush(redisUrl);
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-bench-'));
  return {
    databaseUrl: database.url,
    redisUrl,
    dataDir,
    async dispose() {
      await database.drop();
      await flush(redisUrl);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function flush(url: string): Promise<void> {
  const redis = new Redis(url);
  await redis.flushdb();
  await redis.quit();
}

/** How many cases the bench's database holds (a sanity figure for the results). */
export async function countCases(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from cases');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
