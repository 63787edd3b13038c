import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { freePort, startChildServer, type ChildServer } from '../../bench/support/app-process';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram } from '../support/fake-telegram';
import { CASE_NUMBER, emptyRedis, inParallel, INTAKE, TELEGRAM_SECRET, telegramTextUpdate } from './resilience-support';

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
      /** Telegram's side: an update is sent again until the webhook answers 200, as Telegram redelivers. */
      async function deliver(update: Record<string, unknown>): Promise<void> {
        const deadline = Date.now() + 120_000;
        for (;;) {
          const status = await fetch(`${url}/telegram/webhook`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET },
            body: JSON.stringify(update),
          }).then(
            async (answer) => (await answer.arrayBuffer(), answer.status),
            () => 0,
          );
          if (status === 200) return;
          if (Date.now() > deadline) throw new Error(`update ${String(update.update_id)} never answered 200 (last ${status})`);
          await sleep(250);
        }
      }

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
      const filed = await casesByUser(database.url);
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

/** Case numbers by the Telegram user id that filed them. */
async function casesByUser(databaseUrl: string): Promise<Map<string, string[]>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ external_id: string; number: string }>(
      `select i.external_id, c.number from cases c join channel_identities i on i.id = c.complainant_identity_id where i.channel = 'telegram'`,
    );
    const byUser = new Map<string, string[]>();
    for (const row of rows) byUser.set(row.external_id, [...(byUser.get(row.external_id) ?? []), row.number]);
    return byUser;
  } finally {
    await client.end();
  }
}
