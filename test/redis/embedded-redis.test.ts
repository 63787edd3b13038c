import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import {
  RedisServerNotFoundError,
  startEmbeddedRedis,
  type EmbeddedRedis,
} from '../../src/redis/embedded-redis';

const tempDirs: string[] = [];
const servers: EmbeddedRedis[] = [];
const clients: Redis[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await Promise.all(servers.splice(0).map((s) => s.stop()));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh data dir; the space in the name checks that paths reach redis-server intact. */
function tempDataDir(): string {
  const base = mkdtempSync(path.join(os.tmpdir(), 'embedded redis-'));
  tempDirs.push(base);
  return path.join(base, 'data', 'redis');
}

async function start(dataDir: string): Promise<EmbeddedRedis> {
  const server = await startEmbeddedRedis({ dataDir });
  servers.push(server);
  return server;
}

function client(url: string): Redis {
  const c = new Redis(url, { maxRetriesPerRequest: 1, retryStrategy: () => null, disconnectTimeout: 50 });
  clients.push(c);
  return c;
}

function readEmbeddedJson(dataDir: string): { pid: number; port: number } {
  return JSON.parse(readFileSync(path.join(dataDir, 'embedded.json'), 'utf8')) as { pid: number; port: number };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('startEmbeddedRedis', () => {
  it('keeps data across stop and start on the same directory (AOF)', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    expect(first.url).toBe(`redis://127.0.0.1:${first.port}`);
    const c1 = client(first.url);
    await c1.set('complaint:1', 'still here');
    c1.disconnect();
    await first.stop();

    expect(existsSync(path.join(dataDir, 'appendonlydir'))).toBe(true);
    const second = await start(dataDir);
    expect(await client(second.url).get('complaint:1')).toBe('still here');
  });

  it('runs with noeviction and append-only persistence, bound to localhost', async () => {
    const dataDir = tempDataDir();
    const server = await start(dataDir);
    const c = client(server.url);
    expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await c.config('GET', 'appendfsync')).toEqual(['appendfsync', 'everysec']);
    expect(await c.config('GET', 'save')).toEqual(['save', '']);
    expect(await c.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
    expect(readEmbeddedJson(dataDir)).toEqual({ pid: expect.any(Number), port: server.port });
    expect(existsSync(path.join(dataDir, 'redis.log'))).toBe(true);
  });

  it('reports a missing redis-server binary with how to fix it', async () => {
    const promise = startEmbeddedRedis({ dataDir: tempDataDir(), redisServerPath: '/nonexistent/redis-server' });
    await expect(promise).rejects.toBeInstanceOf(RedisServerNotFoundError);
    const err = (await promise.catch((e: unknown) => e)) as RedisServerNotFoundError;
    expect(err.code).toBe('REDIS.SERVER_NOT_FOUND');
    expect(err.message).toContain('REDIS_URL');
    expect(err.message).toContain('apt-get install redis-server');
    expect(err.message).toContain('brew install redis');
  });

  it('fails with the output of redis-server when it exits during startup', async () => {
    const dataDir = tempDataDir();
    mkdirSync(path.join(dataDir, 'redis.log'), { recursive: true }); // log file cannot be opened
    const err = (await startEmbeddedRedis({ dataDir }).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(/exited during startup/);
    expect(err.message).toMatch(/log file/i);
    expect(existsSync(path.join(dataDir, 'embedded.json'))).toBe(false);
  });

  it('shuts down a server still running on the same directory before starting, and keeps its data', async () => {
    const dataDir = tempDataDir();
    const first = await start(dataDir);
    const firstPid = readEmbeddedJson(dataDir).pid;
    await client(first.url).set('complaint:2', 'adopted');

    const second = await start(dataDir); // first was never stopped
    expect(pidAlive(firstPid)).toBe(false);
    expect(await client(second.url).get('complaint:2')).toBe('adopted');
    const recorded = readEmbeddedJson(dataDir);
    expect(recorded.pid).not.toBe(firstPid);
    expect(recorded.port).toBe(second.port);

    await first.stop(); // the old handle stops cleanly and leaves the new server's record alone
    expect(readEmbeddedJson(dataDir).pid).toBe(recorded.pid);
  });

  it('adopts a redis-server orphaned by a process killed with SIGKILL', async () => {
    const dataDir = tempDataDir();
    const script = path.join(path.dirname(path.dirname(dataDir)), 'run.ts');
    const modulePath = path.resolve(__dirname, '../../src/redis/embedded-redis.ts');
    writeFileSync(
      script,
      `import { startEmbeddedRedis } from ${JSON.stringify(modulePath)};\n` +
        `startEmbeddedRedis({ dataDir: ${JSON.stringify(dataDir)} }).then((r) => console.log('READY ' + r.port));\n` +
        `setInterval(() => {}, 1000);\n`,
    );
    const parent = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = await new Promise<number>((resolve, reject) => {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const m = /READY (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      parent.once('exit', (code) => reject(new Error(`helper exited with ${code}: ${out}`)));
    });
    const orphanPid = readEmbeddedJson(dataDir).pid;
    await client(`redis://127.0.0.1:${port}`).set('complaint:3', 'survived kill -9');

    const parentExit = new Promise((r) => parent.once('exit', r));
    parent.kill('SIGKILL');
    await parentExit;
    expect(pidAlive(orphanPid)).toBe(true); // the crash left redis running

    const server = await start(dataDir);
    expect(pidAlive(orphanPid)).toBe(false);
    expect(await client(server.url).get('complaint:3')).toBe('survived kill -9');
  });

  it('ignores an embedded.json whose pid is gone', async () => {
    const dataDir = tempDataDir();
    mkdirSync(dataDir, { recursive: true });
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    await waitFor(() => !pidAlive(dead));
    writeFileSync(path.join(dataDir, 'embedded.json'), JSON.stringify({ pid: dead, port: 1 }));

    const server = await start(dataDir);
    expect(readEmbeddedJson(dataDir)).toEqual({ pid: expect.any(Number), port: server.port });
  });

  it('never touches a live pid or a redis that is not this directory’s server', async () => {
    const other = await start(tempDataDir());
    const dataDir = tempDataDir();
    mkdirSync(dataDir, { recursive: true });
    // A live pid (this test process) and a port where a different redis answers.
    writeFileSync(path.join(dataDir, 'embedded.json'), JSON.stringify({ pid: process.pid, port: other.port }));

    const server = await start(dataDir);
    expect(await client(other.url).ping()).toBe('PONG');
    expect(await client(server.url).ping()).toBe('PONG');
  });

  it('stop() can be called twice and removes embedded.json', async () => {
    const dataDir = tempDataDir();
    const exitHooks = process.listenerCount('exit');
    const server = await start(dataDir);
    expect(process.listenerCount('exit')).toBe(exitHooks + 1);
    const { pid } = readEmbeddedJson(dataDir);
    await Promise.all([server.stop(), server.stop()]);
    await server.stop();
    expect(pidAlive(pid)).toBe(false);
    expect(existsSync(path.join(dataDir, 'embedded.json'))).toBe(false);
    expect(process.listenerCount('exit')).toBe(exitHooks);
  });
});
