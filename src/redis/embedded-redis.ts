/**
 * Runs the machine's own `redis-server` as a child process when no REDIS_URL is configured.
 *
 * - Data lives in `dataDir` with append-only persistence, so it survives restarts.
 * - `maxmemory-policy noeviction`, because BullMQ must never have its keys evicted.
 * - `<dataDir>/embedded.json` records `{ pid, port }` of the running server. If a previous run
 *   died without stopping it (kill -9), the next start finds that orphan, checks that it really
 *   is *our* redis (it answers on the recorded port, reports the recorded pid and serves this
 *   directory) and shuts it down cleanly before starting a new one. A pid that does not answer
 *   like that is never signalled: pids get reused.
 *
 * The child runs in its own process group (`detached`), so a Ctrl-C in the terminal reaches only
 * the app, which can drain its queues and then call `stop()`. A `process.on('exit')` hook
 * SIGTERMs the child if the app exits without calling `stop()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fsp, readFileSync, realpathSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export interface EmbeddedRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the server (SIGTERM, which makes redis flush the AOF; SIGKILL after a timeout). Idempotent. */
  stop(): Promise<void>;
}

export interface EmbeddedRedisOptions {
  dataDir: string;
  /** Binary to run; default `redis-server` looked up on PATH. */
  redisServerPath?: string;
  /** How long to wait for the server to answer PING; default 10 s. */
  startTimeoutMs?: number;
  /** How long `stop()` (and shutting down an orphan) waits before SIGKILL; default 10 s. */
  stopTimeoutMs?: number;
  log?: (msg: string) => void;
}

export class RedisServerNotFoundError extends Error {
  override readonly name = 'RedisServerNotFoundError';
  readonly code = 'REDIS.SERVER_NOT_FOUND';

  constructor(readonly redisServerPath: string) {
    super(
      `No redis-server binary found (tried "${redisServerPath}"). Without REDIS_URL the app runs its own Redis ` +
        'and needs redis-server installed: "sudo apt-get install redis-server" on Debian/Ubuntu, ' +
        '"brew install redis" on macOS. Or set REDIS_URL to an existing Redis (e.g. REDIS_URL=redis://localhost:6379).',
    );
  }
}

/** The server could not be started (exited early, did not answer in time, orphan would not stop). */
export class EmbeddedRedisStartError extends Error {
  override readonly name = 'EmbeddedRedisStartError';
  readonly code = 'REDIS.EMBEDDED_START_FAILED';
}

const EMBEDDED_FILE = 'embedded.json';
const POLL_MS = 50;
const MAX_PORT_ATTEMPTS = 3;

export async function startEmbeddedRedis(options: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dataDir = path.resolve(options.dataDir);
  const redisServerPath = options.redisServerPath ?? 'redis-server';
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;
  const log = options.log ?? (() => {});

  await fsp.mkdir(dataDir, { recursive: true });
  await shutDownOrphan(dataDir, stopTimeoutMs, log);

  // The port is free when we look but could be taken before redis binds it; retry on that race.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce({ dataDir, redisServerPath, startTimeoutMs, stopTimeoutMs, log });
    } catch (err) {
      if (err instanceof PortTakenError && attempt < MAX_PORT_ATTEMPTS) {
        log(`embedded redis: port ${err.port} was taken, retrying on another port`);
        continue;
      }
      throw err;
    }
  }
}

