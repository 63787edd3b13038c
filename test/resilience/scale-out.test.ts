import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { notificationWorkersRegistered, startChildServer, type ChildServer } from '../../bench/support/app-process';
import { createStaffMember } from '../../src/application/staff-accounts';
import { openDatabase } from '../../src/persistence/database';
import { createStore } from '../../src/persistence/store';
import { defaultConfig } from '../support/app-config';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram } from '../support/fake-telegram';
import { startFakeWechatApi } from '../support/fake-wechat-api';
import { CASE_NUMBER, deliverTelegramUpdate, emptyRedis, inParallel, INTAKE, signedQuery, TELEGRAM_SECRET, telegramTextUpdate, WECHAT_TOKEN, wechatTextXml } from './resilience-support';

const REDIS_DB = 10;
const TELEGRAM_USERS = 40;
const WECHAT_USERS = 40;
/** Logistics agents (delivery complaints go there), each with a Telegram chat that receives their assignments. */
const AGENTS = 16;
const PASSWORD = 'scale-out horse battery staple';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hasNumber = (text: string, number: string) => text.includes(number);

/**
 * Two web processes and one worker on one PostgreSQL database and one Redis, as behind a load
 * balancer: a user's messages alternate between the web processes, and every WeChat retry and
 * Telegram redelivery lands on the process that did not take the first try.
 *
 * What would make it fail: dedupe or conversation state kept per process (a retry on the other
 * process runs the step again, so an intake files two cases or skips a question and never
 * reaches the case number), a case number told that was rolled back, a relay that queues an
 * outbox row twice or a worker that sends a job twice (a second message with the same number),
 * a status change applied twice when two processes take the same command. Checked by running
 * it against two broken set-ups: the second web process on another Redis database (fails: two
 * different passive replies to one MsgId), and the outbox replayed after BullMQ forgot its job
 * ids (fails: a second assignment card).
 */
