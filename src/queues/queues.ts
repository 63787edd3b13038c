import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';

/** Queue names are part of the deployment: workers in other processes listen on them. */
export const QUEUE_NAMES = { notifications: 'notifications', slaTimers: 'sla-timers' } as const;

export interface Queues {
  notifications: Queue;
  slaTimers: Queue;
  close(): Promise<void>;
}

/** BullMQ queues on the shared Redis connection; later features add producers and workers. */
export function createQueues(connection: Redis, prefix = 'complaints'): Queues {
  const notifications = new Queue(QUEUE_NAMES.notifications, { connection, prefix });
  const slaTimers = new Queue(QUEUE_NAMES.slaTimers, { connection, prefix });
  return {
    notifications,
    slaTimers,
    close: async () => {
      await Promise.all([notifications.close(), slaTimers.close()]);
    },
  };
}