class PortTakenError extends EmbeddedRedisStartError {
  constructor(
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

interface StartParams {
  dataDir: string;
  redisServerPath: string;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  log: (msg: string) => void;
}

async function startOnce(p: StartParams): Promise<EmbeddedRedis> {
  const { dataDir, log } = p;
  const port = await findFreePort();
  const logFile = path.join(dataDir, 'redis.log');
  const logOffset = await fileSize(logFile);
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dataDir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--pidfile', path.join(dataDir, 'redis.pid'),
    '--logfile', logFile,
  ]; // prettier-ignore

  const child = spawn(p.redisServerPath, args, {
    cwd: dataDir,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });

  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });

  type Exit = { code: number | null; signal: NodeJS.Signals | null };
  let exitInfo: Exit | undefined;
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  // Not `instanceof Error`: errors from node internals may come from another realm (jest's vm).
  const spawnError = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    child.once('error', resolve);
    child.once('spawn', () => resolve(undefined));
  });
  if (spawnError) {
    if (spawnError.code === 'ENOENT') throw new RedisServerNotFoundError(p.redisServerPath);
    throw new EmbeddedRedisStartError(`Could not run ${p.redisServerPath}: ${spawnError.message}`);
  }
  const pid = child.pid;
  if (pid === undefined) throw new EmbeddedRedisStartError(`Could not run ${p.redisServerPath}: no pid`);

  // Record the pid at once, so that a crash of ours during startup still leaves a trace for adoption.
  await writeEmbeddedFile(dataDir, { pid, port });

  const killOnExit = (): void => {
    if (isRunning(child)) child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);

  const failStart = async (reason: string): Promise<never> => {
    if (isRunning(child)) {
      child.kill('SIGKILL');
      await exited;
    }
    process.removeListener('exit', killOnExit);
    await removeEmbeddedFileIfOwned(dataDir, pid);
    const logTail = await readTail(logFile, logOffset);
    const details = [logTail && `redis.log:\n${logTail}`, stderr.trim() && `stderr:\n${tailLines(stderr)}`]
      .filter(Boolean)
      .join('\n');
    const message = `embedded redis-server (${p.redisServerPath}, port ${port}, dir ${dataDir}) ${reason}${details ? `\n${details}` : ''}`;
    if (/address already in use/i.test(logTail + stderr)) throw new PortTakenError(port, message);
    throw new EmbeddedRedisStartError(message);
  };

  const deadline = Date.now() + p.startTimeoutMs;
  for (;;) {
    if (exitInfo) {
      return failStart(`exited during startup (code ${exitInfo.code ?? '-'}, signal ${exitInfo.signal ?? '-'})`);
    }
    if (await answersPing(port, 500)) break;
    if (Date.now() >= deadline) return failStart(`did not answer PING within ${p.startTimeoutMs} ms`);
    await Promise.race([sleep(POLL_MS), exited]);
  }

  log(`embedded redis: started pid ${pid} on 127.0.0.1:${port}, data in ${dataDir}`);
  let stopping: Promise<void> | undefined;
  void exited.then(({ code, signal }) => {
    process.removeListener('exit', killOnExit);
    if (!stopping) log(`embedded redis: pid ${pid} exited unexpectedly (code ${code ?? '-'}, signal ${signal ?? '-'})`);
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.removeListener('exit', killOnExit);
      if (isRunning(child)) {
        child.kill('SIGTERM'); // redis shuts down gracefully on SIGTERM and fsyncs the AOF
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          exited.then(() => false),
          new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), p.stopTimeoutMs))),
        ]);
        clearTimeout(timer);
        if (timedOut && isRunning(child)) {
          log(`embedded redis: pid ${pid} did not stop within ${p.stopTimeoutMs} ms, sending SIGKILL`);
          child.kill('SIGKILL');
        }
        await exited;
      }
      await removeEmbeddedFileIfOwned(dataDir, pid);
      log(`embedded redis: stopped pid ${pid}`);
    })();
    return stopping;
  };

  return { url: `redis://127.0.0.1:${port}`, port, stop };
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

// ---------------------------------------------------------------------------------------------
// Orphans left by a previous run

interface EmbeddedFile {
  pid: number;
  port: number;
}

async function shutDownOrphan(dataDir: string, timeoutMs: number, log: (msg: string) => void): Promise<void> {
  const file = path.join(dataDir, EMBEDDED_FILE);
  const recorded = await readEmbeddedFile(file);
  if (!recorded) return;
  const { pid, port } = recorded;

  if (!isPidAlive(pid)) {
    log(`embedded redis: ignoring stale ${EMBEDDED_FILE} (pid ${pid} is gone)`);
    await fsp.rm(file, { force: true });
    return;
  }
  if (!(await isOurRedis(pid, port, dataDir))) {
    // Pid reused by something else, or a redis that is not the one we started for this directory.
    log(`embedded redis: ignoring ${EMBEDDED_FILE}: pid ${pid} does not answer as this directory's redis on port ${port}`);
    await fsp.rm(file, { force: true });
    return;
  }

  log(`embedded redis: shutting down orphaned redis-server pid ${pid} on port ${port} from a previous run`);
  const failure = await sendCommand(port, ['SHUTDOWN'], 5_000).then(
    (reply) => (reply instanceof RespError ? reply.message : undefined),
    (err: unknown) => String((err as Error | undefined)?.message ?? err),
  );
  if (failure !== undefined) {
    log(`embedded redis: SHUTDOWN of pid ${pid} failed (${failure}), sending SIGTERM`);
    signal(pid, 'SIGTERM');
  }
  if (!(await waitForPidExit(pid, timeoutMs))) {
    // Identity was verified above (pid, port and directory all match), so killing it is safe.
    log(`embedded redis: orphan pid ${pid} did not stop within ${timeoutMs} ms, sending SIGKILL`);
    signal(pid, 'SIGKILL');
    if (!(await waitForPidExit(pid, 2_000))) {
      throw new EmbeddedRedisStartError(
        `An earlier redis-server (pid ${pid}, port ${port}) still runs on ${dataDir} and would not stop; stop it by hand.`,
      );
    }
  }
  await fsp.rm(file, { force: true });
}

/** True when `port` answers as a redis whose process id is `pid` and whose directory is `dataDir`. */
async function isOurRedis(pid: number, port: number, dataDir: string): Promise<boolean> {
  try {
    const info = await sendCommand(port, ['INFO', 'server'], 1_000);
    if (typeof info !== 'string') return false;
    const match = /^process_id:(\d+)\r?$/m.exec(info);
    if (!match || Number(match[1]) !== pid) return false;
    const dir = await sendCommand(port, ['CONFIG', 'GET', 'dir'], 1_000);
    if (!Array.isArray(dir) || typeof dir[1] !== 'string') return false;
    return samePath(dir[1], dataDir);
  } catch {
    return false;
  }
}

