import type { Queue, Worker } from 'bullmq';

const CLOSE_GRACE_MS = 3000;

/**
 * Closes a worker (letting its jobs finish), then its queue. With Redis gone, closing waits for it
 * forever and the connections keep reconnecting: after a grace period they are cut instead.
 */
export async function closeQueueParts(worker: Worker | undefined, queue: Queue): Promise<void> {
  const graceful = (async () => {
    await worker?.close();
    await queue.close();
  })();
  let timer: NodeJS.Timeout | undefined;
  const gaveUp = await Promise.race([graceful.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_GRACE_MS)))]);
  clearTimeout(timer);
  if (gaveUp) {
    graceful.catch(() => undefined);
    // Not awaited: disconnecting waits for an end that a dead server never sends.
    for (const part of [worker, queue]) part?.disconnect().catch(() => undefined);
  }
}