describe('scale-out: two web processes and a worker on the same PostgreSQL and Redis', () => {
  it('files one case per user, loses no message and sends every notification once', async () => {
    const telegram = await startFakeTelegram();
    const wechat = await startFakeWechatApi({ now: new Date() });
    const database = await throwawayPostgresUrl();
    const redisUrl = await emptyRedis(REDIS_DB);
    const dataRoot = mkdtempSync(join(tmpdir(), 'complaints-scale-out-'));
    const processes: ChildServer[] = [];
    try {
      const agentChats = await seed(database.url);
      const env = (role: 'web' | 'worker', name: string): Record<string, string> => ({
        APP_ROLE: role,
        DATA_DIR: join(dataRoot, name),
        LOG_LEVEL: 'error',
        DATABASE_URL: database.url,
        DATABASE_POOL_SIZE: '5',
        REDIS_URL: redisUrl,
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_API_ROOT: telegram.url,
        TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
        WECHAT_TOKEN,
        WECHAT_APPID: wechat.appId,
        WECHAT_APPSECRET: wechat.appSecret,
        WECHAT_API_BASE: wechat.url,
      });
      const starting = await Promise.allSettled([
        startChildServer({ env: env('web', 'web-a'), readyTimeoutMs: 90_000 }),
        startChildServer({ env: env('web', 'web-b'), readyTimeoutMs: 90_000 }),
        startChildServer({ env: env('worker', 'worker'), readyTimeoutMs: 90_000, ready: notificationWorkersRegistered(redisUrl, ['telegram', 'wechat']) }),
      ]);
      for (const outcome of starting) if (outcome.status === 'fulfilled') processes.push(outcome.value);
      for (const outcome of starting) if (outcome.status === 'rejected') throw outcome.reason;
      const [webA, webB] = processes.map((server) => server.url) as [string, string];
      const web = (n: number) => (n % 2 === 0 ? webA : webB);

      const telegramUsers = Array.from({ length: TELEGRAM_USERS }, (_, n) => 7_100_000 + n);
      const wechatUsers = Array.from({ length: WECHAT_USERS }, (_, n) => `oScaleOut${String(n).padStart(3, '0')}`);
      // WeChat lets the account send customer-service messages for 48 hours after a user writes.
      for (const openid of wechatUsers) wechat.userWrote(openid);
      /** Case numbers each user read in a reply during the intake (passive replies, customer-service texts, Telegram messages). */
      const told = new Map<string, Set<string>>();
      const tell = (user: string, text: string) => {
        for (const number of text.match(CASE_NUMBER) ?? []) told.get(user)!.add(number);
      };
      const lateTries: Promise<void>[] = [];
      /** What each WeChat user sent and heard back, shown when their checks fail. */
      const transcripts = new Map(wechatUsers.map((openid) => [openid, [] as string[]]));
      let nextUpdateId = 710_000_001;
      let nextMsgId = 8_700_000_000_000_000_000n;

      async function telegramTurn(userId: number, step: number, line: string): Promise<void> {
        const update = telegramTextUpdate(nextUpdateId++, userId, line);
        const first = web(userId + step);
        const other = web(userId + step + 1);
        switch ((userId + step) % 3) {
          case 0:
            // Redelivered to the other process while the first try still runs: one of them answers 503 and gets it again.
            await Promise.all([deliverTelegramUpdate(first, update), deliverTelegramUpdate(other, update)]);
            break;
          case 1:
            await deliverTelegramUpdate(first, update);
            await deliverTelegramUpdate(other, update);
            break;
          default:
            await deliverTelegramUpdate(first, update);
        }
      }

      async function wechatTurn(openid: string, step: number, line: string): Promise<void> {
        const xml = wechatTextXml(openid, line, String(nextMsgId++));
        const customerServiceBefore = wechat.textsTo(openid).length;
        const n = Number(openid.slice(-3)) + step;
        const first = web(n);
        const other = web(n + 1);
        const mode = n % 3;
        // WeChat's retries (same MsgId) all go to the other process: at once, after the answer, or both and one more late.
        const answers = mode === 1 ? [await deliverWechat(first, openid, xml), await deliverWechat(other, openid, xml)] : await Promise.all([deliverWechat(first, openid, xml), deliverWechat(other, openid, xml)]);
        if (mode === 2) {
          lateTries.push(
            sleep(200 + (step % 4) * 150)
              .then(() => deliverWechat(other, openid, xml))
              .then((text) => tell(openid, text)),
          );
        }
        const replies = answers.filter(Boolean);
        // Every try that got a passive reply got the same one.
        expect(new Set(replies).size).toBeLessThanOrEqual(1);
        for (const reply of replies) tell(openid, reply);
        let heard = replies.length > 0 ? 'passive' : 'nothing';
        if (replies.length === 0) {
          // Every try answered `success`: the turn ran past WeChat's 5 seconds and its reply comes through
          // the customer-service API. The user waits for it before writing the next line.
          const waitUntil = Date.now() + 30_000;
          while (wechat.textsTo(openid).length === customerServiceBefore && Date.now() < waitUntil) await sleep(100);
          if (wechat.textsTo(openid).length > customerServiceBefore) heard = 'customer-service';
        }
        transcripts.get(openid)!.push(`${step} ${line}: tries ${mode === 1 ? 'one after the other' : 'at once'} → ${heard}`);
      }

      const users = [...telegramUsers.map((id) => ({ channel: 'telegram' as const, id: String(id) })), ...wechatUsers.map((id) => ({ channel: 'wechat' as const, id }))];
      for (const user of users) told.set(user.id, new Set());
      const loadStarted = Date.now();
      await inParallel(users, users.length, async (user) => {
        for (const [step, line] of INTAKE.entries()) {
          if (user.channel === 'telegram') await telegramTurn(Number(user.id), step, line);
          else await wechatTurn(user.id, step, line);
        }
      });
      await Promise.all(lateTries);
      const loadSeconds = (Date.now() - loadStarted) / 1000;

      // Replies that missed WeChat's 5 seconds went out through the customer-service API.
      for (const openid of wechatUsers) for (const text of wechat.textsTo(openid)) tell(openid, text);
      for (const userId of telegramUsers) for (const call of telegram.sent(userId)) tell(String(userId), String(call.params.text));

      const filed = await casesByUser(database.url);
      for (const user of users) {
        const cases = filed.get(`${user.channel}:${user.id}`) ?? [];
        // No duplicate case, and no lost message: a retry taken as a new message, or a message
        // dropped, would have put the wrong line in a field or left the intake unfinished.
        const transcript = transcripts.get(user.id) ?? [];
        expect({ user: user.id, cases: cases.length, transcript }).toEqual({ user: user.id, cases: 1, transcript });
        expect(cases[0]).toMatchObject({ description: INTAKE[2], location: INTAKE[4], category: 'delivery', anonymous: true });
        // Every user was told their number, and the number told is the one filed.
        expect({ user: user.id, told: [...told.get(user.id)!] }).toEqual({ user: user.id, told: [cases[0]!.number] });
      }
      const numbers = [...filed.values()].flat().map((record) => record.number);
      expect(new Set(numbers).size).toBe(users.length);
      // The intake's own reply carried each number once on Telegram: no redelivered turn answered twice.
      for (const userId of telegramUsers) {
        const number = filed.get(`telegram:${userId}`)![0]!.number;
        expect(telegram.sent(userId).filter((call) => hasNumber(String(call.params.text), number))).toHaveLength(1);
      }

      // The handler accepts every case (registered → accepted → investigating: two status pushes);
      // the command reaches both web processes at once, a double click behind the load balancer.
      // Accept is idempotent, so each may answer 200, or one 409 when it lost the race for the
      // row; either way each status change happens once and is pushed once.
      const sentBefore = telegram.sent().length;
      const wechatBefore = wechat.messages.length;
      const login = await post(`${webA}/api/v1/auth/login`, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'scaleout-admin', password: PASSWORD }) });
      expect(login.status).toBe(200);
      const { token } = login.json as { token: string };
      await inParallel(numbers, 8, async (number) => {
        const answers = await Promise.all([webA, webB].map((url) => post(`${url}/api/v1/cases/${number}/accept`, { headers: { authorization: `Bearer ${token}` } })));
        const statuses = answers.map((answer) => answer.status).sort();
        expect({ number, statuses }).toEqual({ number, statuses: statuses[1] === 409 ? [200, 409] : [200, 200] });
      });
      const statusChanges = await statusChangesByCase(database.url);
      for (const number of numbers) expect({ number, changes: statusChanges.get(number) }).toEqual({ number, changes: ['accepted', 'investigating'] });

      const pushesTo = (user: { channel: 'telegram' | 'wechat'; id: string }, number: string): string[] =>
        user.channel === 'telegram'
          ? telegram
              .sent()
              .slice(sentBefore)
              .flatMap((call) => (call.chatId === user.id && hasNumber(String(call.params.text), number) ? [String(call.params.text)] : []))
          : wechat.messages.slice(wechatBefore).flatMap((message) => (message.touser === user.id && message.kind === 'text' && hasNumber(message.content, number) ? [message.content] : []));
      // An assignment is two Telegram messages: the case card, then the question with the action buttons.
      const assignmentsOf = (number: string) => {
        const calls = telegram.sent().filter((call) => agentChats.has(String(call.chatId)) && hasNumber(String(call.params.text), number));
        const prompts = calls.filter((call) => call.params.reply_markup !== undefined).length;
        return { cards: calls.length - prompts, prompts };
      };
      const numberOf = (user: { channel: string; id: string }) => filed.get(`${user.channel}:${user.id}`)![0]!.number;
      const everythingSent = () => users.every((user) => pushesTo(user, numberOf(user)).length >= 2 && assignmentsOf(numberOf(user)).prompts >= 1);
      const pushesStarted = Date.now();
      const deadline = Date.now() + 60_000;
      while (!everythingSent() && Date.now() < deadline) await sleep(250);
      // Room for a duplicate to show up: the relay runs every second, the worker spaces messages to one chat by a second.
      await sleep(3000);
      for (const user of users) {
        const number = numberOf(user);
        const pushes = pushesTo(user, number);
        expect({ number, statusPushes: pushes.length, distinct: new Set(pushes).size, assignment: assignmentsOf(number) }).toEqual({ number, statusPushes: 2, distinct: 2, assignment: { cards: 1, prompts: 1 } });
      }
      console.log(`scale-out: ${users.length} intakes over 2 web processes in ${loadSeconds.toFixed(1)} s; ${numbers.length * 3} notifications through the worker in ${((Date.now() - pushesStarted) / 1000).toFixed(1)} s`);
    } finally {
      // A crash of a child shows only on its stderr.
      for (const server of processes) if (server.stderr()) console.log(`process ${server.pid} (exit code ${String(server.child.exitCode)}) said:\n${server.stderr()}`);
      await Promise.all(processes.map((server) => server.stop()));
      await telegram.close();
      await wechat.close();
      await database.drop();
      await emptyRedis(REDIS_DB);
      rmSync(dataRoot, { recursive: true, force: true });
    }
  }, 240_000);
});

