import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SendError, type ChannelSender, type NotificationJob } from '../application/notifications';
import { notificationQueueName, type DeliveryResult, type NotificationQueue } from './notification-queues';
import type { QueueLog } from './queue-log';
import { createSendPacer } from './send-pacer';

export interface NotificationLimits {
  /**
   * Messages a second over the whole channel, counted over any rolling second (Telegram: 30, its
   * documented limit). Sent evenly spaced by a schedule in Redis that all worker processes share.
   */
  perSecond: number;
  /** Messages a second to one chat (Telegram: 1). */
  perChatPerSecond: number;
  /**
   * Added to each rolling window (overall and per chat) for what the schedule cannot see: HTTP
   * jitter between our send and the server's receipt, and a late timer before a slot is confirmed.
   * Default 30 ms, measured with bench/outbound.bench.ts on a busy 2-core machine: 10 ms drew 429s,
   * 20 ms one in 750 messages now and then, 30 ms none, at about 29/s.
   */
  marginMs?: number;
}

export interface NotificationWorkerOptions {
  /** Needs `maxRetriesPerRequest: null` and no ioredis keyPrefix (BullMQ's own `prefix` is used). */
  connection: Redis;
  sender: ChannelSender;
  limits: NotificationLimits;
  /** The person blocked the bot or left; called once per job that found them so, before it completes. */
  onUnreachable(job: NotificationJob): Promise<void>;
  log: QueueLog;
  /** BullMQ key prefix; must match the producers'. Default `complaints`. */
  prefix?: string;
  /** Jobs in flight at once in this process. Default 10. */
  concurrency?: number;
  /**
   * What a 429 holds up besides the chat it came from. `channel` (default): the whole channel's
   * queue pauses for retry_after in every worker process (the limiter Telegram imposes is usually
   * the bot's, and hammering it makes it longer). `chat`: only that chat waits.
   */
  rateLimitScope?: 'channel' | 'chat';
  /**
   * A job whose chat is free sooner than this waits for it in the process; a longer wait (or a chat
   * another job is sending to) sends it back to the delayed set, so it does not hold a concurrency
   * slot. Default 1500 ms: a chat messaged within the last second is waited for.
   */
  waitInProcessUpToMs?: number;
  /** Start processing at once (default true). */
  autorun?: boolean;
}

export interface NotificationWorker {
  channel: string;
  worker: Worker<NotificationJob, DeliveryResult, string>;
  /** Waits for the jobs in flight, then disconnects. */
  close(): Promise<void>;
}

const DEFAULT_MARGIN_MS = 30;
// A job's hold on its chat between two of its messages; only a crashed process leaves it to expire.
const CHAT_LEASE_MS = 10_000;

/** A booked send time: `at` on this process' clock. */
type Booking = { slot: string; at: number };
const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());

/**
 * Delivers one channel's notification jobs: every API message paced by a schedule in Redis shared
 * by all worker processes (send-pacer.ts: overall and per-chat rolling windows), 429s delayed
 * without counting as attempts, unreachable people reported, transient failures retried with
 * backoff, permanent ones dead-lettered at once.
 */
