import { SendError, type ChannelSender, type SendFailure, type SendOptions } from '../../application/notifications';
import type { Reply } from '../../conversation/messages';
import { WechatApiError, type WechatApiClient, type WechatTemplateMessage } from './api-client';
import type { ServiceWindow } from './service-window';

export type WechatSendErrorCode =
  /** Outside the customer-service window (or its quota used) and no template to fall back on. */
  | 'WECHAT.WINDOW_CLOSED'
  /** The user unfollowed the account (43004). */
  | 'WECHAT.NOT_FOLLOWING'
  /** The user did not accept (or used up) the subscription notice (43101). */
  | 'WECHAT.SUBSCRIPTION_REFUSED'
  /** An API quota is used up (45009 daily, 45011 per minute). */
  | 'WECHAT.QUOTA'
  /** The account is set up wrongly: IP whitelist (40164), API not granted (48001), template fields (47003). */
  | 'WECHAT.ACCOUNT_SETUP'
  /** Any other errcode: the request itself is wrong. */
  | 'WECHAT.REJECTED'
  /** WeChat busy (-1), a 5xx, no answer, or a token that kept being rejected. */
  | 'WECHAT.UNAVAILABLE';

/** A SendError with a stable code; the notification worker acts on `failure`, operators read `code`. */
export class WechatSendError extends SendError {
  constructor(
    readonly code: WechatSendErrorCode,
    failure: SendFailure,
    message: string,
  ) {
    super(failure, `${code}: ${message}`);
  }
}

export interface WechatSenderLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface WechatTemplateFallback {
  /** Our replies → a template message for users outside the window; null when no template fits them. */
  toTemplate(replies: readonly Reply[]): WechatTemplateMessage | null;
}

export interface WechatSenderOptions {
  client: Pick<WechatApiClient, 'sendText' | 'sendTemplate'>;
  window: ServiceWindow;
  /** One reply → the text of one customer-service message (render.ts). */
  renderText(reply: Reply): string;
  /** Without it, users outside the window cannot be reached: sends fail as permanent. */
  templates?: WechatTemplateFallback;
  log: WechatSenderLog;
  now?: () => Date;
}

/** WeChat's answers meaning "the customer-service window is closed or its quota used". */
const WINDOW_ERRCODES = new Set([45015, 45047]);

/**
 * Delivers replies as customer-service texts while the user's window is open and has quota;
 * what is left when it closes goes as one template message, when one is configured.
 */
export function createWechatSender(options: WechatSenderOptions): ChannelSender {
  const { client, window, log } = options;
  const now = options.now ?? (() => new Date());

  async function sendTemplate(openid: string, pending: readonly Reply[], reason: string, sendOptions: SendOptions | undefined): Promise<void> {
    if (!options.templates) {
      throw new WechatSendError(
        'WECHAT.WINDOW_CLOSED',
        { kind: 'permanent' },
        `${reason}; the user must write to the account first (or configure a template message fallback).`,
      );
    }
    const template = options.templates.toTemplate(pending);
    if (!template) {
      throw new WechatSendError('WECHAT.WINDOW_CLOSED', { kind: 'permanent' }, `${reason}, and no template message maps these replies.`);
    }
    log.info({ templateId: template.templateId, replies: pending.length, reason }, 'WeChat window closed; sending a template message');
    await sendOptions?.beforeEachMessage?.();
    try {
      await client.sendTemplate(openid, template);
    } catch (error) {
      throw report(error);
    }
  }

  function report(error: unknown): SendError {
    const sendError = toSendError(error, now());
    const alert = sendError.code === 'WECHAT.QUOTA' || sendError.code === 'WECHAT.ACCOUNT_SETUP';
    if (alert) log.error({ code: sendError.code, reason: sendError.message }, 'WeChat refused a send; the account needs attention');
    return sendError;
  }

  return {
    channel: 'wechat',
    async send(openid, replies, sendOptions) {
      for (const [index, reply] of replies.entries()) {
        const text = options.renderText(reply);
        // WeChat refuses empty content (44004), and it would cost a message of the quota.
        if (text.trim() === '') continue;
        const pending = replies.slice(index);
        if (!(await window.tryConsume(openid, now()))) {
          return sendTemplate(openid, pending, 'outside the 48-hour customer-service window or its 5 messages are used', sendOptions);
        }
        await sendOptions?.beforeEachMessage?.();
        try {
          await client.sendText(openid, text);
        } catch (error) {
          if (!(error instanceof WechatApiError) || error.errcode === null || !WINDOW_ERRCODES.has(error.errcode)) throw report(error);
          // Our count was wrong (a send from elsewhere, the user unfollowed): trust WeChat until the user writes again.
          await window.markClosed(openid);
          return sendTemplate(openid, pending, `WeChat answered ${error.errcode} to a customer-service message`, sendOptions);
        }
      }
    },
  };
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const BEIJING_OFFSET_MS = 8 * HOUR_MS;

/** WeChat's daily quotas reset at midnight Beijing time (UTC+8, no daylight saving). */
function msUntilBeijingMidnight(at: Date): number {
  const beijing = at.getTime() + BEIJING_OFFSET_MS;
  const dayMs = 24 * HOUR_MS;
  return Math.ceil(beijing / dayMs) * dayMs - beijing || dayMs;
}

/** WeChat's answer → what the notification worker should do. */
export function toSendError(error: unknown, at: Date): WechatSendError {
  if (error instanceof WechatSendError) return error;
  if (!(error instanceof WechatApiError)) {
    return new WechatSendError('WECHAT.UNAVAILABLE', { kind: 'transient' }, error instanceof Error ? error.message : String(error));
  }
  const { message } = error;
  switch (error.errcode) {
    case null:
    case -1:
    case 40001:
    case 40014:
    case 42001:
      return new WechatSendError('WECHAT.UNAVAILABLE', { kind: 'transient' }, message);
    case 43004:
      return new WechatSendError('WECHAT.NOT_FOLLOWING', { kind: 'unreachable' }, message);
    case 43101:
      return new WechatSendError('WECHAT.SUBSCRIPTION_REFUSED', { kind: 'unreachable' }, message);
    case 45009:
      // Waiting for midnight blocks every WeChat send for hours; an hourly try notices a quota cleared by hand.
      return new WechatSendError('WECHAT.QUOTA', { kind: 'rateLimited', retryAfterMs: Math.max(MINUTE_MS, Math.min(HOUR_MS, msUntilBeijingMidnight(at))) }, message);
    case 45011:
      return new WechatSendError('WECHAT.QUOTA', { kind: 'rateLimited', retryAfterMs: MINUTE_MS }, message);
    case 45015:
    case 45047:
      return new WechatSendError('WECHAT.WINDOW_CLOSED', { kind: 'permanent' }, message);
    case 40164:
    case 47003:
    case 48001:
      return new WechatSendError('WECHAT.ACCOUNT_SETUP', { kind: 'permanent' }, message);
    default:
      return new WechatSendError(error.errcode < 0 ? 'WECHAT.UNAVAILABLE' : 'WECHAT.REJECTED', { kind: error.errcode < 0 ? 'transient' : 'permanent' }, message);
  }
}
