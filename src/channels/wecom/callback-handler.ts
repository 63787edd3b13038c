import type { Person } from '../../application/conversation-service';
import type { Reply } from '../../conversation/messages';
import type { Logger } from '../../logger';
import { createWechatCipher, encryptedReply, verifySignature, WechatCryptoError } from '../wechat-crypto/wechat-crypto';
import { answerOnce } from '../wechat-official/answer-once';
import type { ReplyLedger } from '../wechat-official/reply-ledger';
import { parseWechatXml, textReplyXml, type WechatFields } from '../wechat-official/xml';
import { APP_TEXT_BYTES } from './api-client';
import { toWecomInbound, type WecomInbound, type WecomMessage } from './inbound';
import { toWecomPassiveText } from './render';
import { truncateUtf8 } from './utf8';

export interface WecomCallbackOptions {
  /** 接收消息 → Token (WECOM_TOKEN). */
  token: string;
  /** 接收消息 → EncodingAESKey (WECOM_ENCODING_AES_KEY); WeCom callbacks are always encrypted. */
  encodingAesKey: string;
  /** 企业ID: the trailer of every encrypted message. */
  corpId: string;
  /** The application's AgentId; messages to another application of the corp are ignored. */
  agentId: string;
  /** How long handling may take before the answer goes out as an application message instead. */
  replyBudgetMs?: number;
  /** Requests whose timestamp is further from our clock than this are refused as replays. */
  maxClockSkewMs?: number;
}

export interface WecomCallbackDeps {
  /** The staff desk for one message (staff-actions.ts respondToMember). */
  respond(person: Person, message: WecomMessage): Promise<Reply[]>;
  /** Delivers replies the passive answer could not carry, as application messages. */
  sendLater(userid: string, replies: Reply[]): Promise<void>;
  ledger: ReplyLedger;
  logger: Logger;
  now?: () => Date;
}

/** The query string WeCom signs its callbacks with. */
export interface WecomCallbackQuery {
  msg_signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
}

/** What to answer WeCom, independent of the web framework. */
export type WecomAnswer =
  | { kind: 'text'; body: string }
  | { kind: 'xml'; body: string }
  | { kind: 'refused'; status: 400 | 401 | 413 | 500; code: string; message: string; details: Record<string, unknown> };

export interface WecomCallbackHandler {
  /** `GET`: the URL check when the callback address is saved; the answer is the decrypted echostr. */
  verifyUrl(query: WecomCallbackQuery): WecomAnswer;
  /** `POST`: one encrypted message or event. */
  handleMessage(query: WecomCallbackQuery, body: string): Promise<WecomAnswer>;
  /** Resolves once replies still being worked on past the budget have been delivered (shutdown, tests). */
  drain(): Promise<void>;
}

// WeCom drops the connection after 5 seconds and retries (three tries in all); a second is left for the network.
const DEFAULT_REPLY_BUDGET_MS = 4000;
const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;
// An empty 200 takes the message without a passive reply and stops the retries.
const NOTHING: WecomAnswer = { kind: 'text', body: '' };