/** One try of a WeChat message: the text of the passive reply, or '' for `success`. */
async function deliverWechat(url: string, openid: string, xml: string): Promise<string> {
  const answer = await post(`${url}/wechat?${signedQuery(openid)}`, { headers: { 'content-type': 'text/xml' }, body: xml });
  expect(answer.status).toBe(200);
  return answer.text === 'success' ? '' : (/<Content><!\[CDATA\[([\s\S]*?)\]\]><\/Content>/.exec(answer.text)?.[1] ?? answer.text);
}

/**
 * A POST, sent again when the connection fails before an answer: on a busy machine the client
 * can pick a keep-alive socket the server is just closing ("other side closed"). WeChat and
 * Telegram try again too.
 */
async function post(url: string, init: { headers: Record<string, string>; body?: string }): Promise<{ status: number; text: string; json: unknown }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const answer = await fetch(url, { method: 'POST', ...init });
      const text = await answer.text();
      return { status: answer.status, text, json: answer.headers.get('content-type')?.includes('json') ? JSON.parse(text) : null };
    } catch (error) {
      if (attempt >= 3) throw error;
      await sleep(100);
    }
  }
}

/**
 * Migrates the database and adds the staff before any process starts: logistics agents whose
 * assignments go to their Telegram chats, and an admin who signs in to the API.
 */
