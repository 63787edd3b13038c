import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Router, json } from 'express';
import type { Redis } from 'ioredis';
import { Telegraf, TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import { handleMessage, type ConversationDeps } from '../../application/conversation-service';
import { bindStaffAccount, handleStaffMessage, type StaffDeskDeps } from '../../application/staff-desk';
import { SendError, type ChannelSender } from '../../application/notifications';
import type { AttachmentRepository, IdentityRepository, OutboxRepository } from '../../application/ports';
import type { InboundMessage, Reply } from '../../conversation/messages';
import type { Logger } from '../../logger';
import { rejectInvalidUtf8 } from '../../http/strict-utf8';
import { claimOrRead, renewWhileHeld } from '../../redis/claim';
import { toInbound, type TelegramInbound } from './inbound';
import { toTelegram } from './render';

export const TELEGRAM_WEBHOOK_PATH = '/telegram/webhook';

export interface TelegramChannelOptions {
  token: string;
  apiRoot: string;
  mode: 'webhook' | 'polling';
  webhookSecret?: string;
  /** With it, webhook mode registers `${publicUrl}/telegram/webhook` at start. */
  publicUrl?: string;
  /** Evidence photos are copied here; Telegram's links hold the bot token and must not be kept. */
  attachmentsDir: string;
  /** Bot API downloads stop at 20 MB; a deployment may want less. */
  maxPhotoBytes?: number;
}

export interface TelegramChannelDeps {
  conversations: ConversationDeps;
  /** Staff accounts bound with /bind act on their assignments here instead of filing complaints. */
  staffDesk: StaffDeskDeps;
  attachments: AttachmentRepository;
  identities: IdentityRepository;
  outbox: OutboxRepository;
  redis: Redis;
  logger: Logger;
}

export interface TelegramChannel {
  router: Router;
  sender: ChannelSender;
  /** Registers the webhook (webhook mode with a public URL) or starts long polling. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Handles one update as the webhook would; polling and tests use it directly. */
  handleUpdate(update: Update): Promise<void>;
}

const DAY_SECONDS = 86_400;
// Renewed while the turn runs: a claim left by a crashed process lapses within this, and the
// redelivery is handled instead of being told "in progress".
const RUNNING_LEASE_MS = 10_000;

/** The same update is being handled right now (a redelivery that overtook the first try). */
export class UpdateInProgressError extends Error {
  override readonly name = 'UpdateInProgressError';
  constructor(readonly updateId: number) {
    super(`update ${updateId} is being handled; Telegram will deliver it again`);
  }
}

export function createTelegramChannel(options: TelegramChannelOptions, deps: TelegramChannelDeps): TelegramChannel {
  // webhookReply stays off: with it telegraf writes some calls into the webhook response and they never reach the API.
  const bot = new Telegraf(options.token, { telegram: { apiRoot: options.apiRoot, webhookReply: false } });
  const api = bot.telegram;
  const maxPhotoBytes = options.maxPhotoBytes ?? 20 * 1024 * 1024;
  const log = deps.logger.child({ channel: 'telegram' });

  async function sendAll(chatId: number | string, replies: readonly Reply[], beforeEachMessage?: () => Promise<void>): Promise<void> {
    for (const reply of replies) {
      for (const message of toTelegram(reply)) {
        await beforeEachMessage?.();
        await api.sendMessage(chatId, message.text, message.reply_markup ? { reply_markup: message.reply_markup } : {});
      }
    }
  }

  const identityOf = (inbound: TelegramInbound) =>
    deps.identities.upsert({ channel: 'telegram', externalId: inbound.person.externalId, kind: 'complainant' });

  async function handleUpdate(update: Update): Promise<void> {
    // Telegram redelivers an update until it gets a 200; each is handled once. The claim is a
    // short lease kept while the update runs, so a crash mid-turn lets the redelivery through
    // seconds later; it becomes a day-long "done" only once the turn is over.
    const seen = `tg-update:${update.update_id}`;
    const earlier = await claimOrRead(deps.redis, seen, 'running', RUNNING_LEASE_MS);
    if (earlier === 'running') throw new UpdateInProgressError(update.update_id);
    if (earlier !== null) return;
    const stopRenewing = renewWhileHeld(deps.redis, seen, 'running', RUNNING_LEASE_MS);
    try {
      await handleClaimedUpdate(update);
    } catch (error) {
      await deps.redis.del(seen);
      throw error;
    } finally {
      stopRenewing();
    }
    await deps.redis.set(seen, 'done', 'EX', DAY_SECONDS);
  }

  async function handleClaimedUpdate(update: Update): Promise<void> {
    const inbound = toInbound(update);
    if (!inbound) return;
    if (inbound.callback) await acknowledgeButton(inbound);
    const message = inbound.message.kind === 'photo' ? await storePhoto(inbound, inbound.message) : inbound.message;
    const replies = await respond(inbound, message, update.update_id);
    try {
      await sendAll(inbound.chatId, replies);
    } catch (error) {
      // The conversation already moved on: what could not be said now goes through the queue.
      log.warn({ err: error }, 'reply failed in the webhook turn; queued');
      const identity = await identityOf(inbound);
      await deps.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: identity.id }, kind: 'chat_replies', payload: { replies } }]);
    }
  }

  /** Staff accounts go to the staff desk; everyone else talks to the complaint dialog. */
  async function respond(inbound: TelegramInbound, message: InboundMessage, updateId: number): Promise<Reply[]> {
    const { person } = inbound;
    const now = new Date();
    const identity = await deps.identities.find(person.channel, person.externalId);
    const locale = identity?.locale && identity.locale !== 'unknown' ? identity.locale : (person.languageHint ?? deps.conversations.catalog.defaultLocale);
    if (message.kind === 'command' && message.command === 'bind') {
      return bindStaffAccount(deps.staffDesk, person, message.args, locale);
    }
    const staff = identity?.kind === 'staff' && identity.staffId ? await deps.conversations.cases.store.staff.get(identity.staffId) : null;
    if (staff?.active) return handleStaffMessage(deps.staffDesk, staff, person, message, locale, now);
    // A redelivered update whose turn already ran gets the same replies again, not a second step.
    return handleMessage(deps.conversations, person, message, now, { turn: `telegram:${updateId}` });
  }

  async function acknowledgeButton(inbound: TelegramInbound): Promise<void> {
    const { callback } = inbound;
    if (!callback) return;
    await api.answerCbQuery(callback.id).catch((error: unknown) => log.warn({ err: error }, 'answerCallbackQuery failed'));
    if (callback.messageId !== undefined) {
      // A keyboard that stays after use invites a second press of an old question.
      await api
        .editMessageReplyMarkup(inbound.chatId, callback.messageId, undefined, { inline_keyboard: [] })
        .catch((error: unknown) => log.debug({ err: error }, 'keyboard already gone'));
    }
  }

  async function storePhoto(inbound: TelegramInbound, photo: { fileId: string; fileSize: number | undefined; caption?: string }): Promise<InboundMessage> {
    let storagePath: string | null = null;
    let sizeBytes: number | null = photo.fileSize ?? null;
    let sha256: string | null = null;
    try {
      const file = await api.getFile(photo.fileId);
      const size = file.file_size ?? photo.fileSize ?? 0;
      if (file.file_path && size <= maxPhotoBytes) {
        const response = await fetch(`${options.apiRoot}/file/bot${options.token}/${file.file_path}`);
        if (!response.ok) throw new Error(`download answered ${response.status}`);
        const content = Buffer.from(await response.arrayBuffer());
        if (content.length <= maxPhotoBytes) {
          sha256 = createHash('sha256').update(content).digest('hex');
          mkdirSync(options.attachmentsDir, { recursive: true });
          storagePath = join(options.attachmentsDir, `${sha256}${extensionOf(file.file_path)}`);
          writeFileSync(storagePath, content);
          sizeBytes = content.length;
        }
      }
    } catch (error) {
      // The file id alone still lets staff fetch the photo later; never log the link (it holds the token).
      log.warn({ err: error instanceof Error ? error.message.replace(options.token, '***') : 'unknown' }, 'photo download failed; kept the file id');
    }
    const identity = await identityOf(inbound);
    const stored = await deps.attachments.add({
      channel: 'telegram',
      externalRef: photo.fileId,
      identityId: identity.id,
      contentType: 'image/jpeg',
      sizeBytes,
      storagePath,
      sha256,
    });
    return { kind: 'image', attachmentId: stored.id, ...(photo.caption ? { caption: photo.caption } : {}) };
  }

  const router = Router();
  router.post(TELEGRAM_WEBHOOK_PATH, json({ limit: '1mb', verify: rejectInvalidUtf8 }), async (req, res) => {
    if (!secretMatches(req.get('x-telegram-bot-api-secret-token'), options.webhookSecret)) {
      res.status(401).json({ error: { code: 'TELEGRAM.BAD_SECRET', message: 'Missing or wrong X-Telegram-Bot-Api-Secret-Token.', details: {} } });
      return;
    }
    const update = req.body as Update;
    if (typeof update?.update_id !== 'number') {
      res.status(400).json({ error: { code: 'TELEGRAM.BAD_UPDATE', message: 'Expected a Telegram Update with an update_id.', details: {} } });
      return;
    }
    try {
      await handleUpdate(update);
    } catch (error) {
      if (!(error instanceof UpdateInProgressError)) throw error;
      // Not a 200: Telegram keeps the update and sends it again after the first try has finished.
      res.status(503).set('Retry-After', '5').json({ error: { code: 'TELEGRAM.UPDATE_IN_PROGRESS', message: error.message, details: {} } });
      return;
    }
    res.json({ ok: true });
  });

  return {
    router,
    handleUpdate,
    sender: {
      channel: 'telegram',
      async send(externalId, replies, sendOptions) {
        try {
          await sendAll(externalId, replies, sendOptions?.beforeEachMessage);
        } catch (error) {
          throw toSendError(error);
        }
      },
    },
    async start() {
      if (options.mode === 'polling') {
        // launch() resolves only when polling ends; updates go through the same handler as the webhook.
        bot.use(async (ctx) => handleUpdate(ctx.update));
        bot.launch({ dropPendingUpdates: false }).catch((error: unknown) => log.error({ err: error }, 'polling stopped'));
        log.info('polling for updates');
        return;
      }
      if (options.publicUrl) {
        const url = `${options.publicUrl.replace(/\/$/, '')}${TELEGRAM_WEBHOOK_PATH}`;
        await api.setWebhook(url, options.webhookSecret ? { secret_token: options.webhookSecret } : {});
        log.info({ url }, 'webhook registered');
      }
    },
    async stop() {
      if (options.mode === 'polling') {
        try {
          bot.stop('shutdown');
        } catch {
          // not running
        }
      }
    },
  };
}

function secretMatches(given: string | undefined, expected: string | undefined): boolean {
  if (!expected) return true;
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function extensionOf(path: string): string {
  const match = /\.[A-Za-z0-9]{1,5}$/.exec(path);
  return match ? match[0].toLowerCase() : '';
}

/** Telegram's answer → what the notification worker should do. */
export function toSendError(error: unknown): SendError {
  if (error instanceof TelegramError) {
    if (error.code === 429) return new SendError({ kind: 'rateLimited', retryAfterMs: (error.parameters?.retry_after ?? 1) * 1000 }, error.message);
    if (error.code === 403) return new SendError({ kind: 'unreachable' }, error.message);
    if (error.code >= 400 && error.code < 500) return new SendError({ kind: 'permanent' }, error.message);
  }
  return new SendError({ kind: 'transient' }, error instanceof Error ? error.message : String(error));
}
