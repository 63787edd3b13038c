import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { startChildServer } from '../../bench/support/app-process';
import { createStaffMember } from '../../src/application/staff-accounts';
import { openDatabase } from '../../src/persistence/database';
import { createStore } from '../../src/persistence/store';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';
import { startPrivatePostgres, startPrivateRedis } from '../support/private-servers';
import { CASE_NUMBER, deliverTelegramUpdate, inParallel, INTAKE, TELEGRAM_SECRET, casesByUser, telegramTextUpdate } from './resilience-support';

const USERS = 24;
const LATE_USERS = 5;
const AGENTS = 6;
const REPLIES = 60;
const PASSWORD = 'restart suite password 2026';
// The first outage outlasts /readyz's 2 s check; the quick crashes after it aim at the moments
// when a request or the outbox relay holds a connection between two commands.
const OUTAGE_MS = 3000;
const QUICK_CRASHES = 3;
// A person types a line every ~0.4 s and people start one after another, so the restart finds
// intakes at every step: filed, mid-dialog, and not yet begun.
const TYPING_MS = 250;
const STAGGER_MS = 250;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Redis or PostgreSQL goes down under a running app while complainants file cases and staff
 * reply to them, and comes back: the app must recover by itself, file every case it confirmed
 * once, and deliver every notification in the outbox once.
 */
describe('Redis or PostgreSQL restarted under load', () => {
  it('Redis killed (-9) and restarted with its append-only file: the app recovers, nothing is lost or sent twice', async () => {
    const redis = await startPrivateRedis({ appendOnly: true });
    const database = await throwawayPostgresUrl();
    try {
      await underLoad({ databaseUrl: database.url, redisUrl: redis.url }, async () => {
        for (let crash = 0; crash <= QUICK_CRASHES; crash++) {
          await redis.kill('SIGKILL');
          await sleep(crash === 0 ? OUTAGE_MS : 300);
          await redis.start();
          await sleep(300 + Math.random() * 700);
        }
      });
    } finally {
      await database.drop();
      await redis.destroy();
    }
  }, 240_000);

  it('PostgreSQL crashed (immediate stop) and restarted: the app recovers, nothing is lost or sent twice', async () => {
    const redis = await startPrivateRedis({ appendOnly: true });
    const postgres = await startPrivatePostgres();
    try {
      await underLoad({ databaseUrl: postgres.url, redisUrl: redis.url }, async () => {
        for (let crash = 0; crash <= QUICK_CRASHES; crash++) {
          await postgres.crash();
          await sleep(crash === 0 ? OUTAGE_MS : 300);
          await postgres.start();
          await sleep(300 + Math.random() * 700);
        }
      });
    } finally {
      await postgres.destroy();
      await redis.destroy();
    }
  }, 240_000);
});

/**
 * Runs the app against the given servers, drives intakes and staff replies, calls `restart`
 * part-way through, then checks recovery, cases and deliveries.
 */
