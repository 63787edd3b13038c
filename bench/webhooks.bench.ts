import { Client } from 'pg';
import { startFakeTelegram } from '../test/support/fake-telegram';
import { startFakeWechatApi } from '../test/support/fake-wechat-api';
import { startChildServer, type ChildServer } from './support/app-process';
import { ms, perSecond, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { benchServices } from './support/services';
import { intakeTraffic, runLoad, TELEGRAM_SECRET, WECHAT_TOKEN, type LoadFigures, type WebhookRequest } from './support/traffic';

const USERS = 2000;
const FIXED_RATE = 500;
const P99_TARGET_MS = 50;
const REDIS_DB = 13;

type Channel = 'telegram' | 'wechat';

/** Throughput and latency of one webhook with many users mid-intake, next to a bare Express handler. */
export function webhookBench(channel: Channel): Bench {
  return { name: channel, run: (scale) => runWebhookBench(channel, scale) };
}

async function runWebhookBench(channel: Channel, scale: BenchScale): Promise<BenchOutcome> {
  const seconds = scale.quick ? 3 : 15;
  const rateSeconds = scale.quick ? 3 : 10;
  const connections = 32;
  const services = await benchServices(REDIS_DB);
  const telegram = await startFakeTelegram();
  const wechat = await startFakeWechatApi({ now: new Date() });
  const traffic = intakeTraffic({ users: USERS, firstUserId: 1_000_000 });
  const make = (): WebhookRequest => (channel === 'telegram' ? traffic.telegram() : traffic.wechat());
  let server: ChildServer | undefined;
  try {
    server = await startChildServer({
      env: {
        DATA_DIR: services.dataDir,
        DATABASE_URL: services.databaseUrl,
        REDIS_URL: services.redisUrl,
        LOG_LEVEL: 'error',
        ...(channel === 'telegram'
          ? { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET }
          : { WECHAT_TOKEN, WECHAT_APPID: wechat.appId, WECHAT_APPSECRET: wechat.appSecret, WECHAT_API_BASE: wechat.url }),
      },
    });
    // The size of what the app answers, for the baseline to answer the same.
    const probe = make();
    const sample = await fetch(`${server.url}${probe.path}`, { method: 'POST', headers: probe.headers, body: probe.body });
    const replyBytes = Buffer.byteLength(await sample.text());
    await runLoad({ url: server.url, make, connections, durationSeconds: 2 });
    const app = await runLoad({ url: server.url, make, connections, durationSeconds: seconds });
    const appAtRate = await runLoad({ url: server.url, make, connections: 64, durationSeconds: rateSeconds, overallRate: FIXED_RATE });
    const appRss = server.rssBytes();
    await server.stop();
    server = undefined;
    const cases = await countCases(services.databaseUrl);

    server = await startChildServer({ script: 'bench/support/bare-server.ts', env: { BARE_WECHAT_REPLY_BYTES: String(replyBytes) } });
    await runLoad({ url: server.url, make, connections, durationSeconds: 2 });
    const bare = await runLoad({ url: server.url, make, connections, durationSeconds: seconds });
    const bareAtRate = await runLoad({ url: server.url, make, connections: 64, durationSeconds: rateSeconds, overallRate: FIXED_RATE });
    await server.stop();
    server = undefined;

    const label = channel === 'telegram' ? 'Telegram webhook' : 'WeChat webhook (plaintext, passive reply)';
    const failures = (f: LoadFigures) => (f.errors + f.non2xx > 0 ? ` (${f.errors} errors, ${f.non2xx} non-2xx)` : '');
    return {
      rows: [
        {
          row: `${label}: throughput, ${USERS} users mid-intake`,
          figure: `${perSecond(app.rps)}${failures(app)}`,
          baseline: `${perSecond(bare.rps)} bare Express`,
          target: `≥ ${perSecond(bare.rps / 2)} (half)`,
          pass: app.rps >= bare.rps / 2 && app.errors + app.non2xx === 0,
        },
        {
          row: `${label}: p50 / p99 at full load (${connections} connections)`,
          figure: `${ms(app.p50Ms)} / ${ms(app.p99Ms)}`,
          baseline: `${ms(bare.p50Ms)} / ${ms(bare.p99Ms)}`,
          target: '—',
          pass: null,
        },
        {
          row: `${label}: p99 at ${FIXED_RATE} msg/s (achieved ${perSecond(appAtRate.rps)})`,
          figure: `${ms(appAtRate.p99Ms)} (p50 ${ms(appAtRate.p50Ms)})${failures(appAtRate)}`,
          baseline: `${ms(bareAtRate.p99Ms)} (p50 ${ms(bareAtRate.p50Ms)})`,
          target: `< ${P99_TARGET_MS} ms`,
          pass: appAtRate.p99Ms < P99_TARGET_MS && appAtRate.rps >= FIXED_RATE * 0.95 && appAtRate.errors + appAtRate.non2xx === 0,
        },
      ],
      details: { users: USERS, connections, seconds, fixedRate: FIXED_RATE, replyBytes, app, appAtRate, bare, bareAtRate, appRssBytes: appRss, casesFiled: cases, messagesSent: traffic.sent },
    };
  } finally {
    await server?.stop();
    await telegram.close();
    await wechat.close();
    await services.dispose();
  }
}

async function countCases(databaseUrl: string): Promise<number> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>('select count(*) as n from cases');
    return Number(rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}
