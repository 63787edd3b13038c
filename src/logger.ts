import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs. Secrets and personal data are redacted wherever they appear in a logged object:
 * tokens and keys by name, phone numbers and names of complainants by field.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: {
        paths: [
          '*.password',
          '*.passwordHash',
          '*.token',
          '*.secret',
          '*.authorization',
          'req.headers.authorization',
          'req.headers["x-telegram-bot-api-secret-token"]',
          '*.contactPhone',
          '*.contactName',
          '*.phone',
          'env.WECHAT_APPSECRET',
          'env.WECHAT_ENCODING_AES_KEY',
          'env.TELEGRAM_BOT_TOKEN',
          'env.TELEGRAM_WEBHOOK_SECRET',
          'env.WECOM_SECRET',
          'env.WECOM_ENCODING_AES_KEY',
          'env.DATABASE_URL',
          'env.REDIS_URL',
          'env.JWT_SECRET',
          'env.WECHATY_PUPPET_TOKEN',
          'env.WECOM_TOKEN',
          'env.WECHAT_TOKEN',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    destination,
  );
}
