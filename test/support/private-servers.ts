import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { freePort } from '../../bench/support/app-process';

/**
 * Redis and PostgreSQL servers of one suite's own, on free ports with their data in a temp dir,
 * for suites that crash and restart them: the machine's shared servers serve suites running in
 * parallel and must never go down.
 */

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface PrivateRedis {
  /** redis://127.0.0.1:<port> */
  url: string;
  /** Kills the server (SIGKILL: a crash; SIGTERM: a clean shutdown) and waits for it to exit. */
  kill(signal?: 'SIGKILL' | 'SIGTERM'): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it answers PING (data loaded). */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

/**
 * A `redis-server` on a free port. `appendOnly` (default true) keeps every write in an AOF as a
 * real deployment does (and as the embedded Redis of src/redis does); without it there is no
 * persistence at all (`save ""`), so a restart comes back empty.
 */
export async function startPrivateRedis(options: { appendOnly?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'complaints-redis-'));
  const appendOnly = options.appendOnly ?? true;
  const url = `redis://127.0.0.1:${port}`;
  let server: { child: ChildProcess; exited: Promise<void> } | undefined;

  async function start(): Promise<void> {
    if (server) throw new Error('private redis is already running');
    const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', appendOnly ? 'yes' : 'no', '--logfile', join(dir, 'redis.log')];
    const child = spawn('redis-server', args, { stdio: 'ignore' });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    server = { child, exited };
    const deadline = Date.now() + 20_000;
    for (;;) {
      // Answers LOADING while it replays the AOF: ready once PING succeeds.
      const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 500 });
      client.on('error', () => undefined);
      const up = await client
        .connect()
        .then(() => client.ping())
        .then(
          () => true,
          () => false,
        );
      client.disconnect();
      if (up) return;
      if (child.exitCode !== null) throw new Error(`redis-server on port ${port} exited at start (see ${join(dir, 'redis.log')})`);
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} not answering after 20 s`);
      await sleep(50);
    }
  }

  async function kill(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    if (!server) return;
    const { child, exited } = server;
    child.kill(signal);
    await exited;
    server = undefined;
  }

  await start();
  return {
    url,
    kill,
    start,
    async destroy() {
      await kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivatePostgres {
  /** postgres://postgres@127.0.0.1:<port>/postgres (trust authentication) */
  url: string;
  /** Immediate shutdown (`pg_ctl stop -m immediate`): every backend quits at once, no checkpoint; the next start runs crash recovery. */
  crash(): Promise<void>;
  /** Starts it again on the same port and data dir; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  destroy(): Promise<void>;
}

// Debian's layout: /usr/lib/postgresql/<major>/bin; the newest installed major unless PG_BIN says.
const PG_BIN = process.env.PG_BIN ?? newestPostgresBin();

function newestPostgresBin(): string {
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).filter((name) => existsSync(join(root, name, 'bin', 'initdb'))) : [];
  const newest = majors.sort((a, b) => Number(b) - Number(a))[0];
  return join(root, newest ?? '15', 'bin');
}

/**
 * A PostgreSQL cluster of its own (the installed server's binaries). initdb and postgres refuse to run as root: as root (CI
 * containers) every command runs as the `postgres` user through runuser, in a dir it owns.
 * fsync is off for speed (the tests crash the server, never the machine, so the OS still holds
 * every write), but commits stay synchronous: with synchronous_commit off, an immediate stop
 * loses commits the app was already told had succeeded, which no real crash test wants.
 */
export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'complaints-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(run('id', ['-u', 'postgres']).trim());
    const gid = Number(run('id', ['-g', 'postgres']).trim());
    chownSync(dir, uid, gid);
  }
  mkdirSync(data, { mode: 0o700 });
  if (asRoot) chownSync(data, Number(run('id', ['-u', 'postgres']).trim()), Number(run('id', ['-g', 'postgres']).trim()));

  const pg = (tool: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', join(PG_BIN, tool), ...args]) : run(join(PG_BIN, tool), args));
  pg('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions']);

  const options = [`-p ${port}`, `-k ${dir}`, "-c listen_addresses=127.0.0.1", '-c fsync=off', '-c full_page_writes=off', '-c max_connections=100'].join(' ');
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let running = false;

  async function start(): Promise<void> {
    pg('pg_ctl', ['-D', data, '-l', join(dir, 'postgres.log'), '-o', options, '-w', '-t', '60', 'start']);
    running = true;
    // pg_ctl -w waits for the postmaster; a first connection proves recovery is over.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const client = new Client({ connectionString: url });
      client.on('error', () => undefined);
      const up = await client.connect().then(
        () => true,
        () => false,
      );
      await client.end().catch(() => undefined);
      if (up) return;
      if (Date.now() > deadline) throw new Error(`private postgres on port ${port} not accepting connections after 30 s`);
      await sleep(100);
    }
  }

  async function crash(): Promise<void> {
    if (!running) return;
    pg('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    running = false;
  }

  await start();
  return {
    url,
    crash,
    start,
    async destroy() {
      await crash().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', cwd: tmpdir() });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
  return result.stdout;
}
