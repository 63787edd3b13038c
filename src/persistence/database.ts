import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { sql } from 'drizzle-orm';
import { PGlite } from '@electric-sql/pglite';
import { Pool } from 'pg';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import { drizzle as drizzlePostgres } from 'drizzle-orm/node-postgres';
import { migrate as migratePostgres } from 'drizzle-orm/node-postgres/migrator';
import { schema, type Schema } from './schema';

export type Database = PgDatabase<PgQueryResultHKT, Schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'pglite' | 'postgres';
  /** Throws when the database does not answer; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL server; unset = embedded PGlite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  poolSize?: number;
  /** Versioned SQL written by `npm run db:generate`. */
  migrationsFolder?: string;
}

export const defaultMigrationsFolder = resolve(__dirname, '../../drizzle');

/** Opens the database and applies pending migrations before anything else touches it. */
export async function openDatabase(options: OpenDatabaseOptions): Promise<DatabaseHandle> {
  const migrationsFolder = options.migrationsFolder ?? defaultMigrationsFolder;
  const handle = options.databaseUrl
    ? await openPostgres(options.databaseUrl, options.poolSize ?? 10, migrationsFolder)
    : await openPglite(join(options.dataDir, 'pglite'), migrationsFolder);
  return handle;
}

async function openPostgres(url: string, poolSize: number, migrationsFolder: string): Promise<DatabaseHandle> {
  const pool = new Pool({ connectionString: url, max: poolSize });
  // An idle client that loses its server (a PostgreSQL restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor one checked out and between two queries (a transaction awaiting Redis, say): pg emits
  // 'error' on that client, and without a listener Node exits. Its next query fails instead, and
  // the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = drizzlePostgres(pool, { schema });
  try {
    await migrateExclusively(pool, migrationsFolder);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    db: db as unknown as Database,
    kind: 'postgres',
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    close: () => pool.end(),
  };
}

// Several processes (APP_ROLE split) may start at once: one migrates, the others wait.
const MIGRATION_LOCK_ID = 7_261_342;

async function migrateExclusively(pool: Pool, migrationsFolder: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migratePostgres(drizzlePostgres(client, { schema }), { migrationsFolder });
  } finally {
    await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => undefined);
    client.release();
  }
}

async function openPglite(dir: string, migrationsFolder: string): Promise<DatabaseHandle> {
  mkdirSync(dir, { recursive: true });
  return attachPglite(await PGlite.create(dir), migrationsFolder);
}

/** Migrates and wraps an open PGlite client; the handle owns it from then on. */
export async function attachPglite(client: PGlite, migrationsFolder = defaultMigrationsFolder): Promise<DatabaseHandle> {
  const db = drizzlePglite(client, { schema });
  try {
    await migratePglite(db, { migrationsFolder });
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    db: db as unknown as Database,
    kind: 'pglite',
    ping: async () => {
      await client.query('select 1');
    },
    close: () => client.close(),
  };
}
