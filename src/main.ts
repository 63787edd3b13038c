import { loadConfigOrExit } from './config/load-config';
import { startApp } from './app';
import { createLogger } from './logger';
import { RedisServerNotFoundError } from './redis/embedded-redis';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = createLogger(config.env.LOG_LEVEL);
  for (const warning of config.warnings) logger.warn(warning);

  let app;
  try {
    app = await startApp(config, logger);
  } catch (error) {
    if (error instanceof RedisServerNotFoundError) {
      console.error(error.message);
      process.exit(1);
    }
    logger.fatal({ err: error }, 'could not start');
    process.exit(1);
  }

  const shutdown = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
}

void main();
