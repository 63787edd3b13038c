import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { createNotificationQueues } from '../../src/queues/notification-queues';

/** The repository root: the app reads ./config from it. */
export const ROOT = resolve(__dirname, '../..');

export interface ChildServer {
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  child: ChildProcess;
  /** Resident set size of the process now, from /proc (Linux). */
  rssBytes(): number;
  /** CPU time (user + system) the process has used so far, in ms, from /proc (Linux). */
  cpuMs(): number;
  /** What it printed on stderr so far (start-up failures, crashes). */
  stderr(): string;
  /** The last 20 kB it printed on stdout (its pino log), with `captureStdout`; '' without. */
  stdout(): string;
  /** Resolves with the exit code (or null after a signal). */
  exited: Promise<number | null>;
  /** SIGTERM, then waits for the exit (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Runs an entry point as its own Node process and waits until GET /readyz answers 200 (or until
 * `ready` says so): a TypeScript one through tsx (src/main.ts by default), a `.js` one
 * (dist/main.js, as `npm start`) with plain node.
 */
export async function startChildServer(options: {
  env: Record<string, string>;
  script?: string;
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** For a process that serves no HTTP (APP_ROLE=worker): a sign of readiness to poll instead of /readyz. */
  ready?: () => Promise<boolean>;
  /** Keep the tail of stdout (the log) for `stdout()`; off by default, stdout is discarded. */
  captureStdout?: boolean;
}): Promise<ChildServer> {
  const port = options.env.PORT ? Number(options.env.PORT) : await freePort();
  const script = options.script ?? 'src/main.ts';
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...(script.endsWith('.js') ? [script] : ['--import', 'tsx', script])], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...options.env, PORT: String(port) },
    stdio: ['ignore', options.captureStdout ? 'pipe' : 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-20_000);
  });
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout = (stdout + chunk.toString('utf8')).slice(-20_000);
  });
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => (gone = true));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (gone) throw new Error(`${script} exited before it was ready:\n${stderr}`);
    const ready = await (options.ready ? options.ready() : fetch(`${url}/readyz`).then((response) => response.ok)).catch(() => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} not ready after ${options.readyTimeoutMs ?? 60_000} ms:\n${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    child,
    exited,
    stderr: () => stderr,
    stdout: () => stdout,
    cpuMs() {
      // Fields 14 and 15 after the parenthesised command name: utime and stime, in clock ticks
      // of 1/100 s (USER_HZ, fixed at 100 in what Linux shows to user space).
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /su, '').split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    },
    rssBytes() {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
      return kb ? Number(kb) * 1024 : 0;
    },
    async stop() {
      if (gone) return;
      child.kill('SIGTERM');
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(force);
    },
  };
}

/**
 * `ready` for an APP_ROLE=worker process, which serves no HTTP: every channel's notification
 * worker has registered with BullMQ on that Redis.
 */
export function notificationWorkersRegistered(redisUrl: string, channels: readonly string[]): () => Promise<boolean> {
  return async () => {
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const queues = createNotificationQueues(redis, channels);
    try {
      const counts = await Promise.all([...queues.byChannel.values()].map((queue) => queue.getWorkersCount()));
      return counts.every((count) => count > 0);
    } finally {
      await queues.close();
      await redis.quit();
    }
  };
}

let built = false;

/**
 * The app as `npm start` runs it: the compiled build (tsx compiling in the process costs memory
 * and time of its own) with the node flags of package.json's `start` script. Builds once per run.
 */
export function asDeployed(): { script: string; nodeArgs: string[] } {
  if (!built) {
    execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json'], { cwd: ROOT, stdio: 'inherit' });
    built = true;
  }
  const start = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start ?? '';
  const words = start.split(/\s+/u);
  return { script: 'dist/main.js', nodeArgs: words.slice(words.indexOf('node') + 1, words.indexOf('dist/main.js')) };
}
