import type { NotificationQueue } from './notification-queues';
import { listDeadLetters } from './notification-worker';

/** The failed notifications of every channel, for the admin API. */
export function deadLetterAccess(queues: ReadonlyMap<string, NotificationQueue>) {
  return {
    async list(limit: number) {
      const all = (await Promise.all([...queues.values()].map((queue) => listDeadLetters(queue, limit)))).flat();
      return all
        .sort((a, b) => (b.finishedOn?.getTime() ?? 0) - (a.finishedOn?.getTime() ?? 0))
        .slice(0, limit)
        .map((letter) => ({ ...letter, finishedOn: letter.finishedOn?.toISOString() ?? null }));
    },
    async retry(channel: string, jobId: string): Promise<boolean> {
      const job = await queues.get(channel)?.getJob(jobId);
      if (!job || !(await job.isFailed())) return false;
      await job.retry('failed');
      return true;
    },
  };
}
