import type { QueueLog } from './queue-log';
import { Queue, type DefaultJobOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { NotificationJob } from '../application/notifications';

/**
 * One queue per channel: BullMQ's limiter belongs to a queue, and each channel has its own limits
 * (Telegram ~30/s, WeCom per app, WeChat per account). Names are part of the deployment.
 */
export function notificationQueueName(channel: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(channel)) throw new Error(`channel name "${channel}" cannot name a queue`);
  return `notify-${channel}`;
}

export type NotificationQueue = Queue<NotificationJob, DeliveryResult, string>;

/** What a finished notification job returns (kept on completed jobs for inspection). */
export interface DeliveryResult {
  outcome: 'sent' | 'unreachable';
}

export interface NotificationJobSettings {
  /** Attempts before a job lands in the dead letters (the failed set). Default 5. */
  attempts?: number;
  /** First retry delay of the exponential backoff (1 s, 2 s, 4 s, …). Default 1000. */
  backoffMs?: number;
  /**
   * How long a completed job (and so its jobId) is kept. The relay's idempotency rests on it: a
   * relay that crashed before committing re-adds the same jobIds, and BullMQ ignores an id it
   * still holds. Must exceed the time between a relay crash and the next relay run. Default 1 day.
   */
  keepCompletedSeconds?: number;
  /** How long dead letters are kept. Default 30 days. */
  keepFailedSeconds?: number;
}

export function notificationJobOptions(settings: NotificationJobSettings = {}): DefaultJobOptions {
  return {
    attempts: settings.attempts ?? 5,
    backoff: { type: 'exponential', delay: settings.backoffMs ?? 1000 },
    removeOnComplete: { age: settings.keepCompletedSeconds ?? 86_400 },
    removeOnFail: { age: settings.keepFailedSeconds ?? 30 * 86_400 },
  };
}

export interface NotificationQueues {
  /** Channel name → its queue; only channels that have a sender. */
  byChannel: ReadonlyMap<string, NotificationQueue>;
  close(): Promise<void>;
}

/** Producer side of the notification queues; `prefix` must match the workers'. */
export function createNotificationQueues(
  connection: Redis,
  channels: readonly string[],
  options: { prefix?: string; jobs?: NotificationJobSettings; log?: QueueLog } = {},
): NotificationQueues {
  const defaultJobOptions = notificationJobOptions(options.jobs);
  const byChannel = new Map<string, NotificationQueue>();
  for (const channel of new Set(channels)) {
    const queue = new Queue<NotificationJob, DeliveryResult, string>(notificationQueueName(channel), { connection, prefix: options.prefix ?? 'complaints', defaultJobOptions });
    // An 'error' event without a listener would crash the process (Redis restarting, shutdown).
    queue.on('error', (error) => options.log?.error({ err: error, channel }, 'notification queue error'));
    byChannel.set(channel, queue);
  }
  return {
    byChannel,
    close: async () => {
      await Promise.all([...byChannel.values()].map((queue) => queue.close()));
    },
  };
}
