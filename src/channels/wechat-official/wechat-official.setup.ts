import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { conversationKey, handleMessage, type ConversationDeps, type Person } from '../../application/conversation-service';
import type { ChannelSender } from '../../application/notifications';
import type { AttachmentRepository, ChannelIdentity, IdentityRepository, OutboxRepository, Staff } from '../../application/ports';
import { bindStaffAccount, handleStaffMessage, type StaffDeskDeps } from '../../application/staff-desk';
import type { InboundMessage, Locale, Reply } from '../../conversation/messages';
import { say, t } from '../../conversation/text';
import { findCaseNumbers } from '../../domain/case-number';
import type { Logger } from '../../logger';
import { bindCodeOf, pickChoice } from '../wechaty/inbound';
import { numberedChoices } from '../wechaty/render';
import { redisStaffMenus } from '../wechaty/staff-menus';
import { createWechatApiClient, type WechatTemplateMessage } from './api-client';
import type { WechatUnsupported } from './inbound';
import { toPassiveText, toWechatText, toWechatTexts } from './render';
import { createServiceWindow } from './service-window';
import { createWechatOfficialChannel } from './wechat-official.channel';
import { createWechatSender, type WechatTemplateFallback } from './wechat.sender';

/** The identity channel of Official Account users; their externalId is the openid. */
export const WECHAT_CHANNEL = 'wechat';

export interface WechatOfficialSetupOptions {
  /** 服务器配置 → Token (WECHAT_TOKEN). */
  token: string;
  /** WECHAT_APPID: signs safe-mode messages and fetches the access token. */
  appId: string;
  /** WECHAT_APPSECRET. */
  appSecret: string;
  /** WECHAT_ENCODING_AES_KEY; without it only plaintext and compatible mode work. */
  encodingAesKey?: string;
  /** https://api.weixin.qq.com (WECHAT_API_BASE). */
  apiBase: string;
  /** Evidence photos are copied here: temporary media expire after 3 days. */
  attachmentsDir: string;
  /** How long the dialog may take before the answer goes through the customer-service API instead (default 4 s). */
  replyBudgetMs?: number;
  /**
   * A template message for pushes outside the 48-hour customer-service window. Its fields:
   * `first` and `remark` (fixed wording in the user's script; WeChat no longer shows them on
   * current clients), `keyword1` the case number, `keyword2` the update itself.
   * Without it, users outside the window cannot be reached and such pushes are dead-lettered.
   */
  statusTemplateId?: string;
  /** A photo larger than this is recorded by its MediaId only. Default 10 MB, WeChat's own limit for images. */
  maxImageBytes?: number;
}

export interface WechatOfficialSetupDeps {
  conversations: ConversationDeps;
  /** Staff accounts bound with `/bind CODE` or `绑定 CODE` act on their assignments here. */
  staffDesk: StaffDeskDeps;
  attachments: AttachmentRepository;
  identities: IdentityRepository;
  /** What could not be said after the 5 seconds is queued here for the notification worker. */
  outbox: OutboxRepository;
  redis: Redis;
  logger: Logger;
}

export interface WechatOfficial {
  /** `GET` and `POST /wechat`. */
  router: Router;
  /** Notifications to openids (channel `wechat`): customer-service texts, a template message outside the window. */
  sender: ChannelSender;
  /** Resolves once replies still being worked on after the 5 seconds are delivered (shutdown, tests). */
  drain(): Promise<void>;
}

const DEFAULT_MAX_IMAGE_BYTES = 10 * 1024 * 1024;
// A template field holds a short value; a long update is cut rather than refused with 47003.
const TEMPLATE_VALUE_MAX_CHARS = 200;
const IMAGE_EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/jpg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/bmp': 'bmp',
};

