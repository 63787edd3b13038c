import type { Person } from '../../application/conversation-service';
import type { InboundMessage, Reply } from '../../conversation/messages';
import type { Logger } from '../../logger';
import { createWechatCipher, encryptedReply, verifySignature, WechatCryptoError, type WechatCipher } from '../wechat-crypto/wechat-crypto';
import { toInbound, type WechatInbound, type WechatUnsupported } from './inbound';
import { answerOnce } from './answer-once';
import type { ReplyLedger } from './reply-ledger';
import { toPassiveText } from './render';
import { parseWechatXml, textReplyXml, type WechatFields } from './xml';

export interface WechatOfficialOptions {
  /** 服务器配置 → Token. */
  token: string;
  /** The account's AppID: the trailer every safe-mode message must carry. */
  appId: string;
  /** 服务器配置 → EncodingAESKey; without it only plaintext and compatible mode work. */
  encodingAesKey?: string;
  /** How long the dialog may take before the answer goes out through the customer-service API instead. */
  replyBudgetMs?: number;
  /** Requests whose timestamp is further from our clock than this are refused as replays. */
  maxClockSkewMs?: number;
}

export interface WechatOfficialDeps {
  /** The dialog (or the staff desk) for one message; wired by the caller. */
  respond(person: Person, message: InboundMessage, turn?: string): Promise<Reply[]>;
  /** Delivers replies the passive answer could not carry, through the customer-service API. */
  sendLater(openid: string, replies: Reply[]): Promise<void>;
  /** Downloads a photo (temporary media expire after 3 days) and returns its attachment id. */
  storeImage(openid: string, mediaId: string, picUrl: string): Promise<string>;
  /** What to tell someone whose message the dialog cannot take (a voice note without recognition); silence when absent. */
  unsupported?(person: Person, reason: WechatUnsupported): Promise<Reply[]>;
  /**
   * Told of every message that opens the customer-service window (ServiceWindow.recordInbound fits);
   * called again for WeChat's retries with the same `at`.
   */
  recordInbound?(openid: string, at: Date, kind: 'message' | 'menu'): Promise<void>;
  ledger: ReplyLedger;
  logger: Logger;
  now?: () => Date;
}

/** The query string WeChat signs its callbacks with. */
export interface WechatCallbackQuery {
  signature?: string;
  timestamp?: string;
  nonce?: string;
  echostr?: string;
  encrypt_type?: string;
  msg_signature?: string;
}

/** What to answer WeChat, independent of the web framework. */
export type WechatAnswer =
  | { kind: 'text'; body: string }
  | { kind: 'xml'; body: string }
  | { kind: 'refused'; status: 400 | 401 | 413 | 500; code: string; message: string; details: Record<string, unknown> };

export interface WechatCallbackHandler {
  /** `GET`: the URL check when the server address is saved in the admin console. */
  verifyUrl(query: WechatCallbackQuery): WechatAnswer;
  /** `POST`: one message or event. */
  handleMessage(query: WechatCallbackQuery, body: string): Promise<WechatAnswer>;
  /** Resolves once replies still being worked on past the budget have been delivered (shutdown, tests). */
  drain(): Promise<void>;
}

// WeChat drops the connection after 5 seconds and retries; a second is left for the network and the reply.
const DEFAULT_REPLY_BUDGET_MS = 4000;
const DEFAULT_MAX_CLOCK_SKEW_MS = 5 * 60_000;
// A body of `success` tells WeChat the message was taken and stops its retries without showing anything.
const SUCCESS: WechatAnswer = { kind: 'text', body: 'success' };

interface Decoded {
  fields: WechatFields;
  /** Set when the request was encrypted: the reply must be too. */
  cipher: WechatCipher | null;
}

