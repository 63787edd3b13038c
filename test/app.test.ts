import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startApp, type RunningApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { submitCase } from '../src/application/submit-case';
import { createLogger } from '../src/logger';

const NOW = new Date('2026-11-18T02:00:00Z');

function configFor(dataDir: string, extraEnv: Record<string, string> = {}) {
  return loadConfig({ env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', ...extraEnv }, configDir: 'config' });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the application on embedded defaults', () => {
  let dataDir: string;
  let app: RunningApp | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'complaints-app-'));
  });

  afterEach(async () => {
    await app?.stop();
    app = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is alive and ready with PGlite and its own redis-server, and says which channels are on', async () => {
    app = await startApp(configFor(dataDir), createLogger('silent'));
    await request(app.url!).get('/healthz').expect(200, { status: 'alive' });
    const ready = await request(app.url!).get('/readyz').expect(200);
    expect(ready.body).toEqual({
      status: 'ready',
      role: 'all',
      checks: { database: { ok: true, kind: 'pglite' }, redis: { ok: true, embedded: true } },
      channels: { wechatOfficial: false, telegram: false, wecom: false, wechaty: false },
    });
    await request(app.url!).get('/nothing-here').expect(404).expect((res) => expect(res.body.error.code).toBe('HTTP.NOT_FOUND'));
  });

  it('keeps cases and Redis data across a restart', async () => {
    app = await startApp(configFor(dataDir), createLogger('silent'));
    const submitted = await submitCase(
      app.cases,
      {
        type: 'complaint',
        category: 'delivery',
        channel: 'console',
        complainant: { channel: 'console', externalId: 'alice' },
        anonymous: false,
        contact: { name: 'Alice', phone: '+85291234567' },
        description: '包裹三天没有送到',
        descriptionScript: 'zh-Hans',
        wants: ['refund'],
      },
      NOW,
    );
    await app.redis.client.set('conversation:console:alice', 'askCategory');
    await app.stop();

    app = await startApp(configFor(dataDir), createLogger('silent'));
    expect(await app.store.cases.findByNumber(submitted.number)).toMatchObject({ description: '包裹三天没有送到' });
    expect(await app.redis.client.get('conversation:console:alice')).toBe('askCategory');
  });

  it('reports Redis as down on /readyz when it stops answering', async () => {
    app = await startApp(configFor(dataDir), createLogger('silent'));
    const { pid } = JSON.parse(readFileSync(join(dataDir, 'redis', 'embedded.json'), 'utf8')) as { pid: number };
    process.kill(pid, 'SIGKILL');
    const ready = await request(app.url!).get('/readyz').expect(503);
    expect(ready.body.checks.redis.ok).toBe(false);
    expect(ready.body.checks.database.ok).toBe(true);
  });
});

describe('npm start as a process', () => {
  const tsxMain = ['--import', 'tsx', 'src/main.ts'];

  function run(env: Record<string, string>) {
    const child = spawn(process.execPath, tsxMain, { env: { PATH: process.env.PATH!, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    return { child, exited, output: () => output };
  }

  it('serves /healthz within 20 s, and on SIGTERM stops its redis-server and exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'complaints-main-'));
    const port = String(20000 + Math.floor(Math.random() * 20000));
    const started = Date.now();
    const proc = run({ DATA_DIR: dataDir, PORT: port, HOST: '127.0.0.1' });
    try {
      let healthy = false;
      while (!healthy && Date.now() - started < 20_000) {
        await new Promise((r) => setTimeout(r, 250));
        healthy = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
      }
      expect({ healthy, output: healthy ? '' : proc.output() }).toEqual({ healthy: true, output: '' });
      const { pid } = JSON.parse(readFileSync(join(dataDir, 'redis', 'embedded.json'), 'utf8')) as { pid: number };

      proc.child.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(isAlive(pid)).toBe(false);
      expect(proc.output()).toContain('shutting down');
    } finally {
      proc.child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses to start on a bad configuration, listing every problem', async () => {
    const proc = run({ PORT: 'abc', APP_ROLE: 'worker', TELEGRAM_BOT_TOKEN: 'not-a-token' });
    expect(await proc.exited).toBe(1);
    expect(proc.output()).toContain('The configuration has 3 problems:');
    for (const key of ['PORT', 'APP_ROLE', 'TELEGRAM_BOT_TOKEN']) expect(proc.output()).toContain(`env ${key}:`);
  });
});
