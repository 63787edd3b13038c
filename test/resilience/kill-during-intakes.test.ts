import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startChildServer, type ChildServer } from '../../bench/support/app-process';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram } from '../support/fake-telegram';
import { CASE_NUMBER, deliverTelegramUpdate, emptyRedis, inParallel, INTAKE, TELEGRAM_SECRET, telegramCasesByUser, telegramTextUpdate } from './resilience-support';

const REDIS_DB = 12;
const USERS = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('kill -9 of the server during a load of intakes', () => {
  it('after the restart, every user has exactly one case and was told its number', async () => {
    const telegram = await startFakeTelegram();
    const database = await throwawayPostgresUrl();
    const dataDir = mkdtempSync(join(tmpdir(), 'complaints-kill-'));
    const env = {
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'fatal',
      DATABASE_URL: database.url,
      REDIS_URL: await emptyRedis(REDIS_DB),
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_API_ROOT: telegram.url,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
    };
    let server: ChildServer = await startChildServer({ env, readyTimeoutMs: 90_000 });
    const url = server.url;
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
      server = await startChildServer({ env, readyTimeoutMs: 90_000 });
      await load;

      const told = new Map<number, Set<string>>();
      for (const userId of users) {
        told.set(userId, new Set(telegram.sent(userId).flatMap((call) => String(call.params.text).match(CASE_NUMBER) ?? [])));
      }
      const filed = await telegramCasesByUser(database.url);
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
      await database.drop();
      await emptyRedis(REDIS_DB);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 240_000);
});