export function createNotificationWorker(options: NotificationWorkerOptions): NotificationWorker {
  const { connection, sender, limits, log } = options;
  const channel = sender.channel;
  const prefix = options.prefix ?? 'complaints';
  const name = notificationQueueName(channel);
  const scope = options.rateLimitScope ?? 'channel';
  const waitInProcessUpToMs = options.waitInProcessUpToMs ?? 1500;
  if (!(limits.perSecond > 0) || !(limits.perChatPerSecond > 0)) throw new Error('notification limits must be positive');
  const marginMs = limits.marginMs ?? DEFAULT_MARGIN_MS;
  // perSecond 30 → 30 in any 1030 ms, one every 34.3 ms; a fractional rate (0.5/s) → 1 in 2030 ms.
  const max = Math.max(1, Math.floor(limits.perSecond));
  const windowMs = (max * 1000) / limits.perSecond + marginMs;
  const pacer = createSendPacer(connection, {
    keyPrefix: `${prefix}:${name}:pace`,
    max,
    windowMs,
    chatGapMs: 1000 / limits.perChatPerSecond + marginMs,
    // Half a window: a late send still moves the slots booked after the first half of the window.
    aheadMs: windowMs / 2,
    leaseMs: CHAT_LEASE_MS,
  });
  // Only to pause the whole queue on a 429 (Queue.rateLimit; Worker.rateLimit is deprecated).
  const control = new Queue(name, { connection, prefix });
  control.on('error', (error) => log.error({ err: error, channel }, 'notification queue error'));

  /**
   * Books the slot of a job's next message, waiting in the process as long as it takes. For the
   * first message (nothing sent yet) pass `mayDefer`: a chat that another job is sending to, or that
   * is free only after waitInProcessUpToMs, then answers how long to defer the job instead.
   */
  async function book(externalId: string, holder: string, mayDefer: true): Promise<Booking | { deferMs: number }>;
  async function book(externalId: string, holder: string, mayDefer: false): Promise<Booking>;
  async function book(externalId: string, holder: string, mayDefer: boolean): Promise<Booking | { deferMs: number }> {
    for (;;) {
      const answer = await pacer.reserve(externalId, holder);
      if (answer.kind === 'reserved') return { slot: answer.slot, at: Date.now() + answer.waitMs };
      const chatHeld = answer.kind === 'chatBusy' || (answer.kind === 'chatNotYet' && answer.waitMs > waitInProcessUpToMs);
      if (mayDefer && chatHeld) return { deferMs: answer.waitMs };
      await sleep(answer.waitMs);
    }
  }

  async function later(job: Job<NotificationJob>, token: string | undefined, waitMs: number): Promise<never> {
    // Back to the delayed set without counting an attempt (moveToDelayed skips the attempt counter).
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }

  async function deliver(job: Job<NotificationJob, DeliveryResult, string>, token?: string): Promise<DeliveryResult> {
    const data = job.data;
    const holder = job.id ?? `job-${data.outboxId}`;
    try {
      // The first slot is booked before the sender runs, so that a held chat defers the job before
      // anything is sent; the following messages of a long reply book theirs as they come.
      const first = await book(data.externalId, holder, true);
      if ('deferMs' in first) return await later(job, token, first.deferMs);
      let booked: Booking | undefined = first;
      const beforeEachMessage = async () => {
        const slot = booked ?? (await book(data.externalId, holder, false));
        booked = undefined;
        await sleep(slot.at - Date.now());
        await pacer.confirm(data.externalId, slot.slot);
      };
      await sender.send(data.externalId, data.replies, { beforeEachMessage });
      return { outcome: 'sent' };
    } catch (error) {
      if (!(error instanceof SendError)) throw error; // DelayedError, or unexpected: treated as transient
      const failure = error.failure;
      switch (failure.kind) {
        case 'rateLimited': {
          const retryAfterMs = Math.max(1, Math.ceil(failure.retryAfterMs));
          log.warn({ channel, jobId: job.id, retryAfterMs, scope }, 'rate limited by the channel; delaying');
          // The chat waits in any case, so its other messages do not walk into the same 429; with
          // scope 'channel' the schedule also books nothing before the pause is over.
          await pacer.hold(data.externalId, retryAfterMs, scope);
          if (scope === 'channel') {
            // Every worker on this queue stops fetching until the limiter key expires; the job goes
            // back to the head of the wait list, and RateLimitError does not count as an attempt.
            await control.rateLimit(retryAfterMs);
            throw Worker.RateLimitError();
          }
          return later(job, token, retryAfterMs);
        }
        case 'unreachable':
          log.warn({ channel, jobId: job.id, identityId: data.identityId, caseId: data.caseId }, 'recipient unreachable; not retrying');
          await options.onUnreachable(data);
          return { outcome: 'unreachable' };
        case 'transient':
          throw error;
        case 'permanent':
          throw new UnrecoverableError(error.message);
      }
    } finally {
      await pacer.release(data.externalId, holder);
    }
  }

  const worker = new Worker<NotificationJob, DeliveryResult, string>(name, deliver, {
    connection,
    prefix,
    concurrency: options.concurrency ?? 10,
    // The pacer sets the rate. BullMQ's limiter stays as a loose bound (twice the rate, on fetching
    // jobs) because a worker without one ignores Queue.rateLimit, which the 429 pause relies on.
    limiter: { max: 2 * max, duration: Math.ceil((max * 1000) / limits.perSecond) },
    autorun: options.autorun ?? true,
  });
  worker.on('failed', (job, error) => {
    if (!job) return;
    const dead = error instanceof UnrecoverableError || error.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
    const fields = { channel, jobId: job.id, outboxId: job.data.outboxId, attemptsMade: job.attemptsMade, reason: error.message };
    if (dead) log.error(fields, 'notification dead-lettered');
    else log.warn(fields, 'notification failed; will retry');
  });
  worker.on('error', (error) => log.error({ err: error, channel }, 'notification worker error'));

  return {
    channel,
    worker,
    close: async () => {
      await worker.close();
      await control.close();
    },
  };
}

export interface DeadLetter {
  jobId: string;
  outboxId: number;
  channel: string;
  externalId: string;
  failedReason: string;
  attemptsMade: number;
  finishedOn: Date | null;
}

/** The dead letters: jobs that failed for good (permanent error, or attempts exhausted), newest first. */
export async function listDeadLetters(queue: NotificationQueue, limit = 100): Promise<DeadLetter[]> {
  const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
  return jobs
    .filter((job): job is NonNullable<typeof job> => !!job)
    .map((job) => ({
      jobId: job.id ?? '',
      outboxId: job.data.outboxId,
      channel: job.data.channel,
      externalId: job.data.externalId,
      failedReason: job.failedReason,
      attemptsMade: job.attemptsMade,
      finishedOn: job.finishedOn ? new Date(job.finishedOn) : null,
    }));
}
