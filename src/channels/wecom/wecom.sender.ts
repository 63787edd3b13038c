import { SendError, type ChannelSender, type SendFailure } from '../../application/notifications';
import type { Reply } from '../../conversation/messages';
import { WecomApiError, type WecomApiClient, type WecomAppMessage } from './api-client';
import { WECOM_CHANNEL } from './inbound';

export type WecomSendErrorCode =
  /** Too many calls (45009) or too many at once (45033): wait and try again. */
  | 'WECOM.RATE_LIMITED'
  /** The member left, is outside the application's visible range, or has no licence: the binding is stale. */
  | 'WECOM.NOT_IN_APP'
  /** The application is set up wrongly: Secret, corp id, AgentId, trusted IP, API permission. */
  | 'WECOM.ACCOUNT_SETUP'
  /** Any other errcode: the request itself is wrong. */
  | 'WECOM.REJECTED'
  /** WeCom busy (-1), a 5xx, no answer, or a token that kept being rejected. */
  | 'WECOM.UNAVAILABLE';

/** A SendError with a stable code; the notification worker acts on `failure`, operators read `code`. */
export class WecomSendError extends SendError {
  constructor(
    readonly code: WecomSendErrorCode,
    failure: SendFailure,
    message: string,
  ) {
    super(failure, `${code}: ${message}`);
  }
}

export interface WecomSenderLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface WecomSenderOptions {
  client: Pick<WecomApiClient, 'sendAppMessage'>;
  /** Replies → application messages (render.ts toWecomMessages, with the deployment's options). */
  render(replies: readonly Reply[]): WecomAppMessage[];
  log: WecomSenderLog;
}

const MINUTE_MS = 60_000;

/**
 * Delivers replies to a member's userid as application messages. A job retried after a partial
 * send sends every message again: WeCom's duplicate check drops the ones that already arrived.
 */
export function createWecomSender(options: WecomSenderOptions): ChannelSender {
  const { client, log } = options;
  return {
    channel: WECOM_CHANNEL,
    async send(userid, replies, sendOptions) {
      for (const message of options.render(replies)) {
        await sendOptions?.beforeEachMessage?.();
        try {
          await client.sendAppMessage(userid, message);
        } catch (error) {
          const sendError = toSendError(error);
          if (sendError.code === 'WECOM.ACCOUNT_SETUP') log.error({ code: sendError.code, reason: sendError.message }, 'WeCom refused a send; the application needs attention');
          else if (sendError.code === 'WECOM.NOT_IN_APP') log.warn({ code: sendError.code, reason: sendError.message }, 'WeCom member cannot be reached; rebind them');
          throw sendError;
        }
      }
    },
  };
}

/** WeCom's answer → what the notification worker should do. */
export function toSendError(error: unknown): WecomSendError {
  if (error instanceof WecomSendError) return error;
  if (!(error instanceof WecomApiError)) {
    return new WecomSendError('WECOM.UNAVAILABLE', { kind: 'transient' }, error instanceof Error ? error.message : String(error));
  }
  const { message } = error;
  switch (error.code) {
    case 'WECOM.NOT_DELIVERED':
      return new WecomSendError('WECOM.NOT_IN_APP', { kind: 'unreachable' }, message);
    case 'WECOM.UNREACHABLE':
    case 'WECOM.TOKEN_BUSY':
    case 'WECOM.BAD_RESPONSE':
      return new WecomSendError('WECOM.UNAVAILABLE', { kind: 'transient' }, message);
    case 'WECOM.BAD_CONFIG':
      return new WecomSendError('WECOM.ACCOUNT_SETUP', { kind: 'permanent' }, message);
    case 'WECOM.HTTP_STATUS': {
      const status = error.status ?? 0;
      if (status === 429) return new WecomSendError('WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: MINUTE_MS }, message);
      if (status >= 500) return new WecomSendError('WECOM.UNAVAILABLE', { kind: 'transient' }, message);
      // A 404 or 403 from a proxy or a wrong WECOM_API_BASE does not heal by retrying.
      return new WecomSendError('WECOM.ACCOUNT_SETUP', { kind: 'permanent' }, message);
    }
    case 'WECOM.API_ERROR':
      return fromErrcode(error.errcode ?? 0, message);
  }
}

function fromErrcode(errcode: number, message: string): WecomSendError {
  switch (errcode) {
    case -1:
    case 40014:
    case 42001:
      return new WecomSendError('WECOM.UNAVAILABLE', { kind: 'transient' }, message);
    case 45009:
      return new WecomSendError('WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: MINUTE_MS }, message);
    case 45033:
      return new WecomSendError('WECOM.RATE_LIMITED', { kind: 'rateLimited', retryAfterMs: 1_000 }, message);
    // 60011: outside the visible range; 60111: no such userid; 81013: every recipient invalid.
    case 60011:
    case 60111:
    case 81013:
      return new WecomSendError('WECOM.NOT_IN_APP', { kind: 'unreachable' }, message);
    case 40001:
    case 40013:
    case 40056:
    case 48002:
    case 60020:
      return new WecomSendError('WECOM.ACCOUNT_SETUP', { kind: 'permanent' }, message);
    default:
      return new WecomSendError(errcode < 0 ? 'WECOM.UNAVAILABLE' : 'WECOM.REJECTED', { kind: errcode < 0 ? 'transient' : 'permanent' }, message);
  }
}
