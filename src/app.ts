import { mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import type { CaseServiceDeps } from './application/case-service';
import { sendDueReminders, type ConversationDeps } from './application/conversation-service';
import { createEventBus } from './application/event-bus';
import type { Store } from './application/ports';
import type { AppConfig } from './config/load-config';
import { consoleRoutes } from './channels/console/console.routes';
import { createTelegramChannel } from './channels/telegram/telegram.channel';
import { createWechatyChannel } from './channels/wechaty/wechaty.channel';
import { createWecomChannel } from './channels/wecom/wecom.channel';
import { createWechatOfficial } from './channels/wechat-official/wechat-official.setup';
import { createHttpApp } from './http/app';
import { createMetrics } from './http/metrics';
import { createAdminApi, QUEUE_BOARD_PATH } from './http/api/admin-api';
import { createSessionTokens, signingSecret } from './http/api/session-tokens';
import { deadLetterAccess } from './queues/dead-letters';
import { queueBoard } from './queues/queue-board';
import { createLanguageKit, type LanguageKit } from './i18n/language-kit';
import type { Policy } from './config/policy.schema';
import type { Redis } from 'ioredis';
import type { Logger } from './logger';
import { openDatabase, type DatabaseHandle } from './persistence/database';
import { createStore } from './persistence/store';
import type { ChannelSender } from './application/notifications';
import { createNotificationQueues } from './queues/notification-queues';
import { createNotificationWorker, type NotificationLimits } from './queues/notification-worker';
import { createOutboxRelay } from './queues/outbox-relay';
import { createSlaTimers, subscribeTimers } from './queues/sla-timer-queue';
import { createReportSchedule } from './queues/report-schedule';
import { reportUnreachable } from './queues/unreachable';
import { redisConversationStore } from './redis/conversation-store';
import { redisBindingCodes, redisStaffPending } from './redis/staff-desk-stores';
import type { StaffDeskDeps } from './application/staff-desk';
import { openRedis, type RedisHandle } from './redis/redis-connection';

export interface RunningApp {
  config: AppConfig;
  store: Store;
  cases: CaseServiceDeps;
  conversations: ConversationDeps;
  /** Staff actions from chat, and the binding codes the admin API hands out. */
  staffDesk: StaffDeskDeps;
  database: DatabaseHandle;
  redis: RedisHandle;
  /** Where the web role listens, e.g. http://127.0.0.1:3000; undefined in worker and scheduler roles. */
  url: string | undefined;
  /** Stops taking requests, lets in-flight ones finish (up to SHUTDOWN_TIMEOUT_MS), then closes everything. */
  stop(): Promise<void>;
}

// Reminders are due hours after the last message; a minute's delay does not matter.
const REMINDER_SWEEP_MS = 60_000;
// Telegram answers 429 to more than 30 messages in any rolling second overall, or more than 1 a
// second to one chat (PROTOCOLS.md). The worker's pacer counts over rolling windows with a 30 ms
// margin and spaces sends evenly, so Telegram's own figures can be used: about 29/s, zero 429s in
// bench/outbound.bench.ts. A personal WeChat account driven by wechaty is restricted when it sends
// fast; WeCom silently drops more than about 30 messages a minute to one member.
export const NOTIFICATION_LIMITS: Record<string, NotificationLimits> = {
  telegram: { perSecond: 30, perChatPerSecond: 1 },
  wechaty: { perSecond: 1, perChatPerSecond: 1 },
  wecom: { perSecond: 20, perChatPerSecond: 0.4 },
  // The Official Account's limits are daily and per-minute API quotas (45009/45011) and 5 messages per user per 48 hours.
  wechat: { perSecond: 20, perChatPerSecond: 1 },
};
const OUTBOX_RELAY_INTERVAL_MS = 1000;

/** The dialog wired to its stores: used by the app, the terminal chat and the tests alike. */
export function conversationDeps(parts: {
  cases: CaseServiceDeps;
  redis: Redis;
  language: LanguageKit;
  policy: Policy;
  onError: ConversationDeps['onError'];
}): ConversationDeps {
  const { conversation } = parts.policy;
  return {
    cases: parts.cases,
    conversations: redisConversationStore(parts.redis, {
      intakeTtlSeconds: conversation.intakeExpiryHours * 3600,
      reminderAfterSeconds: conversation.reminderAfterHours * 3600,
      // Between intakes, the language and any pending question (a rating) are kept a month.
      idleTtlSeconds: 30 * 86_400,
    }),
    analysis: parts.language.analysis,
    renderer: parts.language.renderer,
    catalog: parts.language.catalog,
    onError: parts.onError,
  };
}

export interface StartOptions {
  /** Serve HTTP in the web role (default true); the in-process terminal chat turns it off. */
  http?: boolean;
  /** What "now" is for the admin API and SLA timers; tests move it to cross deadlines. */
  clock?: () => Date;
}

/** The composition root: open the stores, wire the use cases and channels, listen. */
export async function startApp(config: AppConfig, logger: Logger, options: StartOptions = {}): Promise<RunningApp> {
  const { env } = config;
  const dataDir = resolve(env.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) {
      await withDeadline(close(), env.SHUTDOWN_TIMEOUT_MS).catch((error: unknown) => logger.error({ err: error }, 'error during shutdown'));
    }
  };

  try {
    const redis = await openRedis({ url: env.REDIS_URL, dataDir: join(dataDir, 'redis'), log: (message) => logger.info(message) });
    closers.push(redis.close);
    logger.info({ embedded: redis.embedded }, 'redis connected');

    const database = await openDatabase({ databaseUrl: env.DATABASE_URL, dataDir, poolSize: env.DATABASE_POOL_SIZE });
    closers.push(database.close);
    logger.info({ kind: database.kind }, 'database ready, migrations applied');

    const store = createStore(database.db);
    await store.departments.ensure(config.policy.departments);
    const clock = options.clock ?? (() => new Date());

    const events = createEventBus((error, event) => logger.error({ err: error, event: event.type, caseId: event.caseId }, 'event handler failed'));
    const language = await createLanguageKit(config.policy);
    const cases: CaseServiceDeps = { store, policy: config.policy, calendar: config.calendar, simplify: language.analysis.simplify, events };
    const conversations = conversationDeps({
      cases,
      redis: redis.pipelined,
      language,
      policy: config.policy,
      onError: (error, context) => logger.error({ err: error, ...context }, 'conversation effect failed'),
    });

    if (env.APP_ROLE === 'all' || env.APP_ROLE === 'scheduler') {
      const timer = setInterval(() => {
        sendDueReminders(conversations, new Date()).catch((error: unknown) => logger.error({ err: error }, 'reminder sweep failed'));
      }, REMINDER_SWEEP_MS);
      timer.unref();
      closers.push(async () => clearInterval(timer));
    }

    // Deadlines: a delayed job per SLA warning and breach. Every role schedules (the web role changes
    // cases); workers fire them; the scheduler re-schedules what a crash may have missed.
    const slaTimers = createSlaTimers({
      connection: redis.client,
      deps: conversations,
      log: logger.child({ component: 'sla-timers' }),
      clock,
      worker: env.APP_ROLE === 'all' || env.APP_ROLE === 'worker',
    });
    closers.push(slaTimers.close);
    const unsubscribeTimers = subscribeTimers(events, store, slaTimers);
    closers.push(async () => unsubscribeTimers());
    await Promise.all([slaTimers.queue.waitUntilReady(), slaTimers.worker?.waitUntilReady()]);
    if (env.APP_ROLE === 'all' || env.APP_ROLE === 'scheduler') {
      await slaTimers.scheduleProgressUpdates();
      // In the background: with many open cases this takes a while, and nothing waits on it.
      slaTimers.reconcile(store).then(
        (seen) => logger.info({ cases: seen }, 'SLA timers reconciled'),
        (error: unknown) => logger.error({ err: error }, 'SLA timer reconcile failed; it runs again at the next start'),
      );
    }

    // The monthly report and the weekly brief, sent to managers and leadership through their chats.
    const reportSchedule = createReportSchedule({
      connection: redis.client,
      cases,
      log: logger.child({ component: 'reports' }),
      clock,
      ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
      worker: env.APP_ROLE === 'all' || env.APP_ROLE === 'worker',
    });
    closers.push(reportSchedule.close);
    await Promise.all([reportSchedule.queue.waitUntilReady(), reportSchedule.worker?.waitUntilReady()]);
    if (env.APP_ROLE === 'all' || env.APP_ROLE === 'scheduler') await reportSchedule.schedule();

    const staffDesk: StaffDeskDeps = { conversations, codes: redisBindingCodes(redis.client), pending: redisStaffPending(redis.client) };
    const telegram = config.channels.telegram
      ? createTelegramChannel(
          {
            token: env.TELEGRAM_BOT_TOKEN!,
            apiRoot: env.TELEGRAM_API_ROOT,
            mode: env.TELEGRAM_MODE,
            ...(env.TELEGRAM_WEBHOOK_SECRET ? { webhookSecret: env.TELEGRAM_WEBHOOK_SECRET } : {}),
            ...(env.PUBLIC_URL ? { publicUrl: env.PUBLIC_URL } : {}),
            attachmentsDir: join(dataDir, 'attachments', 'telegram'),
          },
          { conversations, staffDesk, attachments: store.attachments, identities: store.identities, outbox: store.outbox, redis: redis.pipelined, logger },
        )
      : undefined;

    const wecom = config.channels.wecom
      ? createWecomChannel(
          {
            corpId: env.WECOM_CORP_ID!,
            agentId: env.WECOM_AGENT_ID!,
            secret: env.WECOM_SECRET!,
            token: env.WECOM_TOKEN!,
            encodingAesKey: env.WECOM_ENCODING_AES_KEY!,
            apiBase: env.WECOM_API_BASE,
          },
          { staffDesk, redis: redis.client, logger },
        )
      : undefined;
    if (wecom) closers.push(() => wecom.handler.drain());

    const wechaty = config.channels.wechaty
      ? createWechatyChannel(
          {
            puppet: env.WECHATY_PUPPET!,
            ...(env.WECHATY_PUPPET_TOKEN ? { puppetOptions: { token: env.WECHATY_PUPPET_TOKEN } } : {}),
            staffRooms: env.WECHATY_STAFF_ROOMS,
            name: join(dataDir, 'wechaty', 'session'),
            attachmentsDir: join(dataDir, 'attachments', 'wechaty'),
          },
          { conversations, staffDesk, identities: store.identities, attachments: store.attachments, outbox: store.outbox, redis: redis.pipelined, logger },
        )
      : undefined;

    const wechatTemplateId = env.WECHAT_STATUS_TEMPLATE_ID;
    const wechat = config.channels.wechatOfficial
      ? createWechatOfficial(
          {
            token: env.WECHAT_TOKEN!,
            appId: env.WECHAT_APPID!,
            appSecret: env.WECHAT_APPSECRET!,
            ...(env.WECHAT_ENCODING_AES_KEY ? { encodingAesKey: env.WECHAT_ENCODING_AES_KEY } : {}),
            apiBase: env.WECHAT_API_BASE,
            attachmentsDir: join(dataDir, 'attachments', 'wechat'),
            ...(wechatTemplateId ? { statusTemplateId: wechatTemplateId } : {}),
          },
          { conversations, staffDesk, attachments: store.attachments, identities: store.identities, outbox: store.outbox, redis: redis.pipelined, logger },
        )
      : undefined;
    if (wechat) closers.push(wechat.drain);

    // The relay runs in every worker: SKIP LOCKED and idempotent job ids make several safe side by side.
    const senders: ChannelSender[] = [...(telegram ? [telegram.sender] : []), ...(wecom ? [wecom.sender] : []), ...(wechaty ? [wechaty.sender] : []), ...(wechat ? [wechat.sender] : [])];
    const notificationQueues =
      senders.length > 0
        ? createNotificationQueues(
            redis.client,
            senders.map((sender) => sender.channel),
            { log: logger.child({ component: 'notifications' }) },
          )
        : undefined;
    if (notificationQueues) closers.push(notificationQueues.close);
    if ((env.APP_ROLE === 'all' || env.APP_ROLE === 'worker') && notificationQueues) {
      const workers = senders.map((sender) =>
        createNotificationWorker({
          connection: redis.client,
          sender,
          limits: NOTIFICATION_LIMITS[sender.channel] ?? { perSecond: 10, perChatPerSecond: 1 },
          onUnreachable: reportUnreachable(store, logger.child({ component: 'notifications' })),
          log: logger.child({ component: 'notifications', channel: sender.channel }),
        }),
      );
      closers.push(async () => {
        await Promise.all(workers.map((worker) => worker.close()));
      });
      // BullMQ connects in the background; closing before it is done leaves an 'error' nobody listens to.
      await Promise.all([...notificationQueues.byChannel.values(), ...workers.map((w) => w.worker)].map((q) => q.waitUntilReady()));
      const relay = createOutboxRelay({
        store,
        renderer: language.renderer,
        defaultLocale: config.policy.defaultLocale,
        catalog: language.catalog,
        queues: notificationQueues.byChannel,
        log: logger.child({ component: 'outbox-relay' }),
      });
      relay.start(OUTBOX_RELAY_INTERVAL_MS);
      closers.push(relay.stop);
      // A WeChat account is logged in by one process: the one that sends its notifications.
      if (wechaty) {
        await wechaty.start();
        closers.push(wechaty.stop);
      }
    }

    let url: string | undefined;
    if ((env.APP_ROLE === 'all' || env.APP_ROLE === 'web') && options.http !== false) {
      const tokens = createSessionTokens({ secret: await signingSecret(env.JWT_SECRET, store.settings), ttlSeconds: env.ACCESS_TOKEN_TTL_MINUTES * 60 });
      const adminApi = createAdminApi({
        conversations,
        staffDesk,
        policy: config.policy,
        redis: redis.client,
        tokens,
        clock,
        secureCookie: env.PUBLIC_URL?.startsWith('https://') ?? false,
        ...(notificationQueues
          ? { deadLetters: deadLetterAccess(notificationQueues.byChannel), queueBoard: queueBoard([...notificationQueues.byChannel.values(), slaTimers.queue, reportSchedule.queue], QUEUE_BOARD_PATH) }
          : { queueBoard: queueBoard([slaTimers.queue, reportSchedule.queue], QUEUE_BOARD_PATH) }),
      });
      const metrics = createMetrics();
      metrics.observe(events);
      const app = createHttpApp({
        logger,
        metrics,
        // Webhooks first: the busiest paths match before the admin API's routes are tried.
        routes: [...(telegram ? [telegram.router] : []), ...(wechat ? [wechat.router] : []), ...(wecom ? [wecom.router] : []), adminApi, consoleRoutes(conversations, store.attachments)],
        health: {
          role: env.APP_ROLE,
          channels: config.channels,
          checks: [
            { name: 'database', check: async () => (await database.ping(), { kind: database.kind }) },
            { name: 'redis', check: async () => (await redis.client.ping(), { embedded: redis.embedded }) },
          ],
        },
      });
      const server = createServer(app);
      await listen(server, env.PORT, env.HOST);
      closers.push(() => closeServer(server, env.SHUTDOWN_TIMEOUT_MS));
      const address = server.address() as AddressInfo;
      url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      logger.info({ url, channels: config.channels }, 'listening');
      if (telegram) {
        await telegram.start();
        closers.push(telegram.stop);
      }
    }

    let stopping: Promise<void> | undefined;
    return { config, store, cases, conversations, staffDesk, database, redis, url, stop: () => (stopping ??= closeAll()) };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** A dependency that no longer answers must not keep the process from exiting. */
function withDeadline(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`gave up after ${ms} ms`)), ms);
  });
  return Promise.race([work, deadline]).finally(() => clearTimeout(timer));
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolvePromise();
    });
  });
}

function closeServer(server: Server, timeoutMs: number): Promise<void> {
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearTimeout(force);
      resolvePromise();
    });
    server.closeIdleConnections();
  });
}