function samePath(a: string, b: string): boolean {
  const real = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return path.resolve(p);
    }
  };
  return real(a) === real(b);
}

function isPidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by a parent that does not reap) counts as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z';
  } catch {
    return true; // no /proc (macOS): trust kill(0)
  }
}

async function waitForPidExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isPidAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await sleep(POLL_MS);
  }
  return true;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function readEmbeddedFile(file: string): Promise<EmbeddedFile | undefined> {
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const data = JSON.parse(text) as Partial<EmbeddedFile>;
    if (Number.isInteger(data.pid) && Number.isInteger(data.port) && data.pid! > 0 && data.port! > 0) {
      return { pid: data.pid!, port: data.port! };
    }
  } catch {
    // unreadable: treat as absent
  }
  return undefined;
}

async function writeEmbeddedFile(dataDir: string, data: EmbeddedFile): Promise<void> {
  const file = path.join(dataDir, EMBEDDED_FILE);
  const tmp = `${file}.${process.pid}.tmp`;
  await fsp.writeFile(tmp, `${JSON.stringify(data)}\n`);
  await fsp.rename(tmp, file);
}

/** Removes embedded.json unless it now records another server (one that adopted this directory). */
async function removeEmbeddedFileIfOwned(dataDir: string, pid: number): Promise<void> {
  const file = path.join(dataDir, EMBEDDED_FILE);
  const recorded = await readEmbeddedFile(file);
  if (recorded && recorded.pid !== pid) return;
  await fsp.rm(file, { force: true });
}

// ---------------------------------------------------------------------------------------------
// Small helpers: free port, log tail, a one-shot RESP client

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not determine a free port'))));
    });
  });
}

async function fileSize(file: string): Promise<number> {
  try {
    return (await fsp.stat(file)).size;
  } catch {
    return 0;
  }
}

/** The last lines written to `file` after byte `offset` (this run's part of an appended log). */
async function readTail(file: string, offset: number): Promise<string> {
  try {
    const handle = await fsp.open(file, 'r');
    try {
      const size = (await handle.stat()).size;
      const start = Math.max(offset, size - 4000);
      const buf = Buffer.alloc(Math.max(0, size - start));
      await handle.read(buf, 0, buf.length, start);
      return tailLines(buf.toString('utf8'));
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function tailLines(text: string, lines = 15): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function answersPing(port: number, timeoutMs: number): Promise<boolean> {
  try {
    // While loading the AOF redis replies -LOADING, so PONG also means the data is loaded.
    return (await sendCommand(port, ['PING'], timeoutMs)) === 'PONG';
  } catch {
    return false;
  }
}

class RespError extends Error {}
type RespValue = string | number | null | RespError | RespValue[];

/**
 * Sends one command on a fresh connection to 127.0.0.1:`port` and resolves with the reply, or with
 * `null` when the server closes the connection without replying (what a successful SHUTDOWN does).
 */
function sendCommand(port: number, args: string[], timeoutMs: number): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      fn();
    };
    const timer = setTimeout(() => finish(() => reject(new Error(`no reply from port ${port} within ${timeoutMs} ms`))), timeoutMs);
    socket.once('connect', () => {
      socket.write(`*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`);
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      let parsed: { value: RespValue; next: number } | undefined;
      try {
        parsed = parseResp(buf, 0);
      } catch (err) {
        finish(() => reject(err as Error));
        return;
      }
      if (parsed) {
        const { value } = parsed;
        finish(() => resolve(value));
      }
    });
    socket.once('error', (err) => finish(() => reject(err)));
    socket.once('close', () => finish(() => resolve(null)));
  });
}

/** Parses one RESP2 value at `offset`; undefined when the buffer does not hold all of it yet. */
function parseResp(buf: Buffer, offset: number): { value: RespValue; next: number } | undefined {
  const lineEnd = buf.indexOf('\r\n', offset);
  if (lineEnd < 0) return undefined;
  const type = String.fromCharCode(buf[offset] ?? 0);
  const line = buf.toString('utf8', offset + 1, lineEnd);
  const afterLine = lineEnd + 2;
  switch (type) {
    case '+':
      return { value: line, next: afterLine };
    case '-':
      return { value: new RespError(line), next: afterLine };
    case ':':
      return { value: Number(line), next: afterLine };
    case '$': {
      const len = Number(line);
      if (len < 0) return { value: null, next: afterLine };
      if (buf.length < afterLine + len + 2) return undefined;
      return { value: buf.toString('utf8', afterLine, afterLine + len), next: afterLine + len + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { value: null, next: afterLine };
      const items: RespValue[] = [];
      let next = afterLine;
      for (let i = 0; i < count; i++) {
        const item = parseResp(buf, next);
        if (!item) return undefined;
        items.push(item.value);
        next = item.next;
      }
      return { value: items, next };
    }
    default:
      throw new Error(`unexpected reply from redis: ${JSON.stringify(buf.toString('utf8', offset, Math.min(buf.length, offset + 40)))}`);
  }
}
