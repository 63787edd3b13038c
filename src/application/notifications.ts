import type { Reply } from '../conversation/messages';

/** Why a channel could not deliver; decides what the notification worker does next. */
export type SendFailure =
  /** The channel said "too many requests": try again after `retryAfterMs`, not counted as a failure. */
  | { kind: 'rateLimited'; retryAfterMs: number }
  /** The person blocked the bot or left: stop trying, mark them unreachable, tell the case handler. */
  | { kind: 'unreachable' }
  /** A network error or a server error: retry with backoff, then dead-letter. */
  | { kind: 'transient' }
  /** The request itself is wrong (bad chat id, text too long): retrying cannot help. */
  | { kind: 'permanent' };

export class SendError extends Error {
  override readonly name = 'SendError';

  constructor(
    readonly failure: SendFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface SendOptions {
  /**
   * Awaited before each message goes to the channel's API. One reply can become several messages
   * (a long text is split), and the channel's rate limits count messages, so the notification
   * worker spaces each one rather than each job.
   */
  beforeEachMessage?: () => Promise<void>;
}

/** One channel's way of delivering replies to a person outside a webhook turn. */
export interface ChannelSender {
  channel: string;
  /** Delivers in order; throws SendError. `externalId` is the person's id on that channel (chat id, openid). */
  send(externalId: string, replies: readonly Reply[], options?: SendOptions): Promise<void>;
}

/** What a notification job carries: already rendered, in the recipient's script at the time of sending. */
export interface NotificationJob {
  outboxId: number;
  /** Every outbox row this job carries, when several messages to one person were sent together. */
  outboxIds?: number[];
  caseId: string | null;
  channel: string;
  externalId: string;
  identityId: string;
  replies: Reply[];
}
