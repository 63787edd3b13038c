import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Redis } from 'ioredis';
import type * as WechatyModule from 'wechaty';
import type { Contact, Message, Room, Wechaty, WechatyOptions } from 'wechaty';
import { conversationKey, handleMessage, type ConversationDeps, type Person } from '../../application/conversation-service';
import { SendError, type ChannelSender } from '../../application/notifications';
import type { AttachmentRepository, ChannelIdentity, IdentityRepository, OutboxRepository, Staff } from '../../application/ports';
import { bindStaffAccount, handleStaffMessage, type StaffDeskDeps } from '../../application/staff-desk';
import type { InboundMessage, Locale, Reply } from '../../conversation/messages';
import type { Logger } from '../../logger';
import { bindCodeOf, personOf, pickChoice, roomAccount, roomIdOf, toInbound, WECHATY_CHANNEL, type WechatyContent } from './inbound';
import { numberedChoices, toWechatyTexts } from './render';
import { redisStaffMenus } from './staff-menus';

export interface WechatyChannelOptions {
  /** A puppet package name (WECHATY_PUPPET, e.g. `wechaty-puppet-wechat4u`), or a puppet instance (tests pass a PuppetMock). */
  puppet: string | object;
  /** Handed to a puppet named by package, e.g. `{ token }` for a puppet service. */
  puppetOptions?: Record<string, unknown>;
  /** Topics or ids of the rooms where staff bind the room with `/bind CODE` and act on cases by @-mentioning the bot. */
  staffRooms?: readonly string[];
  /**
   * Names wechaty's memory card, which keeps the login across restarts: `<name>.memory-card.json`,
   * in the working directory unless `name` is an absolute path (its folder is created).
   */
  name?: string;
  /** Evidence photos are copied here: the puppet's file handles do not outlive the session. */
  attachmentsDir: string;
  maxImageBytes?: number;
}

export interface WechatyChannelDeps {
  conversations: ConversationDeps;
  /** Staff accounts bound with `/bind` act on their assignments here instead of filing complaints. */
  staffDesk: StaffDeskDeps;
  identities: IdentityRepository;
  attachments: AttachmentRepository;
  /** What could not be said during the turn is queued here for the notification worker. */
  outbox: OutboxRepository;
  redis: Redis;
  logger: Logger;
  /** What to tell a complainant who sent a voice note, video, file, sticker or link; silence when absent. */
  unsupported?(person: Person, type: string): Promise<Reply[]>;
  /** The dialog's clock; message ages are always judged on the real one. */
  now?: () => Date;
}

/** Says replies in rooms the bot is a member of. */
export interface WechatyRoomSender {
  /** One room by id or topic; throws SendError (`unreachable` when the bot is not in such a room). */
  send(room: string, replies: readonly Reply[]): Promise<void>;
  /** Every configured staff room; a room that cannot be reached is logged and skipped. Resolves with how many were reached. */
  broadcast(replies: readonly Reply[]): Promise<number>;
}

export interface WechatyChannel {
  /** Channel `wechaty`: a contact id, or `room:<id>` for a staff room bound with `/bind`. */
  sender: ChannelSender;
  roomSender: WechatyRoomSender;
  /** Loads wechaty and starts the puppet; the login (QR code or token) follows asynchronously. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Resolves once every message received so far has been answered (shutdown, tests). */
  idle(): Promise<void>;
  /** Whether the account is logged in now, for /readyz: until then notifications wait in their queue. */
  isLoggedIn(): boolean;
}

export type WechatyErrorCode = 'WECHATY.NOT_INSTALLED' | 'WECHATY.START_FAILED';

export class WechatyChannelError extends Error {
  override readonly name = 'WechatyChannelError';

