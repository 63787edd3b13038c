import { z } from 'zod';

const optionalText = (description: string) =>
  z.string().trim().min(1).optional().describe(description);

const url = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)), {
      message: `expected a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    });

/**
 * Every environment variable the application reads. Each key carries a one-line description:
 * it is printed next to any problem at start-up and is the source of the README's table.
 */
export const envSchema = z.object({
  PORT: z.coerce
    .number({ error: 'expected a port number from 0 to 65535' })
    .int()
    .min(0)
    .max(65535)
    .default(3000).describe('HTTP port of the web role (0 = any free port)'),
  HOST: z.string().default('0.0.0.0').describe('Address the HTTP server binds to'),
  DATA_DIR: z
    .string()
    .default('./data')
    .describe('Where the embedded PostgreSQL (PGlite), the embedded Redis and attachments keep their files'),
  CONFIG_DIR: z.string().default('./config').describe('Folder holding the *.yaml policy files and calendar/'),
  DATABASE_URL: url(['postgres', 'postgresql'])
    .optional()
    .describe('PostgreSQL server, e.g. postgres://user:pass@host:5432/db; unset = embedded PGlite in DATA_DIR'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10).describe('Connections in the PostgreSQL pool'),
  REDIS_URL: url(['redis', 'rediss'])
    .optional()
    .describe("Redis 7 server, e.g. redis://127.0.0.1:6379; unset = the machine's redis-server started on a free port"),
  APP_ROLE: z
    .enum(['all', 'web', 'worker', 'scheduler'])
    .default('all')
    .describe('all (one process), or web / worker / scheduler to scale out (needs DATABASE_URL)'),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('pino log level'),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(100).default(10000).describe('Grace period for in-flight work on SIGTERM/SIGINT'),
  PUBLIC_URL: url(['http', 'https']).optional().describe('Public base URL of this service (webhook registration, report links)'),
  JWT_SECRET: z
    .string()
    .min(32, 'expected at least 32 characters; generate one with: openssl rand -base64 48')
    .optional()
    .describe('Key that signs admin sign-in tokens; unset = one generated at first start and kept in the database'),
  ACCESS_TOKEN_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(30).describe('How long an admin sign-in token lasts'),

  WECHAT_TOKEN: optionalText('Official Account callback token (公众号 服务器配置 → Token)'),
  WECHAT_APPID: optionalText('Official Account AppID'),
  WECHAT_APPSECRET: optionalText('Official Account AppSecret'),
  WECHAT_ENCODING_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, 'expected the 43-character EncodingAESKey')
    .optional()
    .describe('EncodingAESKey for safe mode (43 characters); unset = plaintext mode only'),
  WECHAT_API_BASE: url(['http', 'https']).default('https://api.weixin.qq.com').describe('WeChat API base URL'),
  WECHAT_STATUS_TEMPLATE_ID: optionalText(
    'Template message id for status pushes outside the 48-hour customer-service window (keyword1 = case number, keyword2 = the update); unset = such pushes are dead-lettered',
  ),

  TELEGRAM_BOT_TOKEN: z
    .string()
    .regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a BotFather token such as 123456:ABC-DEF…')
    .optional()
    .describe('Telegram bot token from BotFather'),
  TELEGRAM_WEBHOOK_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,256}$/, 'expected 1-256 characters of A-Z, a-z, 0-9, _ and -')
    .optional()
    .describe('Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token'),
  TELEGRAM_API_ROOT: url(['http', 'https']).default('https://api.telegram.org').describe('Telegram Bot API root'),
  TELEGRAM_MODE: z.enum(['webhook', 'polling']).default('webhook').describe('webhook (production) or polling (development)'),

  WECOM_CORP_ID: optionalText('WeCom corp id (企业ID)'),
  WECOM_AGENT_ID: optionalText('WeCom application AgentId'),
  WECOM_SECRET: optionalText('WeCom application Secret'),
  WECOM_TOKEN: optionalText('WeCom callback Token'),
  WECOM_ENCODING_AES_KEY: z
    .string()
    .regex(/^[A-Za-z0-9+/]{43}$/, 'expected the 43-character EncodingAESKey')
    .optional()
    .describe('WeCom callback EncodingAESKey'),
  WECOM_API_BASE: url(['http', 'https']).default('https://qyapi.weixin.qq.com').describe('WeCom API base URL'),

  WECHATY_PUPPET: optionalText('Wechaty puppet package, e.g. wechaty-puppet-wechat4u; unset = wechaty channel off'),
  WECHATY_PUPPET_TOKEN: optionalText('Token for puppets that need one (puppet-service, padlocal)'),
  WECHATY_STAFF_ROOMS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((room) => room.trim()).filter(Boolean))
    .describe('Comma-separated room topics or ids where staff bind with /bind CODE and act by @-mentioning the bot'),
});

export type Env = z.infer<typeof envSchema>;
export type EnvKey = keyof typeof envSchema.shape;

/** Settings that only make sense together: a channel is on when its first key is set, and then needs the rest. */
export const channelKeys = {
  wechatOfficial: ['WECHAT_TOKEN', 'WECHAT_APPID', 'WECHAT_APPSECRET'],
  telegram: ['TELEGRAM_BOT_TOKEN'],
  wecom: ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET', 'WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'],
  wechaty: ['WECHATY_PUPPET'],
} as const satisfies Record<string, readonly EnvKey[]>;

export type ChannelName = keyof typeof channelKeys;
