import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis';

export interface RedisHandle {
  /** One shared connection: conversation state, dedupe keys, locks, and BullMQ queues. */
  client: Redis;
  url: string;
  embedded: boolean;
  close(): Promise<void>;
}

/** Connects to REDIS_URL, or starts the machine's redis-server with its data under dataDir. */
export async function openRedis(options: { url?: string; dataDir: string; log?: (message: string) => void }): Promise<RedisHandle> {
  let embedded: EmbeddedRedis | undefined;
  const url = options.url ?? (embedded = await startEmbeddedRedis({ dataDir: options.dataDir, log: options.log })).url;
  // BullMQ requires maxRetriesPerRequest: null; commands wait through a Redis restart instead of failing.
  const client = new Redis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  client.on('error', (error) => options.log?.(`redis: ${error.message}`));
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    await embedded?.stop();
    throw new Error(`Cannot reach Redis at ${redact(url)}: ${(error as Error).message}. Check REDIS_URL, or unset it to use the embedded redis-server.`);
  }
  return {
    client,
    url,
    embedded: !!embedded,
    close: async () => {
      // QUIT waits for Redis to answer; a server that is already gone would keep it waiting forever.
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
      await embedded?.stop();
    },
  };
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