export function createCallbackHandler(options: WechatOfficialOptions, deps: WechatOfficialDeps): WechatCallbackHandler {
  const cipher = options.encodingAesKey ? createWechatCipher({ encodingAesKey: options.encodingAesKey, receiverId: options.appId }) : null;
  const budgetMs = options.replyBudgetMs ?? DEFAULT_REPLY_BUDGET_MS;
  const maxSkewMs = options.maxClockSkewMs ?? DEFAULT_MAX_CLOCK_SKEW_MS;
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ channel: 'wechat' });
  const once = answerOnce({ ledger: deps.ledger, budgetMs, log });

  function authenticate(query: WechatCallbackQuery): WechatAnswer | null {
    const { signature, timestamp, nonce } = query;
    if (!signature || !timestamp || !nonce || !verifySignature(signature, [options.token, timestamp, nonce])) {
      return refused(401, 'WECHAT.BAD_SIGNATURE', 'signature does not match: check that WECHAT_TOKEN equals the Token under 服务器配置.');
    }
    if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now().getTime() - Number(timestamp) * 1000) > maxSkewMs) {
      return refused(401, 'WECHAT.STALE_TIMESTAMP', `timestamp is more than ${maxSkewMs / 1000} s from our clock: a replay, or this server's clock is wrong.`, { timestamp });
    }
    return null;
  }

  function decode(query: WechatCallbackQuery, body: string): Decoded | WechatAnswer {
    const outer = parseWechatXml(body);
    if (!outer.ok) return refused(outer.error.code === 'WECHAT.XML_TOO_LARGE' ? 413 : 400, outer.error.code, outer.error.message);
    if (query.encrypt_type !== 'aes') return { fields: outer.fields, cipher: null };
    const encrypted = outer.fields.Encrypt;
    if (!encrypted) return refused(400, 'WECHAT.MISSING_ENCRYPT', 'encrypt_type=aes but the body has no Encrypt field.');
    if (!verifySignature(query.msg_signature, [options.token, query.timestamp ?? '', query.nonce ?? '', encrypted])) {
      return refused(401, 'WECHAT.BAD_MSG_SIGNATURE', 'msg_signature does not match the Encrypt field: check WECHAT_TOKEN.');
    }
    if (!cipher) {
      // Compatible mode sends the plain fields alongside Encrypt; safe mode sends only Encrypt.
      if (outer.fields.MsgType) return { fields: outer.fields, cipher: null };
      return refused(500, 'WECHAT.NO_AES_KEY', 'The account is in safe mode: set WECHAT_ENCODING_AES_KEY to the EncodingAESKey under 服务器配置.');
    }
    let xml: string;
    try {
      xml = cipher.decrypt(encrypted);
    } catch (error) {
      if (!(error instanceof WechatCryptoError)) throw error;
      const status = error.code === 'WECHAT_CRYPTO.RECEIVER_MISMATCH' ? 401 : 400;
      return refused(status, error.code, error.message, error.details);
    }
    const inner = parseWechatXml(xml);
    if (!inner.ok) return refused(400, inner.error.code, inner.error.message);
    return { fields: inner.fields, cipher };
  }

  function passive(query: WechatCallbackQuery, inbound: WechatInbound, decoded: Decoded, text: string): WechatAnswer {
    if (!text) return SUCCESS;
    const xml = textReplyXml({ toUser: inbound.person.externalId, fromUser: inbound.accountId, createTime: Math.floor(now().getTime() / 1000), content: text });
    if (!decoded.cipher) return { kind: 'xml', body: xml };
    return { kind: 'xml', body: encryptedReply({ token: options.token, cipher: decoded.cipher, xml, timestamp: query.timestamp ?? '', nonce: query.nonce ?? '' }) };
  }

  async function converse(inbound: WechatInbound & { message: NonNullable<WechatInbound['message']> }): Promise<Reply[]> {
    const { person, message } = inbound;
    // The message id makes the turn run once, even if a retry comes after a crash.
    const turn = `wechat:${inbound.dedupeKey}`;
    if (message.kind !== 'photo') return deps.respond(person, message, turn);
    const attachmentId = await deps.storeImage(person.externalId, message.mediaId, message.picUrl);
    return deps.respond(person, { kind: 'image', attachmentId }, turn);
  }

  return {
    verifyUrl(query) {
      return authenticate(query) ?? { kind: 'text', body: query.echostr ?? '' };
    },

    async handleMessage(query, body) {
      const refusal = authenticate(query);
      if (refusal) return refusal;
      const decoded = decode(query, body);
      if ('kind' in decoded) return decoded;
      const mapped = toInbound(decoded.fields);
      if (!mapped.ok) return refused(400, 'WECHAT.BAD_MESSAGE', 'The message lacks fields WeChat always sends, or they cannot be read.', { invalid: mapped.invalid });
      const { inbound } = mapped;
      const { message } = inbound;
      if (inbound.opensWindow && deps.recordInbound) {
        // A failure here only costs later customer-service messages; the passive answer goes out regardless.
        await deps.recordInbound(inbound.person.externalId, inbound.sentAt, inbound.opensWindow).catch((error: unknown) => log.warn({ err: error }, 'service window not recorded'));
      }
      if (!message) {
        if (!inbound.unsupported || !deps.unsupported) return SUCCESS;
        return passive(query, inbound, decoded, toPassiveText(await deps.unsupported(inbound.person, inbound.unsupported)));
      }

      const answer = await once.answer({
        key: inbound.dedupeKey,
        respond: () => converse({ ...inbound, message }),
        passiveText: toPassiveText,
        sendLater: (replies) => deps.sendLater(inbound.person.externalId, replies),
      });
      if (answer.kind === 'failed') return refused(500, 'WECHAT.HANDLER_FAILED', 'The message could not be handled; WeChat retries it.');
      return passive(query, inbound, decoded, answer.text);
    },

    drain: () => once.drain(),
  };
}

function refused(status: 400 | 401 | 413 | 500, code: string, message: string, details: Record<string, unknown> = {}): WechatAnswer {
  return { kind: 'refused', status, code, message, details };
}