async function underLoad(servers: { databaseUrl: string; redisUrl: string }, restart: () => Promise<void>): Promise<void> {
  const telegram = await startFakeTelegram();
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-restarts-'));
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    DATABASE_URL: servers.databaseUrl,
    REDIS_URL: servers.redisUrl,
    TELEGRAM_BOT_TOKEN: telegram.token,
    TELEGRAM_API_ROOT: telegram.url,
    TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
  };
  const server = await startChildServer({ env, readyTimeoutMs: 90_000, captureStdout: true });
  try {
    const staffChats = await seedStaff(servers.databaseUrl);
    const token = await login(server.url);
    const webhook = { deliver: (update: Record<string, unknown>) => deliverTelegramUpdate(server.url, update, 120_000) };
    let nextUpdateId = 400_000_001;
    const intake = async (userId: number, typingMs = 0) => {
      for (const line of INTAKE) {
        await webhook.deliver(telegramTextUpdate(nextUpdateId++, userId, line));
        await sleep(typingMs);
      }
    };
    const toldNumbers = (userId: number) => new Set(telegram.sent(userId).flatMap((call) => String(call.params.text).match(CASE_NUMBER) ?? []));

    const users = Array.from({ length: USERS }, (_, n) => 6_100_000 + n);
    const intakes = Promise.all(users.map(async (userId, n) => (await sleep(n * STAGGER_MS), await intake(userId, TYPING_MS))));
    const staff = staffReplies(server.url, token, () => users.flatMap((userId) => [...toldNumbers(userId)]));

    // Part-way through: some intakes filed, some mid-dialog, replies queued and in flight.
    const restartBy = Date.now() + 60_000;
    while ((users.filter((userId) => toldNumbers(userId).size > 0).length < USERS / 3 || staff.answered() < 10) && Date.now() < restartBy) await sleep(20);
    const readiness = watchReadiness(server.url);
    await restart();
    // Recovery on its own: the same process, never restarted, answers ready again.
    const readyAgain = await readiness.readyWithin(60_000);
    expect({ readyAgain, exited: server.child.exitCode, output: readyAgain ? '' : server.stderr() + server.stdout() }).toEqual({ readyAgain: true, exited: null, output: '' });
    expect(readiness.sawUnready()).toBe(true);

    await intakes;
    // "提交没有成功……请稍后回复“确认提交”再试一次": a person told that does so.
    await inParallel(users, USERS, async (userId) => {
      for (let attempt = 0; attempt < 3 && toldNumbers(userId).size === 0; attempt++) {
        if (!String(telegram.sent(userId).at(-1)?.params.text).includes('确认提交')) break;
        await webhook.deliver(telegramTextUpdate(nextUpdateId++, userId, '确认提交'));
      }
    });
    await staff.finish();
    // Cases confirmed after the restart, by people who started after it.
    const lateUsers = Array.from({ length: LATE_USERS }, (_, n) => 6_200_000 + n);
    await inParallel(lateUsers, LATE_USERS, (userId) => intake(userId));
    for (const userId of lateUsers) expect({ userId, told: toldNumbers(userId).size }).toEqual({ userId, told: 1 });

    // Every intake ends in one case, and the number the user was told is that case's.
    const filed = await casesByUser(servers.databaseUrl, 'telegram');
    const everyone = [...users, ...lateUsers].map((userId) => ({ userId, told: [...toldNumbers(userId)], filed: filed.get(String(userId)) ?? [] }));
    expect(everyone.filter((user) => user.filed.length !== 1 || user.told.length !== 1 || user.told[0] !== user.filed[0])).toEqual([]);

    // Every row of the outbox is sent once: none missing, none twice.
    const expected = await awaitDeliveries(servers.databaseUrl, telegram, staffChats);
    const counted = expected.map((row) => ({ ...row, sent: countSent(telegram, row) }));
    expect(counted.filter((row) => row.sent !== row.rows)).toEqual([]);
    const replied = new Set(expected.filter((row) => row.kind === 'staff_reply').map((row) => row.key));
    expect(staff.confirmed().filter((text) => !replied.has(text))).toEqual([]);
    // The load did what it says: assignment cards and replies both crossed the restart.
    expect(expected.filter((row) => row.kind === 'case_assigned').length).toBeGreaterThanOrEqual(USERS / 2);
    expect(staff.confirmed()).toHaveLength(REPLIES);
  } finally {
    await server.stop();
    await telegram.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * A member of staff replying to filed cases through the admin API, one reply after another, each
 * with a text of its own. A reply that fails is sent again until it is accepted, as a person
 * would; `confirmed` are the texts the API accepted.
 */
function staffReplies(url: string, token: string, filedNumbers: () => string[]) {
  const accepted: string[] = [];
  const done = (async () => {
    for (let n = 1; n <= REPLIES; n++) {
      const text = `回复#R${String(n).padStart(4, '0')}#`;
      for (;;) {
        const numbers = filedNumbers();
        const number = numbers[n % Math.max(1, numbers.length)];
        if (!number) {
          await sleep(50);
          continue;
        }
        const status = await fetch(`${url}/api/v1/cases/${number}/reply`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ text }),
          signal: AbortSignal.timeout(30_000),
        }).then(
          async (answer) => (await answer.arrayBuffer(), answer.status),
          () => 0,
        );
        if (status === 200) break;
        await sleep(250);
      }
      accepted.push(text);
      await sleep(60);
    }
  })();
  return {
    answered: () => accepted.length,
    confirmed: () => [...accepted],
    /** Waits for the rest of the replies. */
    finish: () => done,
  };
}

