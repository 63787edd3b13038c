import { sql } from 'drizzle-orm';
import type { CounterRepository } from '../application/ports';
import type { Database } from './database';
import { counters } from './schema';

export function counterRepository(db: Database): CounterRepository {
  return {
    async next(key) {
      // The upsert takes the row lock until the surrounding transaction ends: concurrent
      // submissions queue here, and a rolled-back one gives its number back (no gaps).
      const [row] = await db
        .insert(counters)
        .values({ key, value: 1 })
        .onConflictDoUpdate({ target: counters.key, set: { value: sql`${counters.value} + 1` } })
        .returning({ value: counters.value });
      if (!row) throw new Error(`counter ${key} returned no row`);
      return row.value;
    },
  };
}
