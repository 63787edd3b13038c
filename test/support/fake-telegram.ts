/**
 * A local fake of the Telegram Bot API for tests: no test may reach api.telegram.org.
 *
 * Point telegraf at it with
 *   new Telegraf(fake.token, { telegram: { apiRoot: fake.url, webhookReply: false } })
 * telegraf then calls `POST {apiRoot}/bot<token>/<method>` with a JSON body (multipart/form-data
 * only when a file is uploaded from a Buffer/stream/path/URL — not supported here) and downloads
 * files from `GET {apiRoot}/file/bot<token>/<file_path>`.
 *
 * Answers follow the Bot API: `{ ok: true, result }` on success and
 * `{ ok: false, error_code, description, parameters? }` with the matching HTTP status on failure.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CallbackQuery, Chat, Message, MessageEntity, PhotoSize, Update, User, UserFromGetMe } from 'telegraf/types';

export interface TelegramUser {
  id: number;
  first_name: string;
  language_code?: string;
  username?: string;
}

export interface TelegramCall {
  /** The canonical method name (Telegram method names are case-insensitive; this is the documented spelling). */
  method: string;
  /** The decoded request parameters (JSON body, urlencoded body and query string merged). */
  params: Record<string, unknown>;
  /** Date.now() when the request arrived. */
  at: number;
  /** String(params.chat_id) when the call names a chat. */
  chatId?: string;
  /** HTTP status answered; undefined while a getUpdates long poll is still waiting. */
  status?: number;
  /** Whether the answer was `{ ok: true }`. */
  ok?: boolean;
  /** The `result` answered on success. */
  result?: unknown;
  /** The error body answered on failure. */
  error?: TelegramErrorBody;
}

export interface TelegramErrorBody {
  ok: false;
  error_code: number;
  description: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
}

export type FakeFailure =
  | { code: 429; retryAfter: number }
  | { code: 403 }
  | { code: 400; description?: string }
  | { code: 500 };

export interface FakeUpdates {
  /** A text message from the user in their private chat; a leading /command gets a bot_command entity. */
  text(from: TelegramUser, text: string): Update.MessageUpdate<Message.TextMessage>;
  /** `command(user, 'start', 'shop_12')` → text '/start shop_12'. The leading '/' is optional. */
  command(from: TelegramUser, command: string, payload?: string): Update.MessageUpdate<Message.TextMessage>;
  /** Photo sizes smallest first, one per file id, each with width, height and file_size. */
  photo(from: TelegramUser, fileIds: string[], caption?: string): Update.MessageUpdate<Message.PhotoMessage>;
  location(from: TelegramUser, latitude: number, longitude: number): Update.MessageUpdate<Message.LocationMessage>;
  /**
   * A button press on a message in the user's private chat. With `message`, the query carries the
   * bot's message with that id (the one the fake answered for sendMessage, if it knows it);
   * without, a new message id.
   */
  callback(from: TelegramUser, data: string, message?: { message_id: number }): Update.CallbackQueryUpdate<CallbackQuery.DataQuery>;
}

