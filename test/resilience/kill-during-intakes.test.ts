import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildServer, type ChildServer } from '../../bench/support/app-process';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram } from '../support/fake-telegram';
import { startFakeWechatApi } from '../support/fake-wechat-api';
import {
  CASE_NUMBER,
  casesByUser,
  deliverTelegramUpdate,
  emptyRedis,
  inParallel,
  INTAKE,
  signedQuery,
  TELEGRAM_SECRET,
  telegramTextUpdate,
  WECHAT_TOKEN,
  wechatTextXml,
} from './resilience-support';

const REDIS_DB = 12;
const USERS = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A throw-away database, this suite's Redis database emptied and a data directory, for server processes with `channelEnv`. */
async function serverSetup(channelEnv: Record<string, string>) {
  const database = await throwawayPostgresUrl();
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-kill-'));
  const env = { DATA_DIR: dataDir, LOG_LEVEL: 'fatal', DATABASE_URL: database.url, REDIS_URL: await emptyRedis(REDIS_DB), ...channelEnv };
  return {
    databaseUrl: database.url,
    /** A server process; a port given again is a restart at the same address. */
    start: async (port?: number) => startChildServer({ env: { ...env, PORT: String(port ?? (await freePort())) }, readyTimeoutMs: 90_000 }),
    async cleanUp() {
      await database.drop();
      await emptyRedis(REDIS_DB);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('kill -9 of the server during a load of intakes', () => {
  it('Telegram: after the restart, every user has exactly one case and was told its number', async () => {
    const telegram = await startFakeTelegram();
    const setup = await serverSetup({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET });
    let server: ChildServer = await setup.start();
    const { url } = server;
    let nextUpdateId = 300_000_001;
    try {
      const deliver = (update: Record<string, unknown>) => deliverTelegramUpdate(url, update, 120_000);

      const users = Array.from({ length: USERS }, (_, n) => 6_000_000 + n);
      const load = inParallel(users, USERS, async (userId) => {
        for (const line of INTAKE) await deliver(telegramTextUpdate(nextUpdateId++, userId, line));
      });
      // Part-way through: some intakes filed, some mid-dialog, some requests in flight.
      const killAt = Date.now() + 60_000;
      const mentionsNumber = new RegExp(CASE_NUMBER.source);
      while (telegram.sent().filter((call) => mentionsNumber.test(String(call.params.text))).length < USERS / 4 && Date.now() < killAt) await sleep(20);
      server.child.kill('SIGKILL');
      await server.exited;
      server = await setup.start(Number(new URL(url).port));
      await load;

      const told = new Map<number, Set<string>>();
      for (const userId of users) {
        told.set(userId, new Set(telegram.sent(userId).flatMap((call) => String(call.params.text).match(CASE_NUMBER) ?? [])));
      }
      const filed = await casesByUser(setup.databaseUrl, 'telegram');
      for (const userId of users) {
        const numbers = filed.get(String(userId)) ?? [];
        // Every update was answered 200 in the end, so every intake was filed exactly once, and the
        // user heard its number: a turn cut short after the dialog moved on and before its reply
        // left is answered again from the turn's receipt when Telegram redelivers it.
        expect({ userId, numbers }).toEqual({ userId, numbers: [expect.any(String)] });
        expect({ userId, told: [...told.get(userId)!] }).toEqual({ userId, told: numbers });
      }
      const toldCount = [...told.values()].filter((numbers) => numbers.size > 0).length;
      // The kill came after a quarter of the users had been told their number.
      expect(toldCount).toBeGreaterThanOrEqual(USERS / 4);
    } finally {
      await server.stop();
      await telegram.close();
      await setup.cleanUp();
    }
  }, 240_000);

  it('WeChat: a message whose try died with its process is handled by WeChat’s retry on the other process, and answered', async () => {
    const wechat = await startFakeWechatApi({ now: new Date() });
    const setup = await serverSetup({ WECHAT_TOKEN, WECHAT_APPID: wechat.appId, WECHAT_APPSECRET: wechat.appSecret, WECHAT_API_BASE: wechat.url });
    // Two web processes behind one address, as a load balancer shows them: WeChat's tries go to the
    // first until it is killed, then to the second. No restart to wait for, so none of WeChat's
    // three tries is lost to start-up time.
    const servers: ChildServer[] = [await setup.start(), await setup.start()];
    let url = servers[0]!.url;
    let nextMsgId = 9_100_000_000_000_000_000n;
    try {
      const users = Array.from({ length: USERS }, (_, n) => `oKill${String(n).padStart(4, '0')}`);
      // Per user: passive replies carrying text, messages answered a bare `success`, messages WeChat gave up on.
      const passive = new Map(users.map((openid) => [openid, [] as string[]]));
      const bareSuccess = new Map(users.map((openid) => [openid, 0]));
      let givenUp = 0;

      /**
       * WeChat's side: a message is tried up to three times, each try given 5 s; a try that fails
       * sooner (connection refused or reset) is followed by the next when its 5 s are up.
       */
      async function deliver(openid: string, text: string): Promise<void> {
        wechat.userWrote(openid);
        const xml = wechatTextXml(openid, text, String(nextMsgId++));
        for (let attempt = 0; attempt < 3; attempt += 1) {
          const started = Date.now();
          const answer = await fetch(`${url}/wechat?${signedQuery(openid)}`, {
            method: 'POST',
            headers: { 'content-type': 'text/xml' },
            body: xml,
            signal: AbortSignal.timeout(5_000),
          }).then(
            async (response) => ({ status: response.status, body: await response.text() }),
            () => null,
          );
          if (answer?.status === 200) {
            if (answer.body === 'success') bareSuccess.set(openid, bareSuccess.get(openid)! + 1);
            else passive.get(openid)!.push(/<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(answer.body)?.[1] ?? answer.body);
            return;
          }
          await sleep(Math.max(0, 5_000 - (Date.now() - started)));
        }
        givenUp += 1;
      }

      const told = (openid: string) => new Set([...passive.get(openid)!, ...wechat.textsTo(openid)].flatMap((text) => text.match(CASE_NUMBER) ?? []));
      const load = inParallel(users, USERS, async (openid) => {
        for (const line of INTAKE) await deliver(openid, line);
      });
      const killAt = Date.now() + 60_000;
      while (users.filter((openid) => told(openid).size > 0).length < USERS / 4 && Date.now() < killAt) await sleep(20);
      url = servers[1]!.url;
      servers[0]!.child.kill('SIGKILL');
      await servers[0]!.exited;
      await load;

      const filed = await casesByUser(setup.databaseUrl, 'wechat');
      for (const openid of users) {
        const numbers = filed.get(openid) ?? [];
        // At most one case each, and a user was told a number exactly when one was filed for them.
        expect({ openid, numbers: numbers.length <= 1 }).toEqual({ openid, numbers: true });
        expect({ openid, told: [...told(openid)] }).toEqual({ openid, told: numbers });
        // Every message answered a bare `success` had its reply pushed instead: none was swallowed
        // (a retry that found the dead try's claim used to answer `success` and drop it).
        expect({ openid, pushed: wechat.textsTo(openid).length }).toEqual({ openid, pushed: bareSuccess.get(openid) });
      }
      // Every message reached a live process within WeChat's three tries, so every intake was filed.
      expect(givenUp).toBe(0);
      expect([...filed.values()].flat()).toHaveLength(USERS);
    } finally {
      await Promise.all(servers.map((server) => server.stop()));
      await wechat.close();
      await setup.cleanUp();
    }
  }, 240_000);
});
