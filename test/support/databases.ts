import { randomBytes } from 'node:crypto';
import { PGlite } from '@electric-sql/pglite';
import { Client } from 'pg';
import { attachPglite, openDatabase, type DatabaseHandle } from '../../src/persistence/database';

export type DatabaseKind = 'pglite' | 'postgres';

/** Both engines the product runs on; repository and use-case suites run once on each. */
export const DATABASE_KINDS: readonly DatabaseKind[] = ['pglite', 'postgres'];

/**
 * The PostgreSQL server the suites create their throw-away databases on. `.ci/run` exports
 * DATABASE_URL; the fallback is the local server of the development machines.
 */
export const adminDatabaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase extends DatabaseHandle {
  /** Closes the connection and removes the database or its folder. */
  destroy(): Promise<void>;
}

/** A fresh, migrated database of the given kind that no other suite sees. */
export async function openTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === 'pglite') {
    // In memory, from a migrated snapshot: creating a PGlite cluster from scratch takes seconds.
    const handle = await attachPglite(await PGlite.create({ loadDataDir: await migratedPgliteSnapshot() }));
    return { ...handle, destroy: () => handle.close() };
  }
  const name = `complaints_test_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`create database ${name}`));
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  const handle = await openDatabase({ dataDir: '', databaseUrl: url.toString(), poolSize: 20 });
  return {
    ...handle,
    destroy: async () => {
      await handle.close();
      await withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`));
    },
  };
}

async function withAdmin<T>(work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: adminDatabaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

let snapshot: Promise<Blob> | undefined;

function migratedPgliteSnapshot(): Promise<Blob> {
  snapshot ??= (async () => {
    const client = await PGlite.create();
    await attachPglite(client);
    const dump = await client.dumpDataDir('none');
    await client.close();
    return dump;
  })();
  return snapshot;
}

/** An empty database on the PostgreSQL server for a whole app to migrate and use; dropped by `drop`. */
export async function throwawayPostgresUrl(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `complaints_app_${randomBytes(6).toString('hex')}`;
  await withAdmin((admin) => admin.query(`create database ${name}`));
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => withAdmin((admin) => admin.query(`drop database if exists ${name} with (force)`)).then(() => undefined) };
}