export function createWecomCallbackHandler(options: WecomCallbackOptions, deps: WecomCallbackDeps): WecomCallbackHandler {
  const cipher = createWechatCipher({ encodingAesKey: options.encodingAesKey, receiverId: options.corpId });
  const budgetMs = options.replyBudgetMs ?? DEFAULT_REPLY_BUDGET_MS;
  const maxSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ channel: 'wecom' });
  const once = answerOnce({ ledger: deps.ledger, budgetMs, log });
  // Keys of the shared ledger are namespaced: WeChat's MsgIds live in the same key space.
  const ledgerKey = (key: string) => `wecom:${options.corpId}:${key}`;

  /** Checks msg_signature over `sealed` (echostr or Encrypt) and the timestamp, then decrypts. */
  function open(query: WecomCallbackQuery, sealed: string | undefined): { plain: string } | WecomAnswer {
    const { msg_signature: signature, timestamp, nonce } = query;
    if (!signature || !timestamp || !nonce || !sealed || !verifySignature(signature, [options.token, timestamp, nonce, sealed])) {
      return refused(401, 'WECOM.BAD_SIGNATURE', 'msg_signature does not match: check that WECOM_TOKEN equals the Token under 接收消息 → API接收.');
    }
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now().getTime() - Number(timestamp) * 1000) > maxSkewMs) {
      return refused(401, 'WECOM.STALE_TIMESTAMP', `timestamp is more than ${maxSkewMs / 1000} s from our clock: a replay, or this server's clock is wrong.`, { timestamp });
    }
    try {
      return { plain: cipher.decrypt(sealed) };
    } catch (error) {
      if (!(error instanceof WechatCryptoError)) throw error;
      return refused(error.code === 'WECHAT_CRYPTO.RECEIVER_MISMATCH' ? 401 : 400, error.code, error.message, error.details);
    }
  }

  function decode(query: WecomCallbackQuery, body: string): { fields: WechatFields } | WecomAnswer {
    const outer = parseWechatXml(body);
    if (!outer.ok) return refused(outer.error.code === 'WECHAT.XML_TOO_LARGE' ? 413 : 400, outer.error.code, outer.error.message);
    const encrypted = outer.fields.Encrypt;
    if (!encrypted) return refused(400, 'WECOM.MISSING_ENCRYPT', 'WeCom callbacks are encrypted, but the body has no Encrypt field.');
    const opened = open(query, encrypted);
    if ('kind' in opened) return opened;
    const inner = parseWechatXml(opened.plain);
    if (!inner.ok) return refused(400, inner.error.code, inner.error.message);
    return { fields: inner.fields };
  }

  function passive(query: WecomCallbackQuery, inbound: WecomInbound, text: string): WecomAnswer {
    if (!text) return NOTHING;
    const xml = textReplyXml({
      toUser: inbound.person.externalId,
      fromUser: options.corpId,
      createTime: Math.floor(now().getTime() / 1000),
      content: truncateUtf8(text, APP_TEXT_BYTES),
    });
    return { kind: 'xml', body: encryptedReply({ token: options.token, cipher, xml, timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' }) };
  }

  return {
    verifyUrl(query) {
      // The echostr is base64: a '+' that reached us unencoded was read as a space.
      const opened = open(query, query.echostr?.replaceAll(' ', '+'));
      return 'kind' in opened ? opened : { kind: 'text', body: opened.plain };
    },

    async handleMessage(query, body) {
      const decoded = decode(query, body);
      if ('kind' in decoded) return decoded;
      const mapped = toWecomInbound(decoded.fields);
      if (!mapped.ok) return refused(400, 'WECOM.BAD_MESSAGE', 'The message lacks fields WeCom always sends, or they cannot be read.', { invalid: mapped.invalid });
      const { inbound } = mapped;
      if (inbound.agentId !== null && inbound.agentId !== options.agentId.trim()) {
        log.warn({ agentId: inbound.agentId }, 'message for another application of the corp; ignored (check WECOM_AGENT_ID)');
        return NOTHING;
      }
      const { message } = inbound;
      if (!message) return NOTHING;

      const answer = await once.answer({
        key: ledgerKey(inbound.dedupeKey),
        respond: () => deps.respond(inbound.person, message),
        passiveText: toWecomPassiveText,
        sendLater: (replies) => deps.sendLater(inbound.person.externalId, replies),
      });
      if (answer.kind === 'failed') return refused(500, 'WECOM.HANDLER_FAILED', 'The message could not be handled; WeCom retries it.');
      return passive(query, inbound, answer.text);
    },

    drain: () => once.drain(),
  };
}

function refused(status: 400 | 401 | 413 | 500, code: string, message: string, details: Record<string, unknown> = {}): WecomAnswer {
  return { kind: 'refused', status, code, message, details };
}
