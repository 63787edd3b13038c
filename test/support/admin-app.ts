import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { startApp, type RunningApp } from '../../src/app';
import type { Staff, StaffRole } from '../../src/application/ports';
import { createStaffMember } from '../../src/application/staff-accounts';
import { loadConfig } from '../../src/config/load-config';
import { createLogger } from '../../src/logger';
import { throwawayPostgresUrl } from './databases';
import { startFakeTelegram, type FakeTelegram } from './fake-telegram';

export const PASSWORD = 'correct horse battery staple';
// Its own Redis database: the app's keys (queues, dedupe, sign-in limits) start empty and stay apart.
const REDIS_URL = process.env.REDIS_TEST_URL ? `${process.env.REDIS_TEST_URL}/9` : 'redis://127.0.0.1:6379/9';

export interface AdminApp {
  app: RunningApp;
  telegram: FakeTelegram;
  /** The app's "now"; move it to cross deadlines. */
  clock: { now: Date };
  api: () => ReturnType<typeof request>;
  staff(role: StaffRole, overrides?: { departmentId?: string | null; name?: string }): Promise<Staff & { token: string; username: string }>;
  login(username: string, password?: string): Promise<string>;
  stop(): Promise<void>;
}

let serial = 0;

/** The whole app in-process on the PostgreSQL server and the machine's Redis, with the fake Telegram API. */
export async function startAdminApp(start = new Date('2026-11-23T02:00:00Z')): Promise<AdminApp> {
  const telegram = await startFakeTelegram();
  const database = await throwawayPostgresUrl();
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  await redis.quit();
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-admin-'));
  const config = loadConfig({
    env: {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      DATABASE_URL: database.url,
      REDIS_URL,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_WEBHOOK_SECRET: 'secret',
      TELEGRAM_API_ROOT: telegram.url,
    },
    configDir: 'config',
  });
  const clock = { now: start };
  const app = await startApp(config, createLogger('silent'), { clock: () => clock.now });
  const api = () => request(app.url!);
  const login = async (username: string, password = PASSWORD) => {
    const response = await api().post('/api/v1/auth/login').send({ username, password }).expect(200);
    return response.body.token as string;
  };
  return {
    app,
    telegram,
    clock,
    api,
    login,
    async staff(role, overrides = {}) {
      serial += 1;
      const username = `${role}${serial}`;
      const departmentId = overrides.departmentId === undefined ? (role === 'agent' ? 'logistics' : null) : overrides.departmentId;
      const member = await createStaffMember(app.store, { name: overrides.name ?? `${role} ${serial}`, role, departmentId, username, password: PASSWORD }, null, clock.now);
      return { ...member, username, token: await login(username) };
    },
    async stop() {
      await app.stop();
      await telegram.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
