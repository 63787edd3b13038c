import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Client } from 'pg';
import { startApp, type RunningApp } from '../../src/app';
import { sha1Signature } from '../../src/channels/wechat-crypto/wechat-crypto';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { throwawayPostgresUrl } from '../support/databases';
import { startFakeTelegram, type FakeTelegram } from '../support/fake-telegram';
import { startFakeWechatApi, type FakeWechatApi } from '../support/fake-wechat-api';

export const TELEGRAM_SECRET = 'resilience-secret';
export const WECHAT_TOKEN = 'resilienceToken';
export const WECHAT_ACCOUNT = 'gh_resilience01';
export const CASE_NUMBER = /TS-\d{6}-\d{4}/g;
/** One whole intake (simplified script); the last line files the case. */
export const INTAKE = ['我要投诉', '配送', '包裹已经三天没有送到，客服电话也打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交'] as const;

const REDIS_BASE = process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379';

/** A Redis database of the resilience suites' own (the others use 0 and 9), emptied. */
export async function emptyRedis(db: number): Promise<string> {
  const url = `${REDIS_BASE}/${db}`;
  const redis = new Redis(url);
  await redis.flushdb();
  await redis.quit();
  return url;
}

export interface ResilienceApp {
  app: RunningApp;
  telegram: FakeTelegram;
  wechat: FakeWechatApi;
  databaseUrl: string;
  stop(): Promise<void>;
}

/** The whole app in-process with Telegram and the WeChat Official Account on, on a throw-away PostgreSQL database. */
export async function startResilienceApp(redisDb: number): Promise<ResilienceApp> {
  const telegram = await startFakeTelegram();
  const wechat = await startFakeWechatApi({ now: new Date() });
  const database = await throwawayPostgresUrl();
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-resilience-'));
  const config = loadConfig({
    env: {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL: await emptyRedis(redisDb),
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_WEBHOOK_SECRET: TELEGRAM_SECRET,
      TELEGRAM_API_ROOT: telegram.url,
      WECHAT_TOKEN,
      WECHAT_APPID: wechat.appId,
      WECHAT_APPSECRET: wechat.appSecret,
      WECHAT_API_BASE: wechat.url,
    },
    configDir: 'config',
  });
  const app = await startApp(config, createLogger('silent'));
  return {
    app,
    telegram,
    wechat,
    databaseUrl: database.url,
    async stop() {
      await app.stop();
      await telegram.close();
      await wechat.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Rows that a message could leave behind: a refused request must change none of them. */
export async function rowCounts(databaseUrl: string): Promise<Record<string, number>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = ['cases', 'case_events', 'outbox', 'channel_identities', 'attachments'];
    const counts: Record<string, number> = {};
    for (const table of tables) {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
      counts[table] = Number(rows[0]?.n ?? 0);
    }
    return counts;
  } finally {
    await client.end();
  }
}

export function wechatTextXml(openid: string, content: string, msgId: string): string {
  return (
    `<xml><ToUserName><![CDATA[${WECHAT_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
  );
}

/** The query string of a plaintext-mode callback, signed as WeChat signs it. */
export function signedQuery(openid: string, options: { token?: string; timestamp?: number } = {}): string {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  return new URLSearchParams({ signature: sha1Signature([options.token ?? WECHAT_TOKEN, timestamp, nonce]), timestamp, nonce, openid }).toString();
}

/** A Telegram text update from a private chat, as the Bot API delivers it. */
export function telegramTextUpdate(updateId: number, userId: number, text: string): Record<string, unknown> {
  const from = { id: userId, is_bot: false, first_name: `用户${userId}`, language_code: 'zh-hans' };
  return { update_id: updateId, message: { message_id: updateId, from, chat: { id: userId, type: 'private', first_name: from.first_name }, date: Math.floor(Date.now() / 1000), text } };
}

/** Runs `work` over `items` with at most `limit` at once. */
export async function inParallel<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(lanes);
}

/**
 * Telegram's side of the webhook: an update is sent again (every 250 ms) until the app answers
 * 200, as Telegram redelivers; fails after `giveUpAfterMs`.
 */
export async function deliverTelegramUpdate(url: string, update: Record<string, unknown>, giveUpAfterMs = 60_000): Promise<void> {
  const deadline = Date.now() + giveUpAfterMs;
  for (;;) {
    const status = await fetch(`${url}/telegram/webhook`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET },
      body: JSON.stringify(update),
      signal: AbortSignal.timeout(30_000),
    }).then(
      async (answer) => (await answer.arrayBuffer(), answer.status),
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`update ${String(update.update_id)} never answered 200 (last ${status})`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Case numbers by the channel's id of the user (Telegram user id, WeChat openid) that filed them. */
export async function casesByUser(databaseUrl: string, channel: 'telegram' | 'wechat'): Promise<Map<string, string[]>> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ external_id: string; number: string }>(
      `select i.external_id, c.number from cases c join channel_identities i on i.id = c.complainant_identity_id where i.channel = $1`,
      [channel],
    );
    const byUser = new Map<string, string[]>();
    for (const row of rows) byUser.set(row.external_id, [...(byUser.get(row.external_id) ?? []), row.number]);
    return byUser;
  } finally {
    await client.end();
  }
}
