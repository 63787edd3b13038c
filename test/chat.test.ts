import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startApp, type RunningApp } from '../src/app';
import { loadConfig } from '../src/config/load-config';
import { createLogger } from '../src/logger';

const intake = ['我要投诉', '8', '快递三天都没有送到，客服电话一直打不通', '昨天下午三点', '人民路营业厅', '跳过', '1', '2', '1', '/quit'];

/** Runs `npm run chat` the way a newcomer would, with the lines piped in. */
function chat(env: Record<string, string>, lines: readonly string[], user = 'li'): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/chat.ts', '--user', user], {
      env: { PATH: process.env.PATH!, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('exit', (code) => resolve({ code, output }));
    child.stdin.end(lines.map((line) => `${line}\n`).join(''));
  });
}

describe('npm run chat', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'complaints-chat-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('files a complaint on the embedded defaults with no token at all, and shows its number', async () => {
    const { code, output } = await chat({ DATA_DIR: dataDir, PORT: '1' }, intake);
    expect(output).toContain('(starting on the embedded defaults');
    expect(output).toContain('bot> 已受理！您的案件编号是 TS-');
    expect(code).toBe(0);
  });

  describe('next to a running server', () => {
    let app: RunningApp;

    beforeEach(async () => {
      const config = loadConfig({ env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, configDir: 'config' });
      app = await startApp(config, createLogger('silent'));
    });

    afterEach(async () => {
      await app.stop();
    });

    it('talks through the server, so the case lands in the server’s database', async () => {
      const port = new URL(app.url!).port;
      const { output } = await chat({ DATA_DIR: dataDir, PORT: port }, intake, 'wang');
      expect(output).toContain(`(talking to the server at http://127.0.0.1:${port} as "wang")`);
      const number = /案件编号是 (TS-\d{6}-\d{4})/.exec(output)?.[1];
      expect(number).toBeDefined();
      expect(await app.store.cases.findByNumber(number!)).toMatchObject({ channel: 'console', contactName: null });
    });

    it('refuses console messages that are not well formed', async () => {
      await request(app.url!)
        .post('/console/messages')
        .send({ line: 'hi' })
        .expect(400)
        .expect((res) => expect(res.body.error.code).toBe('HTTP.VALIDATION'));
    });
  });
});