export interface FakeTelegram {
  /** http://127.0.0.1:<port> */
  url: string;
  /** The only token it accepts; any other answers 401 Unauthorized. */
  token: string;
  /** The bot user getMe answers (its id is the token's numeric prefix). */
  botInfo: UserFromGetMe;
  /** Every API call in arrival order, failed ones included. */
  calls: TelegramCall[];
  /** Successful message-sending calls (sendMessage, sendPhoto, … copyMessage, forwardMessage), optionally to one chat. */
  sent(chatId?: string | number): TelegramCall[];
  /** Calls of one method (any outcome). */
  callsOf(method: string): TelegramCall[];
  /**
   * Makes the next `times` (default 1) calls of `method` (or of any method with '*') fail:
   * 429 with retry_after seconds, 403 "bot was blocked by the user", 400, or 500.
   * A method-specific failure is used before a '*' one.
   */
  failNext(method: string, failure: FakeFailure, times?: number): void;
  /**
   * Enforce Telegram's limits like the real server: more than `perSecond` messages in any rolling
   * 1 s window overall, or more than `perChatPerSecond` to one chat, answers 429 with retry_after
   * (whole seconds, at least 1). Only accepted sends count. Off by default.
   */
  enforceLimits(limits: { perSecond: number; perChatPerSecond: number }): void;
  /** How many 429s it answered (injected and enforced). */
  tooManyRequests: number;
  /** Registers a file getFile will describe and the download URL will serve. */
  addFile(fileId: string, content: Buffer, options?: { filePath?: string; fileSize?: number }): void;
  /** file_paths downloaded through /file/bot<token>/…, in order. */
  downloads: string[];
  /** Builders for updates to POST to our webhook, with increasing update_id and message_id. */
  updates: FakeUpdates;
  /** Queues an update for getUpdates (polling mode). Wakes a waiting long poll. */
  queueUpdate(update: Update): void;
  /** The URL last set with setWebhook ('' after deleteWebhook). */
  webhookUrl: string;
  close(): Promise<void>;
}

const MAX_FILE_SIZE = 20 * 1024 * 1024;
const MAX_POLL_WAIT_MS = 200;

/** Methods that send a message to a chat: they count for sent() and for enforceLimits. */
const SEND_METHODS = new Set([
  'sendMessage',
  'sendPhoto',
  'sendDocument',
  'sendAudio',
  'sendVideo',
  'sendVoice',
  'sendAnimation',
  'sendVideoNote',
  'sendSticker',
  'sendLocation',
  'sendVenue',
  'sendContact',
  'sendPoll',
  'sendDice',
  'sendMediaGroup',
  'copyMessage',
  'forwardMessage',
]);

/** Parameters that are JSON-serialized when sent as form fields. */
const JSON_FIELDS = new Set([
  'reply_markup',
  'entities',
  'caption_entities',
  'allowed_updates',
  'media',
  'link_preview_options',
  'reply_parameters',
  'commands',
  'scope',
  'menu_button',
  'reaction',
  'message_ids',
  'results',
]);

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly description: string,
    readonly parameters?: { retry_after: number },
  ) {
    super(description);
  }
}

const badRequest = (what: string): ApiError => new ApiError(400, `Bad Request: ${what}`);

function failureError(failure: FakeFailure): ApiError {
  switch (failure.code) {
    case 429:
      return new ApiError(429, `Too Many Requests: retry after ${failure.retryAfter}`, { retry_after: failure.retryAfter });
    case 403:
      return new ApiError(403, 'Forbidden: bot was blocked by the user');
    case 400:
      return new ApiError(400, failure.description ?? 'Bad Request: chat not found');
    case 500:
      return new ApiError(500, 'Internal Server Error');
  }
}

type Params = Record<string, unknown>;
type JsonMessage = Record<string, unknown> & { message_id: number; chat: Chat; date: number };

interface PollWaiter {
  call: TelegramCall;
  res: ServerResponse;
  offset: number | undefined;
  limit: number;
  timer: NodeJS.Timeout;
}

const now = (): number => Date.now();
const unixNow = (): number => Math.floor(Date.now() / 1000);

