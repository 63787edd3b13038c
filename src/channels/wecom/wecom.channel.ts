import { Router, text, type ErrorRequestHandler, type Request, type Response } from 'express';
import type { Redis } from 'ioredis';
import type { ChannelSender } from '../../application/notifications';
import type { StaffDeskDeps } from '../../application/staff-desk';
import type { Logger } from '../../logger';
import { redisReplyLedger } from '../wechat-official/reply-ledger';
import { MAX_XML_BYTES } from '../wechat-official/xml';
import { createWecomApiClient, type WecomApiClient } from './api-client';
import { createWecomCallbackHandler, type WecomAnswer, type WecomCallbackHandler, type WecomCallbackOptions, type WecomCallbackQuery } from './callback-handler';
import { toWecomMessages, type WecomRenderOptions } from './render';
import { respondToMember } from './staff-actions';
import { createWecomSender } from './wecom.sender';

export { WECOM_CHANNEL } from './inbound';
export type { WecomAnswer, WecomCallbackHandler, WecomCallbackOptions, WecomCallbackQuery } from './callback-handler';

export const WECOM_PATH = '/wecom';

export interface WecomChannelOptions extends WecomCallbackOptions {
  /** The application's Secret (WECOM_SECRET), for sending. */
  secret: string;
  /** https://qyapi.weixin.qq.com (WECOM_API_BASE). */
  apiBase: string;
  /** How assignments look (text card with a link, markdown, or plain text). */
  render?: WecomRenderOptions;
  /** One API request. Default 10 s. */
  timeoutMs?: number;
}

export interface WecomChannelDeps {
  /** Bound members act on their cases here; the binding codes come from the admin API. */
  staffDesk: StaffDeskDeps;
  redis: Redis;
  logger: Logger;
  /** A client built elsewhere (one per deployment is enough); by default one is made from the options. */
  client?: WecomApiClient;
  now?: () => Date;
}

export interface WecomChannel {
  router: Router;
  /** Delivers notifications to members' userids as application messages (channel `wecom`). */
  sender: ChannelSender;
  /** The callback without HTTP, for tests and shutdown (drain). */
  handler: WecomCallbackHandler;
  client: WecomApiClient;
}

const QUERY_KEYS = ['msg_signature', 'timestamp', 'nonce', 'echostr'] as const;

/** The WeCom application as the staff channel: the callback at `/wecom` and the sender. */
export function createWecomChannel(options: WecomChannelOptions, deps: WecomChannelDeps): WecomChannel {
  const now = deps.now ?? (() => new Date());
  const log = deps.logger.child({ channel: 'wecom' });
  const client =
    deps.client ??
    createWecomApiClient({
      apiBase: options.apiBase,
      corpId: options.corpId,
      secret: options.secret,
      agentId: options.agentId,
      redis: deps.redis,
      now,
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    });
  const sender = createWecomSender({ client, render: (replies) => toWecomMessages(replies, options.render), log });
  const handler = createWecomCallbackHandler(options, {
    respond: (person, message) => respondToMember(deps.staffDesk, person, message, now()),
    sendLater: (userid, replies) => sender.send(userid, replies),
    ledger: redisReplyLedger(deps.redis),
    logger: deps.logger,
    now,
  });

  return { router: wecomRouter(handler), sender, handler, client };
}

/** `GET` and `POST /wecom` for a callback handler. */
export function wecomRouter(handler: WecomCallbackHandler): Router {
  const router = Router();
  router.get(WECOM_PATH, (req, res) => {
    send(res, handler.verifyUrl(queryOf(req)));
  });
  router.post(
    WECOM_PATH,
    // WeCom labels its XML inconsistently: take any body as text.
    text({ type: () => true, limit: MAX_XML_BYTES }),
    async (req: Request, res: Response) => {
      send(res, await handler.handleMessage(queryOf(req), typeof req.body === 'string' ? req.body : ''));
    },
    bodyRefused,
  );
  return router;
}

function queryOf(req: Request): WecomCallbackQuery {
  const query: WecomCallbackQuery = {};
  for (const key of QUERY_KEYS) {
    const value = req.query[key];
    if (typeof value === 'string') query[key] = value;
  }
  return query;
}

function send(res: Response, answer: WecomAnswer): void {
  switch (answer.kind) {
    case 'text':
      // The URL check wants the bare echostr: no quotes, no BOM, no newline.
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
    res.status(413).json({ error: { code: 'WECOM.BODY_TOO_LARGE', message: `Callback bodies are capped at ${MAX_XML_BYTES} bytes.`, details: {} } });
    return;
  }
  if (status >= 400 && status < 500) {
    res.status(400).json({ error: { code: 'WECOM.BAD_BODY', message: `The body could not be read: ${String(error?.message ?? 'unknown')}.`, details: {} } });
    return;
  }
  next(error);
};
