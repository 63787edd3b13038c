import { startFakeTelegram } from '../test/support/fake-telegram';
import { startFakeWechatApi } from '../test/support/fake-wechat-api';
import { asDeployed, startChildServer, type ChildServer } from './support/app-process';
import { ms, perSecond, type Bench, type BenchOutcome, type BenchScale } from './support/report';
import { benchServices, countCases } from './support/services';
import { intakeTraffic, MID_INTAKE, runLoad, runSchedule, staggeredIntakes, TELEGRAM_SECRET, WECHAT_TOKEN, webhookMessages, type LoadFigures, type WebhookRequest } from './support/traffic';

const USERS = 2000;
const FIXED_RATE = 500;
const P99_TARGET_MS = 50;
// Connections open at most during the steady phase; Telegram itself opens up to 40 by default.
const RATE_SOCKETS = 64;
// Between one person's messages in the steady phase: someone tapping the choices quickly.
const PERSON_GAP_MS = 1000;
const REDIS_DB = 13;

type Channel = 'telegram' | 'wechat';

/** Throughput and latency of one webhook with many users mid-intake, next to a bare Express handler. */
export function webhookBench(channel: Channel): Bench {
  return { name: channel, run: (scale) => runWebhookBench(channel, scale) };
}

/**
 * A phase of load: `users` fresh users each sending the intake's messages up to the summary, in
 * order, so every phase measures the same mix of steps and none files a case (filing is a
 * different, heavier request; the faster the app, the sooner a fixed-duration load got there).
 */
function phase(channel: Channel, users: number, firstUserId: number): { make: () => WebhookRequest; amount: number } {
  const traffic = intakeTraffic({ users, firstUserId, lines: MID_INTAKE });
  return { make: () => traffic[channel](), amount: users * MID_INTAKE.length };
}

async function runWebhookBench(channel: Channel, scale: BenchScale): Promise<BenchOutcome> {
  const users = scale.quick ? 500 : USERS;
  const rateSeconds = scale.quick ? 3 : 10;
  const connections = 32;
  const services = await benchServices(REDIS_DB);
  const telegram = await startFakeTelegram();
  const wechat = await startFakeWechatApi({ now: new Date() });
  // Apart from the measured phases, the same for app and baseline: a warm-up, full load, a fixed rate.
  const phases = (firstUserId: number) => ({
    warmUp: phase(channel, 250, firstUserId),
    full: phase(channel, users, firstUserId + 100_000),
    atRate: staggeredIntakes({ rate: FIXED_RATE, steadyMs: rateSeconds * 1000, gapMs: PERSON_GAP_MS, firstUserId: firstUserId + 200_000, lines: MID_INTAKE }),
  });
  const messages = webhookMessages();
  const make = messages[channel];
  const load = (url: string, work: { make: () => WebhookRequest; amount: number }) => runLoad({ url, make: work.make, amount: work.amount, durationSeconds: 600, connections });
  // Full load, and the CPU time the server process spent on each message of it.
  const fullLoad = async (target: ChildServer, work: { make: () => WebhookRequest; amount: number }) => {
    const cpuBefore = target.cpuMs();
    const figures = await load(target.url, work);
    return { figures, cpuMs: (target.cpuMs() - cpuBefore) / figures.requests };
  };
  const atRate = (url: string, work: ReturnType<typeof staggeredIntakes>) =>
    runSchedule({ url, messages: work.messages, make, fromMs: work.steadyFromMs, toMs: work.steadyToMs, maxSockets: RATE_SOCKETS });
  let server: ChildServer | undefined;
  try {
    server = await startChildServer({
      ...asDeployed(),
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
    const probe = phase(channel, 1, 900_000).make();
    const sample = await fetch(`${server.url}${probe.path}`, { method: 'POST', headers: probe.headers, body: probe.body });
    const replyBytes = Buffer.byteLength(await sample.text());
    const forApp = phases(1_000_000);
    await load(server.url, forApp.warmUp);
    const { figures: app, cpuMs: appCpuMs } = await fullLoad(server, forApp.full);
    const appAtRate = await atRate(server.url, forApp.atRate);
    const appRss = server.rssBytes();
    await server.stop();
    server = undefined;
    const cases = await countCases(services.databaseUrl);

    server = await startChildServer({ script: 'bench/support/bare-server.ts', env: { BARE_WECHAT_REPLY_BYTES: String(replyBytes) } });
    const forBare = phases(5_000_000);
    await load(server.url, forBare.warmUp);
    const { figures: bare, cpuMs: bareCpuMs } = await fullLoad(server, forBare.full);
    const bareAtRate = await atRate(server.url, forBare.atRate);
    await server.stop();
    server = undefined;

    const label = channel === 'telegram' ? 'Telegram webhook' : 'WeChat webhook (plaintext, passive reply)';
    const failures = (f: LoadFigures) => (f.errors + f.non2xx > 0 ? ` (${f.errors} errors, ${f.non2xx} non-2xx)` : '');
    return {
      rows: [
        {
          row: `${label}: throughput, ${users} users mid-intake (${forApp.full.amount} messages)`,
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
          // Steadier than the latencies on a shared machine: what each message costs the server process.
          row: `${label}: CPU time of the server process per message (full load)`,
          figure: ms(appCpuMs),
          baseline: ms(bareCpuMs),
          target: '—',
          pass: null,
        },
        {
          row: `${label}: p99 at a steady ${FIXED_RATE} msg/s, people at every step (achieved ${perSecond(appAtRate.rps)})`,
          figure: `${ms(appAtRate.p99Ms)} (p50 ${ms(appAtRate.p50Ms)})${failures(appAtRate)}`,
          baseline: `${ms(bareAtRate.p99Ms)} (p50 ${ms(bareAtRate.p50Ms)})`,
          target: `< ${P99_TARGET_MS} ms`,
          pass: appAtRate.p99Ms < P99_TARGET_MS && appAtRate.rps >= FIXED_RATE * 0.95 && appAtRate.errors + appAtRate.non2xx === 0,
        },
      ],
      details: { users, connections, messagesPerPhase: { full: forApp.full.amount, atRate: forApp.atRate.messages.length, atRateCounted: appAtRate.requests }, atRateUsers: forApp.atRate.users, personGapMs: PERSON_GAP_MS, fixedRate: FIXED_RATE, rateSockets: RATE_SOCKETS, replyBytes, app, appAtRate, bare, bareAtRate, cpuMsPerMessage: { app: appCpuMs, bare: bareCpuMs }, appRssBytes: appRss, casesFiled: cases },
    };
  } finally {
    await server?.stop();
    await telegram.close();
    await wechat.close();
    await services.dispose();
  }
}
