import { Redis } from 'ioredis';
import { startEmbeddedRedis, type EmbeddedRedis } from './embedded-redis';

export interface RedisHandle {
  /** The shared connection: BullMQ queues, tokens, rate limits, everything off the message path. */
  client: Redis;
  /**
   * The message path's connection (conversation state and locks, webhook dedupe keys), with
   * ioredis auto-pipelining: the commands of every request handled in one turn of the event loop
   * leave in one write, where each used to cost a system call. Kept apart from BullMQ, which is
   * not known to work with auto-pipelining.
   */
  pipelined: Redis;
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
  const pipelined = client.duplicate({ enableAutoPipelining: true });
  pipelined.on('error', (error) => options.log?.(`redis: ${error.message}`));
  try {
    await client.connect();
    await pipelined.connect();
  } catch (error) {
    client.disconnect();
    pipelined.disconnect();
    await embedded?.stop();
    throw new Error(`Cannot reach Redis at ${redact(url)}: ${(error as Error).message}. Check REDIS_URL, or unset it to use the embedded redis-server.`);
  }
  return {
    client,
    pipelined,
    url,
    embedded: !!embedded,
    close: async () => {
      await Promise.all([quit(pipelined), quit(client)]);
      await embedded?.stop();
    },
  };
}

async function quit(connection: Redis): Promise<void> {
  // QUIT waits for Redis to answer; a server that is already gone would keep it waiting forever.
  if (connection.status === 'ready') await connection.quit().catch(() => connection.disconnect());
  else connection.disconnect();
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
