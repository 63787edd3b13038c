import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { SendError, type ChannelSender, type NotificationJob } from '../application/notifications';
import { notificationQueueName, type DeliveryResult, type NotificationQueue } from './notification-queues';
import type { QueueLog } from './queue-log';

export interface NotificationLimits {
  /** Messages a second over the whole channel (Telegram: 25, under its ~30). */
  perSecond: number;
  /** Messages a second to one chat (Telegram: 1). */
  perChatPerSecond: number;
  /**
   * Jobs per limiter window (the window is burst/perSecond seconds). BullMQ counts fixed windows,
   * so a one-second span straddling windows can see about perSecond + burst messages; a small
   * burst keeps that peak near perSecond (25/s with burst 1: 40 ms windows, at most 26 in any
   * second). Default: perSecond / 25, at least 1.
   */
  burst?: number;
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
  /** Start processing at once (default true). */
  autorun?: boolean;
}

export interface NotificationWorker {
  channel: string;
  worker: Worker<NotificationJob, DeliveryResult, string>;
  /** Waits for the jobs in flight, then disconnects. */
  close(): Promise<void>;
}

/**
 * Delivers one channel's notification jobs: overall rate by BullMQ's limiter, per-chat spacing
 * by a Redis key per chat, 429s delayed without counting as attempts, unreachable people
 * reported, transient failures retried with backoff, permanent ones dead-lettered at once.
 */
export function createNotificationWorker(options: NotificationWorkerOptions): NotificationWorker {
  const { connection, sender, limits, log } = options;
  const channel = sender.channel;
  const prefix = options.prefix ?? 'complaints';
  const name = notificationQueueName(channel);
  if (!(limits.perSecond > 0) || !(limits.perChatPerSecond > 0)) throw new Error('notification limits must be positive');
  const burst = Math.max(1, Math.floor(limits.burst ?? Math.round(limits.perSecond / 25)));
  const perChatMs = Math.ceil(1000 / limits.perChatPerSecond);
  const chatKey = (externalId: string) => `${prefix}:${name}:per-chat:${externalId}`;
  // Only to pause the whole queue on a 429 (Queue.rateLimit; Worker.rateLimit is deprecated).
  const control = new Queue(name, { connection, prefix });
  control.on('error', (error) => log.error({ err: error, channel }, 'notification queue error'));

  /** Takes the chat's slot, or says how long until it is free (Redis' clock: same for all workers). */
  async function takeChatSlot(externalId: string): Promise<number> {
    const key = chatKey(externalId);
    if ((await connection.set(key, '1', 'PX', perChatMs, 'NX')) === 'OK') return 0;
    const ttl = await connection.pttl(key);
    // -2: expired in between; -1 cannot happen (always set with PX) but must not hold a chat forever.
    return ttl > 0 ? ttl : ttl === -1 ? perChatMs : 1;
  }

  async function later(job: Job<NotificationJob>, token: string | undefined, waitMs: number): Promise<never> {
    // Back to the delayed set without counting an attempt (moveToDelayed skips the attempt counter).
    await job.moveToDelayed(Date.now() + waitMs, token);
    throw new DelayedError();
  }

  async function deliver(job: Job<NotificationJob, DeliveryResult, string>, token?: string): Promise<DeliveryResult> {
    const data = job.data;
    const wait = await takeChatSlot(data.externalId);
    if (wait > 0) return later(job, token, wait);
    try {
      await sender.send(data.externalId, data.replies);
      return { outcome: 'sent' };
    } catch (error) {
      if (!(error instanceof SendError)) throw error; // unexpected: treated as transient
      const failure = error.failure;
      switch (failure.kind) {
        case 'rateLimited': {
          const retryAfterMs = Math.max(1, Math.ceil(failure.retryAfterMs));
          log.warn({ channel, jobId: job.id, retryAfterMs, scope: options.rateLimitScope ?? 'channel' }, 'rate limited by the channel; delaying');
          // The chat waits in any case, so its other messages do not walk into the same 429.
          await connection.set(chatKey(data.externalId), '1', 'PX', retryAfterMs);
          if ((options.rateLimitScope ?? 'channel') === 'channel') {
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
    }
  }

  const worker = new Worker<NotificationJob, DeliveryResult, string>(name, deliver, {
    connection,
    prefix,
    concurrency: options.concurrency ?? 10,
    limiter: { max: burst, duration: Math.ceil((burst * 1000) / limits.perSecond) },
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