async function seed(databaseUrl: string): Promise<Set<string>> {
  const database = await openDatabase({ databaseUrl, dataDir: '', poolSize: 2 });
  try {
    const store = createStore(database.db);
    await store.departments.ensure(defaultConfig().policy.departments);
    const chats = new Set<string>();
    for (let n = 0; n < AGENTS; n++) {
      const agent = await store.staff.insert({ name: `配送专员${n}`, departmentId: 'logistics', role: 'agent', active: true });
      const chatId = String(7_900_000 + n);
      await store.identities.bindStaff({ channel: 'telegram', externalId: chatId, displayName: agent.name }, agent.id);
      chats.add(chatId);
    }
    await createStaffMember(store, { name: '值班主管', role: 'admin', username: 'scaleout-admin', password: PASSWORD }, null, new Date());
    return chats;
  } finally {
    await database.close();
  }
}

interface FiledCase {
  number: string;
  description: string;
  location: string | null;
  category: string;
  anonymous: boolean;
}

/** The statuses each case was moved to, in order, by case number. */
async function statusChangesByCase(databaseUrl: string): Promise<Map<string, string[]>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ number: string; to: string }>(
      `select c.number, e.data->>'to' as to from case_events e join cases c on c.id = e.case_id where e.type = 'status_changed' order by e.id`,
    );
    const byCase = new Map<string, string[]>();
    for (const row of rows) byCase.set(row.number, [...(byCase.get(row.number) ?? []), row.to]);
    return byCase;
  } finally {
    await client.end();
  }
}

/** Cases by `channel:externalId` of the complainant who filed them. */
async function casesByUser(databaseUrl: string): Promise<Map<string, FiledCase[]>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<FiledCase & { channel: string; external_id: string }>(
      `select i.channel, i.external_id, c.number, c.description, c.location, c.category, c.anonymous
         from cases c join channel_identities i on i.id = c.complainant_identity_id`,
    );
    const byUser = new Map<string, FiledCase[]>();
    for (const { channel, external_id: externalId, ...record } of rows) {
      const key = `${channel}:${externalId}`;
      byUser.set(key, [...(byUser.get(key) ?? []), record]);
    }
    return byUser;
  } finally {
    await client.end();
  }
}
