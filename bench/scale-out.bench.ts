import { join } from 'node:path';
import { startFakeTelegram } from '../test/support/fake-telegram';
import { asDeployed, notificationWorkersRegistered, startChildServer, type ChildServer } from './support/app-process';
import { os } from './support/machine';
import { ms, perSecond, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { benchServices, countCases } from './support/services';
import { intakeTraffic, MID_INTAKE, runLoad, TELEGRAM_SECRET, type LoadFigures } from './support/traffic';

const USERS = 2000;
const CONNECTIONS = 32;
const REDIS_DB = 15;

/**
 * Telegram webhook throughput of one web process and of two (APP_ROLE=web, with one
 * APP_ROLE=worker beside them) on the same PostgreSQL and Redis, the same load split evenly
 * between the two as a load balancer would.
 */
export const scaleOutBench: Bench = { name: 'scale-out', run: runScaleOutBench };

async function runScaleOutBench(scale: BenchScale): Promise<BenchOutcome> {
  const users = scale.quick ? 500 : USERS;
  // One process before and after the two: other work on a shared machine drifts over a run, and
  // the mean of the two one-process runs brackets the two-process figure.
  const oneBefore = await measure(1, users);
  const two = await measure(2, users);
  const oneAfter = await measure(1, users);
  const one = { load: combined([oneBefore.load, oneAfter.load], 'mean') };
  const ratio = two.load.rps / one.load.rps;
  const { cpus } = os();
  const failures = (f: LoadFigures) => (f.errors + f.non2xx > 0 ? ` (${f.errors} errors, ${f.non2xx} non-2xx)` : '');
  const oneFigure = `${perSecond(one.load.rps)} one process`;
  const bracket = `${perSecond(oneBefore.load.rps)} before, ${perSecond(oneAfter.load.rps)} after the two`;
  return {
    rows: [
      {
        row: `Telegram webhook, 1 web process + worker: throughput, ${users} users mid-intake (${users * MID_INTAKE.length} messages), ${CONNECTIONS} connections`,
        figure: `${perSecond(one.load.rps)} (${bracket}; p99 ${ms(one.load.p99Ms)})${failures(one.load)}`,
        baseline: oneFigure,
        target: 'no errors',
        pass: one.load.errors + one.load.non2xx === 0,
      },
      {
        row: `Telegram webhook, 2 web processes + worker: throughput, same load split evenly`,
        figure: `${perSecond(two.load.rps)} = ${two.parts.map((part) => perSecond(part.rps)).join(' + ')} (p99 ${ms(two.load.p99Ms)})${failures(two.load)}`,
        baseline: oneFigure,
        target: 'no errors',
        pass: two.load.errors + two.load.non2xx === 0,
      },
      {
        row: `Scale-out ratio, two web processes / one`,
        figure: `${ratio.toFixed(2)}×`,
        baseline: oneFigure,
        target: `— (${cpus} cores shared with PostgreSQL, Redis, the worker and the load generator: 2× is not to be expected)`,
        pass: null,
      },
    ],
    details: {
      users,
      messages: users * MID_INTAKE.length,
      connections: CONNECTIONS,
      cpus,
      note: 'Two web processes cannot double throughput on a 2-core machine that also runs PostgreSQL, Redis, the worker, the fake Telegram API and autocannon; the ratio shows what a second process adds here, not on a host with spare cores.',
      oneProcessBefore: oneBefore,
      twoProcesses: two,
      oneProcessAfter: oneAfter,
      ratio,
    },
  };
}

interface Measured {
  /** Both halves together: requests and rates added, latencies the worse of the two. */
  load: LoadFigures;
  parts: LoadFigures[];
  casesFiled: number;
}

/**
 * `webProcesses` web processes (as `npm start` runs them) and one worker on a fresh database and
 * Redis; `users` people each send an intake's messages up to its summary, split evenly across the
 * web processes.
 */
async function measure(webProcesses: 1 | 2, users: number): Promise<Measured> {
  const services = await benchServices(REDIS_DB);
  const telegram = await startFakeTelegram();
  const processes: ChildServer[] = [];
  try {
    const env = (role: 'web' | 'worker', name: string): Record<string, string> => ({
      APP_ROLE: role,
      DATA_DIR: join(services.dataDir, name),
      DATABASE_URL: services.databaseUrl,
      REDIS_URL: services.redisUrl,
      LOG_LEVEL: 'error',
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    });
    const starting = await Promise.allSettled([
      ...Array.from({ length: webProcesses }, (_, n) => startChildServer({ ...asDeployed(), env: env('web', `web-${n}`), readyTimeoutMs: 90_000 })),
      startChildServer({ ...asDeployed(), env: env('worker', 'worker'), readyTimeoutMs: 90_000, ready: notificationWorkersRegistered(services.redisUrl, ['telegram']) }),
    ]);
    for (const outcome of starting) if (outcome.status === 'fulfilled') processes.push(outcome.value);
    for (const outcome of starting) if (outcome.status === 'rejected') throw outcome.reason;
    const web = processes.slice(0, webProcesses);
    // Each web process gets its own users (and update ids): a user's messages stay in order.
    const load = (people: number, firstUserId: number) => {
      const share = people / webProcesses;
      return Promise.all(
        web.map((server, n) => {
          const traffic = intakeTraffic({ users: share, firstUserId: firstUserId + n * people, firstUpdateId: firstUserId + n * 500_000_000, lines: MID_INTAKE });
          return runLoad({ url: server.url, make: () => traffic.telegram(), connections: CONNECTIONS / webProcesses, durationSeconds: 600, amount: share * MID_INTAKE.length });
        }),
      );
    };
    await load(250, 100_000);
    const parts = await load(users, 1_000_000);
    return { load: combined(parts), parts, casesFiled: await countCases(services.databaseUrl) };
  } finally {
    await Promise.all(processes.map((server) => server.stop()));
    await telegram.close();
    await services.dispose();
  }
}

/** Loads run side by side (`sum`: rates add up) or one after the other (`mean`); latencies are the worse of them. */
function combined(parts: readonly LoadFigures[], how: 'sum' | 'mean' = 'sum'): LoadFigures {
  const sum = (pick: (f: LoadFigures) => number) => parts.reduce((total, part) => total + pick(part), 0);
  const worst = (pick: (f: LoadFigures) => number) => Math.max(...parts.map(pick));
  const rps = how === 'sum' ? sum((f) => f.rps) : sum((f) => f.rps) / parts.length;
  return { requests: sum((f) => f.requests), rps, p50Ms: worst((f) => f.p50Ms), p99Ms: worst((f) => f.p99Ms), errors: sum((f) => f.errors), non2xx: sum((f) => f.non2xx) };
}
