import { Redis } from 'ioredis';
import { startFakeTelegram } from '../test/support/fake-telegram';
import { asDeployed, startChildServer, type ChildServer } from './support/app-process';
import { mb, sleep, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { benchServices } from './support/services';
import { intakeTraffic, runLoad, TELEGRAM_SECRET } from './support/traffic';

const RSS_TARGET_BYTES = 300 * 1024 * 1024;
const REDIS_DB = 13;
// Two messages leave each user in the middle of an intake, asked to describe what happened.
const OPENING = ['我要投诉', '配送'] as const;

export const memoryBench: Bench = { name: 'memory', run: runMemoryBench };

async function runMemoryBench(scale: BenchScale): Promise<BenchOutcome> {
  const asStarted = asDeployed().nodeArgs;
  const deployed = await measure(scale, asStarted);
  // The same without the heap cap, to show what the cap is for: V8 on a large machine lets garbage pile up.
  const uncapped = await measure(scale, []);
  return {
    rows: [
      {
        row: `Memory (RSS) with ${deployed.users.toLocaleString('en')} conversations mid-intake, as \`npm start\` runs it (${asStarted.join(' ')})`,
        figure: `${mb(deployed.peakRss)} peak, ${mb(deployed.settledRss)} after`,
        baseline: `${mb(deployed.idleRss)} idle app`,
        target: '< 300 MB',
        pass: deployed.peakRss < RSS_TARGET_BYTES && deployed.load.errors + deployed.load.non2xx === 0,
      },
      {
        row: 'the same with no heap cap (plain `node dist/main.js`)',
        figure: `${mb(uncapped.peakRss)} peak, ${mb(uncapped.settledRss)} after`,
        baseline: `${mb(uncapped.idleRss)} idle app`,
        target: '(for comparison)',
        pass: null,
      },
    ],
    details: { deployed, uncapped },
  };
}

async function measure(scale: BenchScale, nodeArgs: string[]) {
  const users = scale.quick ? 1000 : 10_000;
  const services = await benchServices(REDIS_DB);
  const telegram = await startFakeTelegram();
  let server: ChildServer | undefined;
  try {
    server = await startChildServer({
      script: 'dist/main.js',
      nodeArgs,
      env: {
        DATA_DIR: services.dataDir,
        DATABASE_URL: services.databaseUrl,
        REDIS_URL: services.redisUrl,
        LOG_LEVEL: 'error',
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
        // e.g. --max-old-space-size=256: tells retained memory from heap V8 merely has not collected yet.
        ...(process.env.BENCH_MEMORY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_MEMORY_NODE_OPTIONS } : {}),
      },
    });
    await sleep(3000);
    const idleRss = server.rssBytes();
    const traffic = intakeTraffic({ users, firstUserId: 2_000_000, lines: OPENING });
    let peakRss = idleRss;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, server!.rssBytes())), 250);
    const load = await runLoad({ url: server.url, make: () => traffic.telegram(), connections: 32, durationSeconds: 3600, amount: users * OPENING.length });
    clearInterval(sampler);
    await sleep(2000);
    const settledRss = server.rssBytes();
    peakRss = Math.max(peakRss, settledRss);
    const redis = new Redis(services.redisUrl);
    const conversations = (await redis.keys('*conv*')).length;
    const redisBytes = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    await redis.quit();
    return { users, nodeArgs, nodeOptions: process.env.BENCH_MEMORY_NODE_OPTIONS ?? null, messages: load.requests, load, idleRss, peakRss, settledRss, redisKeysMatchingConv: conversations, redisUsedMemoryBytes: redisBytes };
  } finally {
    await server?.stop();
    await telegram.close();
    await services.dispose();
  }
}