/** Polls /readyz from now on; says whether it was ever not ready and when it is ready again. */
function watchReadiness(url: string) {
  let unready = false;
  const probe = () =>
    fetch(`${url}/readyz`, { signal: AbortSignal.timeout(10_000) }).then(
      async (answer) => (await answer.arrayBuffer(), answer.status),
      () => 0,
    );
  let watching = true;
  const watcher = (async () => {
    while (watching) {
      if ((await probe()) !== 200) unready = true;
      await sleep(100);
    }
  })();
  return {
    sawUnready: () => unready,
    async readyWithin(ms: number): Promise<boolean> {
      const deadline = Date.now() + ms;
      try {
        while (Date.now() < deadline) {
          if ((await probe()) === 200) return true;
          await sleep(200);
        }
        return false;
      } finally {
        watching = false;
        await watcher;
      }
    },
  };
}

/** A supervisor who signs in to the admin API, and agents of the delivery department bound to Telegram chats. */
async function seedStaff(databaseUrl: string): Promise<Map<string, string>> {
  const database = await openDatabase({ dataDir: '', databaseUrl, poolSize: 2 });
  const chatsByStaff = new Map<string, string>();
  try {
    const store = createStore(database.db);
    await createStaffMember(store, { name: '值班主管', role: 'supervisor', departmentId: null, username: 'supervisor', password: PASSWORD }, null, new Date());
    for (let n = 0; n < AGENTS; n++) {
      const agent = await createStaffMember(store, { name: `配送专员${n}`, role: 'agent', departmentId: 'logistics' }, null, new Date());
      const chatId = String(7_100_000 + n);
      await store.identities.bindStaff({ channel: 'telegram', externalId: chatId }, agent.id);
      chatsByStaff.set(agent.id, chatId);
    }
  } finally {
    await database.close();
  }
  return chatsByStaff;
}

async function login(url: string): Promise<string> {
  const answer = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'supervisor', password: PASSWORD }) });
  if (!answer.ok) throw new Error(`login answered ${answer.status}: ${await answer.text()}`);
  return ((await answer.json()) as { token: string }).token;
}

/** What the outbox says one chat must receive: `rows` messages containing `key`. */
interface Expected {
  kind: string;
  chatId: string;
  key: string;
  rows: number;
  outboxIds: number[];
}

/**
 * Waits until every outbox row is dispatched and the fake Telegram has received what the rows
 * ask for (or 60 s passed), then 3 s more for any duplicate on its way, and returns what was
 * expected. Rows of other kinds than assignments and replies fail the test (no message carries
 * their key): the load writes no others.
 */
async function awaitDeliveries(databaseUrl: string, telegram: FakeTelegram, staffChats: Map<string, string>): Promise<Expected[]> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { expected, pending } = await outboxExpectations(databaseUrl, staffChats);
    const complete = pending === 0 && expected.every((row) => countSent(telegram, row) >= row.rows);
    if (complete || Date.now() > deadline) {
      // Anything still in the queues (a duplicate on its way) has a moment to arrive and be counted.
      await sleep(3000);
      return expected;
    }
    await sleep(500);
  }
}

async function outboxExpectations(databaseUrl: string, staffChats: Map<string, string>): Promise<{ expected: Expected[]; pending: number }> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: number; kind: string; payload: Record<string, unknown>; staff: string | null; external_id: string | null; dispatched: boolean }>(
      `select o.id, o.kind, o.payload, o.recipient_staff_id as staff, i.external_id, o.dispatched_at is not null as dispatched
         from outbox o left join channel_identities i on i.id = o.recipient_identity_id order by o.id`,
    );
    const byKey = new Map<string, Expected>();
    for (const row of rows) {
      const chatId = row.staff ? staffChats.get(row.staff) : row.external_id;
      const key = row.kind === 'staff_reply' ? String(row.payload.text) : row.kind === 'case_assigned' ? String(row.payload.number) : `unexpected ${row.kind} row ${row.id}`;
      const id = `${chatId}|${row.kind}|${key}`;
      const entry = byKey.get(id) ?? { kind: row.kind, chatId: chatId ?? `no chat for row ${row.id}`, key, rows: 0, outboxIds: [] };
      entry.rows += 1;
      entry.outboxIds.push(row.id);
      byKey.set(id, entry);
    }
    return { expected: [...byKey.values()], pending: rows.filter((row) => !row.dispatched).length };
  } finally {
    await client.end();
  }
}

/**
 * Messages to the row's chat that carry its key: the reply's own text, or the assigned case's
 * number on the message with the action buttons (an assignment is a card, then that message).
 */
function countSent(telegram: FakeTelegram, row: Expected): number {
  return telegram
    .sent(row.chatId)
    .filter((call) => String(call.params.text).includes(row.key) && (row.kind !== 'case_assigned' || call.params.reply_markup !== undefined)).length;
}
