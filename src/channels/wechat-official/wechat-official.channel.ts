import { rejectInvalidUtf8 } from '../../http/strict-utf8';
import { Router, text, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import { createCallbackHandler, type WechatAnswer, type WechatCallbackHandler, type WechatCallbackQuery, type WechatOfficialDeps, type WechatOfficialOptions } from './callback-handler';
import { redisReplyLedger } from './reply-ledger';
import { MAX_XML_BYTES } from './xml';

export { WECHAT_MENU_KEYS, type WechatMenuKey } from './inbound';
export type { WechatAnswer, WechatCallbackHandler, WechatCallbackQuery, WechatOfficialOptions } from './callback-handler';

export const WECHAT_OFFICIAL_PATH = '/wechat';

export type WechatOfficialChannelDeps = Omit<WechatOfficialDeps, 'ledger'> & { redis: Redis };

export interface WechatOfficialChannel {
  router: Router;
  /** The callback without HTTP: benchmarks and tests call it directly. */
  handler: WechatCallbackHandler;
}

const QUERY_KEYS = ['signature', 'timestamp', 'nonce', 'echostr', 'encrypt_type', 'msg_signature'] as const;

export function createWechatOfficialChannel(options: WechatOfficialOptions, deps: WechatOfficialChannelDeps): WechatOfficialChannel {
  const { redis, ...rest } = deps;
  const handler = createCallbackHandler(options, { ...rest, ledger: redisReplyLedger(redis) });
  const router = Router();
  router.get(WECHAT_OFFICIAL_PATH, (req, res) => {
    send(res, handler.verifyUrl(queryOf(req)));
  });
  router.post(
    WECHAT_OFFICIAL_PATH,
    // WeChat labels its XML inconsistently (text/xml, application/xml, none): take any body as text.
    text({ type: () => true, limit: MAX_XML_BYTES, verify: rejectInvalidUtf8 }),
    async (req: Request, res: Response) => {
      send(res, await handler.handleMessage(queryOf(req), typeof req.body === 'string' ? req.body : ''));
    },
    bodyRefused,
  );
  return { router, handler };
}

function queryOf(req: Request): WechatCallbackQuery {
  const query: WechatCallbackQuery = {};
  for (const key of QUERY_KEYS) {
    const value = req.query[key];
    if (typeof value === 'string') query[key] = value;
  }
  return query;
}

function send(res: Response, answer: WechatAnswer): void {
  switch (answer.kind) {
    case 'text':
      res.type('text/plain').send(answer.body);
      return;
    case 'xml':
      res.type('application/xml').send(answer.body);
      return;
    case 'refused':
      res.status(answer.status).json({ error: { code: answer.code, message: answer.message, details: answer.details } });
  }
}

const bodyRefused: ErrorRequestHandler = (error, _req, res, next) => {
  const status = typeof error?.status === 'number' ? error.status : 500;
  if (status === 413) {
    res.status(413).json({ error: { code: 'WECHAT.BODY_TOO_LARGE', message: `Callback bodies are capped at ${MAX_XML_BYTES} bytes.`, details: {} } });
    return;
  }
  if (status >= 400 && status < 500) {
    res.status(400).json({ error: { code: 'WECHAT.BAD_BODY', message: `The body could not be read: ${String(error?.message ?? 'unknown')}.`, details: {} } });
    return;
  }
  next(error);
};