  constructor(
    readonly code: WechatyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const DAY_SECONDS = 86_400;
const DEFAULT_MAX_IMAGE_BYTES = 20 * 1024 * 1024;
// Puppets replay recent history on login; what was sent before we started was answered by the
// previous run or is too old to answer now. The slack covers WeChat's clock against ours.
const CLOCK_SLACK_MS = 60_000;

type Sayer = { say(text: string): Promise<unknown> };

export function createWechatyChannel(options: WechatyChannelOptions, deps: WechatyChannelDeps): WechatyChannel {
  const log = deps.logger.child({ channel: WECHATY_CHANNEL });
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const staffRooms = new Set(options.staffRooms ?? []);
  const menus = redisStaffMenus(deps.redis);
  const now = deps.now ?? (() => new Date());
  const inFlight = new Set<Promise<void>>();
  let bot: Wechaty | undefined;
  let startedAt = Number.POSITIVE_INFINITY;

  async function onMessage(message: Message): Promise<void> {
    if (message.self()) return;
    if (message.date().getTime() < startedAt - CLOCK_SLACK_MS) return;
    const talker = message.talker();
    // Official accounts the service account follows push their articles as messages.
    if (talker.type() === message.wechaty.Contact.Type.Official) return;
    const room = message.room();
    if (room && !(await isStaffRoom(room))) return;
    if ((await deps.redis.set(`wechaty:message:${message.id}`, '1', 'EX', DAY_SECONDS, 'NX')) !== 'OK') return;
    if (room) await onRoomMessage(message, room, talker);
    else await onPrivateMessage(message, talker);
  }

  async function onPrivateMessage(message: Message, talker: Contact): Promise<void> {
    const person = personOf({ id: talker.id, name: talker.name() });
    const content = await contentOf(message);
    const identity = await deps.identities.find(WECHATY_CHANNEL, person.externalId);
    const locale = localeOf(identity);
    const code = content.kind === 'text' ? bindCodeOf(content.text) : null;
    if (code !== null) {
      await answer(talker, person, await bindStaffAccount(deps.staffDesk, person, code, locale));
      return;
    }
    const staff = await activeStaff(identity);
    if (staff) {
      const replies = await staffTurn(staff, person, person.externalId, content, locale);
      await answer(talker, person, replies, { menuAccount: person.externalId });
      return;
    }
    const inbound = content.kind === 'image' ? await storeImage(message, person) : toInbound(content);
    if (inbound) {
      await answer(talker, person, await handleMessage(deps.conversations, person, inbound, now()));
    } else if (content.kind === 'other' && deps.unsupported) {
      await answer(talker, person, await deps.unsupported(person, content.type));
    }
  }

  /** In a staff room the bot speaks when spoken to: `/bind CODE` binds the room, an @-mention from bound staff acts on a case. */
  async function onRoomMessage(message: Message, room: Room, talker: Contact): Promise<void> {
    const account = roomAccount({ id: room.id, topic: await room.topic() });
    const content = await contentOf(message);
    const roomIdentity = await deps.identities.find(WECHATY_CHANNEL, account.externalId);
    const code = content.kind === 'text' ? bindCodeOf(content.text) : null;
    if (code !== null) {
      await answer(room, account, await bindStaffAccount(deps.staffDesk, account, code, localeOf(roomIdentity)));
      return;
    }
    if (!(await message.mentionSelf())) return;
    const person = personOf({ id: talker.id, name: talker.name() });
    const identity = await deps.identities.find(WECHATY_CHANNEL, person.externalId);
    const staff = await activeStaff(identity);
    if (!staff) return;
    const replies = await staffTurn(staff, person, account.externalId, content, localeOf(identity));
    await answer(room, account, replies, { menuAccount: account.externalId });
  }

  async function staffTurn(staff: Staff, person: Person, menuAccount: string, content: WechatyContent, locale: Locale): Promise<Reply[]> {
    const inbound = toInbound(content);
    if (!inbound) return [];
    return handleStaffMessage(deps.staffDesk, staff, person, await asStaffChoice(person, menuAccount, inbound), locale, now());
  }

  /** "1" or "接单" answers the last numbered list the account was shown, unless a typed answer is awaited. */
  async function asStaffChoice(person: Person, menuAccount: string, inbound: InboundMessage): Promise<InboundMessage> {
    if (inbound.kind !== 'text') return inbound;
    const pending = await deps.staffDesk.pending.get(conversationKey(person));
    // A question for the complainant or a resolution is taken as written, even if it reads "1".
    if (pending && pending.kind !== 'transfer') return inbound;
    const menu = await menus.recall(menuAccount);
    const choiceId = menu ? pickChoice(inbound.text, menu) : null;
    return choiceId ? { kind: 'choice', choiceId } : inbound;
  }

  async function activeStaff(identity: ChannelIdentity | null): Promise<Staff | null> {
    if (identity?.kind !== 'staff' || !identity.staffId) return null;
    const staff = await deps.conversations.cases.store.staff.get(identity.staffId);
    return staff?.active ? staff : null;
  }

  function localeOf(identity: ChannelIdentity | null): Locale {
    return identity?.locale && identity.locale !== 'unknown' ? identity.locale : deps.conversations.catalog.defaultLocale;
  }

  /** Says the replies in the chat they answer; what cannot be said now goes through the outbox. */
  async function answer(to: Sayer, account: Person, replies: readonly Reply[], remember: { menuAccount?: string } = {}): Promise<void> {
    const choices = remember.menuAccount ? numberedChoices(replies) : null;
    if (remember.menuAccount && choices) await menus.remember(remember.menuAccount, choices);
    const texts = toWechatyTexts(replies);
    let said = 0;
    try {
      for (const text of texts) {
        await to.say(text);
        said += 1;
      }
    } catch (error) {
      log.warn({ err: error }, 'reply failed in the message turn; queued');
      // A room that is not bound has no identity to queue for; nothing it was told is a promise.
      const identity = roomIdOf(account.externalId)
        ? await deps.identities.find(WECHATY_CHANNEL, account.externalId)
        : await deps.identities.upsert({ channel: WECHATY_CHANNEL, externalId: account.externalId, kind: 'complainant' });
      if (!identity) return;
      const unsaid: Reply[] = texts.slice(said).map((text) => ({ kind: 'text', text }));
      await deps.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: identity.id }, kind: 'chat_replies', payload: { replies: unsaid } }]);
    }
  }

  async function contentOf(message: Message): Promise<WechatyContent> {
    const types = message.wechaty.Message.Type;
    const type = message.type();
    switch (type) {
      case types.Text:
        // In a room, "@bot 1" must read as "1".
        return { kind: 'text', text: message.room() ? await message.mentionText() : message.text() };
      case types.Image:
        return { kind: 'image' };
      case types.Location:
        try {
          // message.toLocation() throws in wechaty 1.20 (it builds a LocationImpl outside the bot, like
          // toUrlLink() did in wechaty/wechaty#2358): read the puppet's payload instead.
          const location = await message.wechaty.puppet.messageLocation(message.id);
          const label = [location.name, location.address].filter(Boolean).join(' ');
          return { kind: 'location', latitude: location.latitude, longitude: location.longitude, label };
        } catch (error) {
          log.debug({ err: error }, 'puppet cannot read locations');
          return { kind: 'other', type: 'Location' };
        }
      default:
        return { kind: 'other', type: types[type] ?? 'Unknown' };
    }
  }

  async function storeImage(message: Message, person: Person): Promise<InboundMessage> {
    let storagePath: string | null = null;
    let sizeBytes: number | null = null;
    let sha256: string | null = null;
    let contentType: string | null = null;
    try {
      const file = await message.toFileBox();
      contentType = file.mediaType.startsWith('image/') ? file.mediaType : null;
      // size is -1 when the puppet does not know it; then the stream is counted as it comes.
      sizeBytes = file.size > 0 ? file.size : null;
      const content = file.size > maxImageBytes ? null : await readAtMost(await file.toStream(), maxImageBytes);
      if (content) {
        sha256 = createHash('sha256').update(content).digest('hex');
        mkdirSync(options.attachmentsDir, { recursive: true });
        storagePath = join(options.attachmentsDir, `${sha256}${extensionOf(file.name, contentType)}`);
        writeFileSync(storagePath, content);
        sizeBytes = content.length;
      } else {
        log.warn({ messageId: message.id, sizeBytes, maxImageBytes }, 'photo larger than the limit; recorded without its file');
      }
    } catch (error) {
      // The photo still counts as evidence for the dialog; staff see that its file is missing.
      log.warn({ err: error, messageId: message.id }, 'photo download failed; recorded without its file');
    }
    const identity = await deps.identities.upsert({ channel: WECHATY_CHANNEL, externalId: person.externalId, kind: 'complainant', displayName: person.displayName ?? null });
    const stored = await deps.attachments.add({ channel: WECHATY_CHANNEL, externalRef: message.id, identityId: identity.id, contentType, sizeBytes, storagePath, sha256 });
    return { kind: 'image', attachmentId: stored.id };
  }

  async function isStaffRoom(room: Room): Promise<boolean> {
    if (staffRooms.size === 0) return false;
    return staffRooms.has(room.id) || staffRooms.has(await room.topic());
  }

  function loggedIn(what: string): Wechaty {
    if (!bot?.isLoggedIn) throw new SendError({ kind: 'transient' }, `WECHATY.NOT_LOGGED_IN: cannot ${what} before the account has logged in (scan the QR code in the logs).`);
    return bot;
  }

  async function sayAll(target: Sayer, replies: readonly Reply[], beforeEachMessage?: () => Promise<void>): Promise<void> {
    for (const text of toWechatyTexts(replies)) {
      await beforeEachMessage?.();
      try {
        await target.say(text);
      } catch (error) {
        throw new SendError({ kind: 'transient' }, `WECHATY.SAY_FAILED: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }

  async function findRoom(current: Wechaty, room: string): Promise<Room | undefined> {
    try {
      return (await current.Room.find({ id: room })) ?? (await current.Room.find({ topic: room }));
    } catch (error) {
      throw new SendError({ kind: 'transient' }, `WECHATY.LOOKUP_FAILED: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  const roomSender: WechatyRoomSender = {
    async send(room, replies) {
      const current = loggedIn('say something in a room');
      const found = await findRoom(current, room);
      if (!found) throw new SendError({ kind: 'unreachable' }, `WECHATY.ROOM_NOT_FOUND: the account is not a member of room ${room}.`);
      await sayAll(found, replies);
    },
    async broadcast(replies) {
      let reached = 0;
      for (const room of staffRooms) {
        try {
          await roomSender.send(room, replies);
          reached += 1;
        } catch (error) {
          log.warn({ err: error, room }, 'staff room not reached');
        }
      }
      return reached;
    },
  };

  function track(work: Promise<void>): void {
    const running = work
      .catch((error: unknown) => log.error({ err: error }, 'message handling failed'))
      .finally(() => inFlight.delete(running));
    inFlight.add(running);
  }

  async function idle(): Promise<void> {
    while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
  }

  return {
    sender: {
      channel: WECHATY_CHANNEL,
      async send(externalId, replies, sendOptions) {
        if (toWechatyTexts(replies).length === 0) return;
        const current = loggedIn('send a notification');
        const roomId = roomIdOf(externalId);
        let target: Contact | Room | undefined;
        try {
          target = roomId ? await current.Room.find({ id: roomId }) : await current.Contact.find({ id: externalId });
        } catch (error) {
          throw new SendError({ kind: 'transient' }, `WECHATY.LOOKUP_FAILED: ${error instanceof Error ? error.message : String(error)}`);
        }
        if (!target) {
          throw new SendError({ kind: 'unreachable' }, roomId ? `WECHATY.ROOM_NOT_FOUND: the account left room ${roomId}.` : `WECHATY.CONTACT_NOT_FOUND: ${externalId} is not a contact of the account.`);
        }
        // Assignment cards carry numbered actions: remember them so that "1" can be answered.
        const choices = numberedChoices(replies);
        if (choices) await menus.remember(externalId, choices);
        await sayAll(target, replies, sendOptions?.beforeEachMessage);
      },
    },
    roomSender,
    idle,
    isLoggedIn: () => bot?.isLoggedIn ?? false,

    async start() {
      if (bot) return;
      const wechaty = loadWechaty();
      if (options.name && isAbsolute(options.name)) mkdirSync(dirname(options.name), { recursive: true });
      const instance = wechaty.WechatyBuilder.build({
        puppet: options.puppet,
        ...(options.puppetOptions ? { puppetOptions: options.puppetOptions } : {}),
        ...(options.name ? { name: options.name } : {}),
      } as WechatyOptions);
      const { ScanStatus } = wechaty;
      instance.on('scan', (qrcode, status) => {
        if (status === ScanStatus.Waiting || status === ScanStatus.Timeout) {
          log.info({ qrcodeUrl: wechaty.qrcodeValueToImageUrl(qrcode), status: ScanStatus[status] }, 'scan the QR code with the service account’s WeChat to log in');
        }
      });
      instance.on('login', (user) => log.info({ account: user.id }, 'logged in'));
      instance.on('logout', (user, reason) => log.warn({ account: user.id, reason }, 'logged out: messages wait until the account logs in again'));
      // Without a listener an 'error' event would throw; wechaty also reports lookups of vanished contacts here.
      instance.on('error', (error) => log.warn({ err: error }, 'wechaty reported an error'));
      instance.on('message', (message) => track(onMessage(message)));
      startedAt = Date.now();
      bot = instance;
      try {
        await instance.start();
      } catch (error) {
        bot = undefined;
        const puppet = typeof options.puppet === 'string' ? options.puppet : 'instance';
        throw new WechatyChannelError(
          'WECHATY.START_FAILED',
          `wechaty could not start puppet ${puppet}: ${error instanceof Error ? error.message : String(error)}. Check that WECHATY_PUPPET names an installed puppet package and that its options (token, endpoint) are right.`,
        );
      }
      log.info({ puppet: typeof options.puppet === 'string' ? options.puppet : 'instance', staffRooms: [...staffRooms] }, 'wechaty started');
    },

    async stop() {
      const current = bot;
      if (!current) return;
      bot = undefined;
      await idle();
      await current.stop();
    },
  };
}

/**
 * wechaty is loaded on start only, so a deployment without WECHATY_PUPPET never loads it. Its
 * CommonJS build, not import(): a puppet instance handed in (the tests' PuppetMock) is built on
 * the CommonJS wechaty-puppet and file-box, and import() would bring in second, ESM copies.
 */
function loadWechaty(): typeof WechatyModule {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require('wechaty') as typeof WechatyModule;
  } catch (error) {
    throw new WechatyChannelError('WECHATY.NOT_INSTALLED', `the wechaty package could not be loaded (${error instanceof Error ? error.message : String(error)}): run npm install, or unset WECHATY_PUPPET.`);
  }
}

async function readAtMost(stream: Readable, maxBytes: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > maxBytes) {
      stream.destroy();
      return null;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

const EXTENSIONS: Record<string, string> = { 'image/jpeg': '.jpg', 'image/png': '.png', 'image/gif': '.gif', 'image/webp': '.webp', 'image/heic': '.heic' };

function extensionOf(name: string, contentType: string | null): string {
  const match = /\.[A-Za-z0-9]{1,5}$/.exec(name);
  if (match) return match[0].toLowerCase();
  return (contentType && EXTENSIONS[contentType]) ?? '';
}