/** The Official Account channel wired to the dialog, the staff desk, the attachments and the notification queue. */
export function createWechatOfficial(options: WechatOfficialSetupOptions, deps: WechatOfficialSetupDeps): WechatOfficial {
  const log = deps.logger.child({ channel: WECHAT_CHANNEL });
  const maxImageBytes = options.maxImageBytes ?? DEFAULT_MAX_IMAGE_BYTES;
  const client = createWechatApiClient({ apiBase: options.apiBase, appId: options.appId, appSecret: options.appSecret, redis: deps.redis });
  const window = createServiceWindow({ redis: deps.redis });
  // WeChat has no buttons: a staff member answers an assignment card's numbered list with "1".
  const menus = redisStaffMenus(deps.redis);
  const { renderer, catalog } = deps.conversations;

  const localeOf = (identity: ChannelIdentity | null): Locale =>
    identity?.locale && identity.locale !== 'unknown' ? identity.locale : catalog.defaultLocale;
  const findIdentity = (openid: string) => deps.identities.find(WECHAT_CHANNEL, openid);
  const identityFor = async (openid: string) =>
    (await findIdentity(openid)) ?? (await deps.identities.upsert({ channel: WECHAT_CHANNEL, externalId: openid, kind: 'complainant' }));

  async function activeStaff(identity: ChannelIdentity | null): Promise<Staff | null> {
    if (identity?.kind !== 'staff' || !identity.staffId) return null;
    const staff = await deps.conversations.cases.store.staff.get(identity.staffId);
    return staff?.active ? staff : null;
  }

  const sender: ChannelSender = {
    channel: WECHAT_CHANNEL,
    async send(openid, replies, sendOptions) {
      const identity = await findIdentity(openid);
      if (identity?.kind === 'staff') await rememberMenu(openid, replies);
      const templates = options.statusTemplateId ? statusTemplate(options.statusTemplateId, localeOf(identity)) : undefined;
      // Built per send: the template speaks the recipient's script.
      const wechat = createWechatSender({ client, window, renderText: toWechatText, log, ...(templates ? { templates } : {}) });
      await wechat.send(openid, replies, sendOptions);
    },
  };

  /** The status template: case number and update in the keywords, which every WeChat client shows. */
  function statusTemplate(templateId: string, locale: Locale): WechatTemplateFallback {
    const [first = '', remark = ''] = renderer.render([say(t('wechat.template.first')), say(t('wechat.template.remark'))], locale).map(toWechatText);
    return {
      toTemplate(replies): WechatTemplateMessage | null {
        const update = toWechatTexts(replies).join('\n');
        const number = findCaseNumbers(update)[0]?.caseNumber;
        // Only a case update fits the template; a dialog question outside the window waits for the user.
        if (!number) return null;
        return {
          templateId,
          data: { first: { value: first }, keyword1: { value: number }, keyword2: { value: cut(update, TEMPLATE_VALUE_MAX_CHARS) }, remark: { value: remark } },
        };
      },
    };
  }

  async function rememberMenu(openid: string, replies: readonly Reply[]): Promise<void> {
    const choices = numberedChoices(replies);
    if (choices) await menus.remember(conversationKey({ channel: WECHAT_CHANNEL, externalId: openid }), choices);
  }

  /** Bound staff go to the staff desk, a binding code binds, everyone else talks to the complaint dialog. */
  async function respond(person: Person, message: InboundMessage, turn?: string): Promise<Reply[]> {
    const now = new Date();
    const identity = await findIdentity(person.externalId);
    const locale = localeOf(identity);
    const code = message.kind === 'text' ? bindCodeOf(message.text) : null;
    if (code !== null) return bindStaffAccount(deps.staffDesk, person, code, locale);
    const staff = await activeStaff(identity);
    if (staff) {
      const replies = await handleStaffMessage(deps.staffDesk, staff, person, await asStaffChoice(person, message), locale, now);
      await rememberMenu(person.externalId, replies);
      return replies;
    }
    return handleMessage(deps.conversations, person, asCommand(message), now, turn === undefined ? {} : { turn });
  }

  /** "1" or "接单" answers the last numbered list the staff member was shown, unless a typed answer is awaited. */
  async function asStaffChoice(person: Person, message: InboundMessage): Promise<InboundMessage> {
    if (message.kind !== 'text') return message;
    const account = conversationKey(person);
    const pending = await deps.staffDesk.pending.get(account);
    // A question for the complainant or a resolution is taken as written, even if it reads "1".
    if (pending && pending.kind !== 'transfer') return message;
    const menu = await menus.recall(account);
    const choiceId = menu ? pickChoice(message.text, menu) : null;
    return choiceId ? { kind: 'choice', choiceId } : message;
  }

  /** Delivers what the passive reply could not carry; when WeChat refuses, the outbox keeps it for the notification worker. */
  async function sendLater(openid: string, replies: Reply[]): Promise<void> {
    const text = toPassiveText(replies);
    if (!text) return;
    // One message, as the passive reply would have been: it spends one of the window's 5, and cannot half-succeed.
    const late: Reply[] = [{ kind: 'text', text }];
    try {
      await sender.send(openid, late);
    } catch (error) {
      log.warn({ err: error }, 'reply after the 5-second window not delivered; queued');
      const identity = await identityFor(openid);
      await deps.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: identity.id }, kind: 'chat_replies', payload: { replies: late } }]);
    }
  }

  async function storeImage(openid: string, mediaId: string): Promise<string> {
    let storagePath: string | null = null;
    let sizeBytes: number | null = null;
    let sha256: string | null = null;
    let contentType: string | null = null;
    try {
      const media = await client.downloadMedia(mediaId);
      contentType = media.contentType.split(';')[0]?.trim().toLowerCase() || null;
      sizeBytes = media.content.length;
      if (media.content.length <= maxImageBytes) {
        sha256 = createHash('sha256').update(media.content).digest('hex');
        await mkdir(options.attachmentsDir, { recursive: true });
        const path = join(options.attachmentsDir, `${sha256}.${IMAGE_EXTENSIONS[contentType ?? ''] ?? 'bin'}`);
        await writeFile(path, media.content);
        storagePath = path;
      } else {
        log.warn({ mediaId, sizeBytes, maxImageBytes }, 'photo larger than the limit; kept the MediaId only');
      }
    } catch (error) {
      // The MediaId still fetches the photo for 3 days; the dialog counts the photo either way.
      log.warn({ err: error, mediaId }, 'photo download failed; kept the MediaId');
    }
    const identity = await identityFor(openid);
    const stored = await deps.attachments.add({ channel: WECHAT_CHANNEL, externalRef: mediaId, identityId: identity.id, contentType, sizeBytes, storagePath, sha256 });
    return stored.id;
  }

  async function unsupported(person: Person, reason: WechatUnsupported): Promise<Reply[]> {
    return renderer.render([say(t(`wechat.unsupported.${reason}`))], localeOf(await findIdentity(person.externalId)));
  }

  const channel = createWechatOfficialChannel(
    {
      token: options.token,
      appId: options.appId,
      ...(options.encodingAesKey ? { encodingAesKey: options.encodingAesKey } : {}),
      ...(options.replyBudgetMs !== undefined ? { replyBudgetMs: options.replyBudgetMs } : {}),
    },
    {
      respond,
      sendLater,
      storeImage,
      unsupported,
      recordInbound: (openid, at, kind) => window.recordInbound(openid, at, kind),
      redis: deps.redis,
      logger: deps.logger,
    },
  );

  return { router: channel.router, sender, drain: () => channel.handler.drain() };
}

/** The slash commands of Telegram and the terminal (`/lang`, `/status TS-…`, `/cancel`), typed as text in WeChat. */
function asCommand(message: InboundMessage): InboundMessage {
  if (message.kind !== 'text') return message;
  const command = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(message.text.trim());
  return command ? { kind: 'command', command: command[1]!.toLowerCase(), args: (command[2] ?? '').trim() } : message;
}

function cut(text: string, maxChars: number): string {
  const characters = [...text];
  return characters.length <= maxChars ? text : `${characters.slice(0, maxChars - 1).join('')}…`;
}