function optionalString(params: Params, key: string): string | undefined {
  const value = params[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : JSON.stringify(value);
}

function optionalNumber(params: Params, key: string): number | undefined {
  const value = params[key];
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isFinite(n) ? n : undefined;
}

function jsonField(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** Strips HTML tags the way Telegram turns parse_mode HTML into plain text (entities are not rebuilt). */
function plainFromHtml(text: string): string {
  return text
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

function toUser(user: TelegramUser): User {
  return {
    id: user.id,
    is_bot: false,
    first_name: user.first_name,
    ...(user.username !== undefined ? { username: user.username } : {}),
    ...(user.language_code !== undefined ? { language_code: user.language_code } : {}),
  };
}

function privateChat(user: TelegramUser): Chat.PrivateChat {
  return {
    id: user.id,
    type: 'private',
    first_name: user.first_name,
    ...(user.username !== undefined ? { username: user.username } : {}),
  };
}

function commandEntities(text: string): MessageEntity[] | undefined {
  const match = /^\/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{1,64})?(?=\s|$)/.exec(text);
  return match ? [{ offset: 0, length: match[0].length, type: 'bot_command' }] : undefined;
}

export async function startFakeTelegram(options: { token?: string } = {}): Promise<FakeTelegram> {
  const token = options.token ?? '123456:TEST-token';
  const botId = Number(/^(\d+):/.exec(token)?.[1] ?? 123456);
  const botInfo: UserFromGetMe = {
    id: botId,
    is_bot: true,
    first_name: 'Test Bot',
    username: 'test_bot',
    can_join_groups: true,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };

  const calls: TelegramCall[] = [];
  const failures = new Map<string, { failure: FakeFailure; remaining: number }[]>();
  let limits: { perSecond: number; perChatPerSecond: number } | undefined;
  let acceptedSends: { at: number; chatId: string }[] = [];
  const files = new Map<string, { fileId: string; uniqueId: string; content: Buffer; filePath: string; fileSize: number }>();
  const filesByPath = new Map<string, Buffer>();
  const users = new Map<number, TelegramUser>();
  const messages = new Map<string, JsonMessage>();
  let queue: Update[] = [];
  const waiters = new Set<PollWaiter>();
  let commands: unknown[] = [];
  let nextUpdateId = 100_000_001;
  let nextMessageId = 1;
  let nextFileNumber = 1;
  let nextCallbackId = 1;
  let nextFileUniqueId = 1;

  const messageKey = (chatId: number | string, messageId: number): string => `${chatId}:${messageId}`;
  const newUniqueId = (): string => `AQADfake${(nextFileUniqueId++).toString(36)}`;

  function chatFor(chatIdParam: unknown): Chat {
    if (chatIdParam === undefined || chatIdParam === null || chatIdParam === '') throw badRequest('chat_id is empty');
    const raw = typeof chatIdParam === 'number' ? String(chatIdParam) : typeof chatIdParam === 'string' ? chatIdParam : '';
    if (raw.startsWith('@')) return { id: -1001000000000, type: 'channel', title: raw.slice(1), username: raw.slice(1) };
    const id = Number(raw);
    if (!Number.isSafeInteger(id) || id === 0) throw badRequest('chat not found');
    if (id > 0) {
      const user = users.get(id);
      return { id, type: 'private', first_name: user?.first_name ?? 'User', ...(user?.username ? { username: user.username } : {}) };
    }
    if (raw.startsWith('-100')) return { id, type: 'supergroup', title: 'Test supergroup' };
    return { id, type: 'group', title: 'Test group' };
  }

  function storeMessage(message: JsonMessage): JsonMessage {
    messages.set(messageKey(message.chat.id, message.message_id), message);
    return message;
  }

  function newBotMessage(params: Params, body: Record<string, unknown>): JsonMessage {
    const chat = chatFor(params.chat_id);
    const message: JsonMessage = { message_id: nextMessageId++, from: botInfo, chat, date: unixNow(), ...body };
    const markup = jsonField(params.reply_markup);
    // Telegram echoes only inline keyboards back in the Message.
    if (markup && typeof markup === 'object' && 'inline_keyboard' in markup) message.reply_markup = markup;
    return storeMessage(message);
  }

  function textOf(params: Params, key: 'text' | 'caption'): string | undefined {
    const text = optionalString(params, key);
    if (text === undefined) return undefined;
    return optionalString(params, 'parse_mode')?.toUpperCase() === 'HTML' ? plainFromHtml(text) : text;
  }

  function captionFields(params: Params): Record<string, unknown> {
    const caption = textOf(params, 'caption');
    if (caption !== undefined && caption.length > 1024) throw badRequest('message caption is too long');
    return caption ? { caption } : {};
  }

  function describeFile(input: unknown, kind: string): { file_id: string; file_unique_id: string; file_size: number } {
    if (typeof input !== 'string' || input === '') throw badRequest(`there is no ${kind} in the request`);
    const known = files.get(input);
    if (known) return { file_id: known.fileId, file_unique_id: known.uniqueId, file_size: known.fileSize };
    // A URL or an unknown file_id: Telegram would fetch/resolve it; the fake invents a file.
    return { file_id: `fake-${kind}-${nextFileNumber++}`, file_unique_id: newUniqueId(), file_size: 1024 };
  }

  function mediaMessage(kind: string, params: Params): JsonMessage {
    const file = describeFile(params[kind], kind);
    if (kind === 'photo') {
      const sizes: PhotoSize[] = [
        { ...file, file_size: Math.max(1, Math.round(file.file_size / 10)), width: 90, height: 68 },
        { ...file, width: 1280, height: 960 },
      ];
      return newBotMessage(params, { photo: sizes, ...captionFields(params) });
    }
    return newBotMessage(params, { [kind]: file, ...captionFields(params) });
  }

  function existingOrNewMessage(params: Params): JsonMessage {
    const chat = chatFor(params.chat_id);
    const messageId = optionalNumber(params, 'message_id');
    if (messageId === undefined) throw badRequest('message identifier is not specified');
    return messages.get(messageKey(chat.id, messageId)) ?? { message_id: messageId, from: botInfo, chat, date: unixNow() };
  }

  function editMessage(params: Params, change: Record<string, unknown>): JsonMessage | true {
    if (params.inline_message_id !== undefined) return true;
    const current = existingOrNewMessage(params);
    const next: JsonMessage = { ...current, ...change, edit_date: unixNow() };
    const markup = jsonField(params.reply_markup);
    if (markup && typeof markup === 'object' && 'inline_keyboard' in markup) next.reply_markup = markup;
    else delete next.reply_markup;
    const sameContent = (['text', 'caption'] as const).every((key) => JSON.stringify(current[key]) === JSON.stringify(next[key]));
    if (messages.has(messageKey(current.chat.id, current.message_id)) && sameContent && JSON.stringify(current.reply_markup) === JSON.stringify(next.reply_markup)) {
      throw badRequest(
        'message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message',
      );
    }
    return storeMessage(next);
  }

  function takeUpdates(offset: number | undefined, limit: number): Update[] {
    if (offset !== undefined && offset < 0) queue = queue.slice(offset);
    else if (offset !== undefined) queue = queue.filter((update) => update.update_id >= offset);
    return queue.slice(0, limit);
  }

  const handlers: Record<string, (params: Params, call: TelegramCall, res: ServerResponse) => unknown> = {
    getMe: () => botInfo,
    logOut: () => true,
    close: () => true,
    setWebhook: (params) => {
      const url = optionalString(params, 'url') ?? '';
      if (url !== '' && !url.startsWith('https://')) throw badRequest('bad webhook: An HTTPS URL must be provided for webhook');
      fake.webhookUrl = url;
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') queue = [];
      return true;
    },
    deleteWebhook: (params) => {
      fake.webhookUrl = '';
      if (params.drop_pending_updates === true || params.drop_pending_updates === 'true') queue = [];
      return true;
    },
    getWebhookInfo: () => ({ url: fake.webhookUrl, has_custom_certificate: false, pending_update_count: queue.length }),
    getUpdates: (params, call, res) => {
      if (fake.webhookUrl) throw new ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first");
      // Telegram ends an earlier long poll when a newer one arrives.
      for (const waiter of waiters) finishPoll(waiter, new ApiError(409, 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running'));
      const offset = optionalNumber(params, 'offset');
      const limit = Math.min(100, Math.max(1, optionalNumber(params, 'limit') ?? 100));
      const ready = takeUpdates(offset, limit);
      const timeoutSeconds = optionalNumber(params, 'timeout') ?? 0;
      if (ready.length > 0 || timeoutSeconds <= 0 || closing) return ready;
      const waiter: PollWaiter = {
        call,
        res,
        offset,
        limit,
        timer: setTimeout(() => finishPoll(waiter, []), Math.min(timeoutSeconds * 1000, MAX_POLL_WAIT_MS)),
      };
      waiters.add(waiter);
      res.on('close', () => {
        clearTimeout(waiter.timer);
        waiters.delete(waiter);
      });
      return PENDING;
    },
    sendMessage: (params) => {
      const text = textOf(params, 'text');
      if (text === undefined || text.trim() === '') throw badRequest('message text is empty');
      if (text.length > 4096) throw badRequest('message is too long');
      const entities = jsonField(params.entities);
      return newBotMessage(params, { text, ...(Array.isArray(entities) && entities.length ? { entities } : {}) });
    },
    sendPhoto: (params) => mediaMessage('photo', params),
    sendDocument: (params) => mediaMessage('document', params),
    sendAudio: (params) => mediaMessage('audio', params),
    sendVideo: (params) => mediaMessage('video', params),
    sendVoice: (params) => mediaMessage('voice', params),
    sendAnimation: (params) => mediaMessage('animation', params),
    sendVideoNote: (params) => mediaMessage('video_note', params),
    sendSticker: (params) => mediaMessage('sticker', params),
    sendLocation: (params) => {
      const latitude = optionalNumber(params, 'latitude');
      const longitude = optionalNumber(params, 'longitude');
      if (latitude === undefined || longitude === undefined) throw badRequest('wrong latitude or longitude');
      return newBotMessage(params, { location: { latitude, longitude } });
    },
    sendVenue: (params) => {
      const latitude = optionalNumber(params, 'latitude');
      const longitude = optionalNumber(params, 'longitude');
      if (latitude === undefined || longitude === undefined) throw badRequest('wrong latitude or longitude');
      const location = { latitude, longitude };
      const venue = { location, title: optionalString(params, 'title') ?? '', address: optionalString(params, 'address') ?? '' };
      return newBotMessage(params, { location, venue });
    },
    sendContact: (params) =>
      newBotMessage(params, {
        contact: { phone_number: optionalString(params, 'phone_number') ?? '', first_name: optionalString(params, 'first_name') ?? '' },
      }),
    sendPoll: (params) => newBotMessage(params, { poll: { id: String(nextFileNumber++), question: optionalString(params, 'question') ?? '' } }),
    sendDice: (params) => newBotMessage(params, { dice: { emoji: optionalString(params, 'emoji') ?? '🎲', value: 1 } }),
    sendMediaGroup: (params) => {
      const media = jsonField(params.media);
      if (!Array.isArray(media) || media.length < 2 || media.length > 10) throw badRequest('wrong number of media in the request');
      const groupId = String(nextFileNumber++);
      return media.map((item: unknown) => {
        const entry = (item ?? {}) as Params;
        const kind = optionalString(entry, 'type') ?? 'photo';
        const message = mediaMessage(kind, { chat_id: params.chat_id, [kind]: entry.media, caption: entry.caption, parse_mode: entry.parse_mode });
        message.media_group_id = groupId;
        return message;
      });
    },
    copyMessage: (params) => {
      newBotMessage(params, { text: '(copy)' });
      return { message_id: nextMessageId - 1 };
    },
    forwardMessage: (params) => newBotMessage(params, { forward_origin: { type: 'chat', date: unixNow(), sender_chat: chatFor(params.from_chat_id) } }),
    sendChatAction: (params) => {
      chatFor(params.chat_id);
      return true;
    },
    editMessageText: (params) => {
      const text = textOf(params, 'text');
      if (text === undefined || text.trim() === '') throw badRequest('message text is empty');
      return editMessage(params, { text });
    },
    editMessageCaption: (params) => editMessage(params, captionFields(params)),
    editMessageReplyMarkup: (params) => editMessage(params, {}),
    deleteMessage: (params) => {
      const chat = chatFor(params.chat_id);
      const messageId = optionalNumber(params, 'message_id');
      if (messageId === undefined) throw badRequest('message identifier is not specified');
      messages.delete(messageKey(chat.id, messageId));
      return true;
    },
    answerCallbackQuery: (params) => {
      if (optionalString(params, 'callback_query_id') === undefined) throw badRequest('query is too old and response timeout expired or query ID is invalid');
      const text = optionalString(params, 'text');
      if (text !== undefined && text.length > 200) throw badRequest('MESSAGE_TOO_LONG');
      return true;
    },
    getFile: (params) => {
      const fileId = optionalString(params, 'file_id');
      const file = fileId === undefined ? undefined : files.get(fileId);
      if (!file) throw badRequest('invalid file_id');
      if (file.fileSize > MAX_FILE_SIZE) throw badRequest('file is too big');
      return { file_id: file.fileId, file_unique_id: file.uniqueId, file_size: file.fileSize, file_path: file.filePath };
    },
    getChat: (params) => chatFor(params.chat_id),
    setMyCommands: (params) => {
      const list = jsonField(params.commands);
      if (!Array.isArray(list)) throw badRequest('commands must be an array');
      commands = list;
      return true;
    },
    getMyCommands: () => commands,
    deleteMyCommands: () => {
      commands = [];
      return true;
    },
    setMyDescription: () => true,
    setMyShortDescription: () => true,
    setMyName: () => true,
    setChatMenuButton: () => true,
    setMessageReaction: () => true,
  };
  const methodsByLowerName = new Map(Object.keys(handlers).map((name) => [name.toLowerCase(), name]));

  function takeFailure(method: string): FakeFailure | undefined {
    for (const key of [method, '*']) {
      const list = failures.get(key);
      const first = list?.[0];
      if (!list || !first) continue;
      first.remaining -= 1;
      if (first.remaining <= 0) list.shift();
      return first.failure;
    }
    return undefined;
  }

  function limitError(chatId: string | undefined, at: number): ApiError | undefined {
    if (!limits) return undefined;
    acceptedSends = acceptedSends.filter((send) => send.at > at - 1000);
    const retryFor = (window: { at: number }[], max: number): number | undefined => {
      if (window.length < max) return undefined;
      // The window has room once the (length - max + 1)-th oldest send has left it.
      const release = window[window.length - max]?.at ?? at;
      return Math.max(1, Math.ceil((release + 1000 - at) / 1000));
    };
    const overall = retryFor(acceptedSends, limits.perSecond);
    const perChat = chatId === undefined ? undefined : retryFor(acceptedSends.filter((send) => send.chatId === chatId), limits.perChatPerSecond);
    const retryAfter = Math.max(overall ?? 0, perChat ?? 0);
    return retryAfter > 0 ? new ApiError(429, `Too Many Requests: retry after ${retryAfter}`, { retry_after: retryAfter }) : undefined;
  }

  function send(res: ServerResponse, status: number, body: unknown): void {
    if (res.writableEnded || res.destroyed) return;
    const json = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  function answer(res: ServerResponse, call: TelegramCall | undefined, outcome: { result: unknown } | ApiError): void {
    if (outcome instanceof ApiError) {
      const error: TelegramErrorBody = {
        ok: false,
        error_code: outcome.status,
        description: outcome.description,
        ...(outcome.parameters ? { parameters: outcome.parameters } : {}),
      };
      if (outcome.status === 429) fake.tooManyRequests += 1;
      if (call) Object.assign(call, { status: outcome.status, ok: false, error });
      send(res, outcome.status, error);
      return;
    }
    if (call) Object.assign(call, { status: 200, ok: true, result: outcome.result });
    send(res, 200, { ok: true, result: outcome.result });
  }

  function finishPoll(waiter: PollWaiter, outcome: Update[] | ApiError): void {
    clearTimeout(waiter.timer);
    waiters.delete(waiter);
    answer(waiter.res, waiter.call, outcome instanceof ApiError ? outcome : { result: outcome });
  }

  function wakePolls(): void {
    for (const waiter of waiters) {
      const ready = takeUpdates(waiter.offset, waiter.limit);
      if (ready.length > 0) finishPoll(waiter, ready);
    }
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  function parseParams(req: IncomingMessage, body: Buffer, url: URL): Params {
    const params: Params = {};
    for (const [key, value] of url.searchParams) params[key] = JSON_FIELDS.has(key) ? jsonField(value) : value;
    if (body.length === 0) return params;
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type === 'application/json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body.toString('utf8'));
      } catch {
        throw badRequest("can't parse JSON object");
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw badRequest("can't parse JSON object");
      return Object.assign(params, parsed);
    }
    if (type === 'application/x-www-form-urlencoded') {
      for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = JSON_FIELDS.has(key) ? jsonField(value) : value;
      return params;
    }
    if (type === 'multipart/form-data') throw badRequest('multipart/form-data (file uploads) is not supported by the fake; send a file_id or URL');
    throw badRequest(`unsupported content type ${type || '(none)'}`);
  }

  const PENDING = Symbol('pending');
  const NOT_FOUND = new ApiError(404, 'Not Found');
  let closing = false;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const at = now();

    const download = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
    if (download) {
      const content = download[1] === token ? filesByPath.get(decodeURIComponent(download[2] ?? '')) : undefined;
      if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, undefined, NOT_FOUND);
      if (download[1] !== token) return answer(res, undefined, new ApiError(401, 'Unauthorized'));
      if (!content) return answer(res, undefined, NOT_FOUND);
      fake.downloads.push(decodeURIComponent(download[2] ?? ''));
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length });
      res.end(req.method === 'HEAD' ? undefined : content);
      return;
    }

    const api = /^\/bot([^/]+)\/([^/]+)$/.exec(url.pathname);
    if (!api) return answer(res, undefined, NOT_FOUND);
    const body = await readBody(req);
    const requested = api[2] ?? '';
    const method = methodsByLowerName.get(requested.toLowerCase());
    const call: TelegramCall = { method: method ?? requested, params: {}, at };
    calls.push(call);
    try {
      call.params = parseParams(req, body, url);
    } catch (error) {
      return answer(res, call, error instanceof ApiError ? error : badRequest(String(error)));
    }
    if (call.params.chat_id !== undefined && call.params.chat_id !== null) call.chatId = String(call.params.chat_id);
    if (api[1] !== token) return answer(res, call, new ApiError(401, 'Unauthorized'));
    if (!method) return answer(res, call, NOT_FOUND);
    const handler = handlers[method];
    if (!handler) return answer(res, call, NOT_FOUND);

    const failure = takeFailure(method);
    if (failure) return answer(res, call, failureError(failure));
    const isSend = SEND_METHODS.has(method);
    if (isSend) {
      const limited = limitError(call.chatId, at);
      if (limited) return answer(res, call, limited);
    }
    let result: unknown;
    try {
      result = handler(call.params, call, res);
    } catch (error) {
      return answer(res, call, error instanceof ApiError ? error : new ApiError(500, 'Internal Server Error'));
    }
    if (result === PENDING) return;
    if (isSend && call.chatId !== undefined) acceptedSends.push({ at, chatId: call.chatId });
    answer(res, call, { result });
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => answer(res, undefined, new ApiError(500, 'Internal Server Error')));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  function baseMessage(from: TelegramUser): { message_id: number; from: User; chat: Chat.PrivateChat; date: number } {
    users.set(from.id, from);
    return { message_id: nextMessageId++, from: toUser(from), chat: privateChat(from), date: unixNow() };
  }

  const updates: FakeUpdates = {
    text(from, text) {
      const entities = commandEntities(text);
      return { update_id: nextUpdateId++, message: { ...baseMessage(from), text, ...(entities ? { entities } : {}) } };
    },
    command(from, command, payload) {
      const name = command.startsWith('/') ? command : `/${command}`;
      return updates.text(from, payload !== undefined && payload !== '' ? `${name} ${payload}` : name);
    },
    photo(from, fileIds, caption) {
      const ladder = [90, 320, 800, 1280, 2560];
      const photo: PhotoSize[] = fileIds.map((fileId, index) => {
        const width = ladder[Math.min(index, ladder.length - 1)] ?? 1280;
        const height = Math.round((width * 3) / 4);
        const known = files.get(fileId);
        return {
          file_id: fileId,
          file_unique_id: known?.uniqueId ?? `AQADphoto${nextUpdateId}_${index}`,
          width,
          height,
          file_size: known?.fileSize ?? Math.round((width * height) / 10),
        };
      });
      return { update_id: nextUpdateId++, message: { ...baseMessage(from), photo, ...(caption !== undefined ? { caption } : {}) } };
    },
    location(from, latitude, longitude) {
      return { update_id: nextUpdateId++, message: { ...baseMessage(from), location: { latitude, longitude } } };
    },
    callback(from, data, message) {
      users.set(from.id, from);
      const chat = privateChat(from);
      const messageId = message?.message_id ?? nextMessageId++;
      const known = messages.get(messageKey(chat.id, messageId));
      const original = (known ?? { message_id: messageId, from: botInfo, chat, date: unixNow(), text: '…' }) as unknown as Message;
      return {
        update_id: nextUpdateId++,
        callback_query: {
          id: `${botId}${String(nextCallbackId++).padStart(9, '0')}`,
          from: toUser(from),
          message: original,
          chat_instance: `-${Math.abs(chat.id * 7919) % 10 ** 18}`,
          data,
        },
      };
    },
  };

  const fake: FakeTelegram = {
    url: `http://127.0.0.1:${port}`,
    token,
    botInfo,
    calls,
    sent(chatId) {
      return calls.filter((call) => SEND_METHODS.has(call.method) && call.ok === true && (chatId === undefined || call.chatId === String(chatId)));
    },
    callsOf(method) {
      return calls.filter((call) => call.method === method);
    },
    failNext(method, failure, times = 1) {
      if (times <= 0) return;
      const canonical = method === '*' ? '*' : (methodsByLowerName.get(method.toLowerCase()) ?? method);
      const list = failures.get(canonical) ?? [];
      list.push({ failure, remaining: times });
      failures.set(canonical, list);
    },
    enforceLimits(next) {
      limits = { ...next };
    },
    tooManyRequests: 0,
    addFile(fileId, content, fileOptions = {}) {
      const number = nextFileNumber++;
      const isJpeg = content[0] === 0xff && content[1] === 0xd8;
      const isPng = content.subarray(0, 4).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
      const filePath = fileOptions.filePath ?? (isJpeg ? `photos/file_${number}.jpg` : isPng ? `photos/file_${number}.png` : `documents/file_${number}`);
      files.set(fileId, { fileId, uniqueId: newUniqueId(), content, filePath, fileSize: fileOptions.fileSize ?? content.length });
      filesByPath.set(filePath, content);
    },
    downloads: [],
    updates,
    queueUpdate(update) {
      queue.push(update);
      queue.sort((a, b) => a.update_id - b.update_id);
      wakePolls();
    },
    webhookUrl: '',
    async close() {
      closing = true;
      for (const waiter of waiters) finishPoll(waiter, []);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
