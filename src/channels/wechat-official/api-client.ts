import { sharedAccessToken } from '../../redis/shared-access-token';
import type { Redis } from 'ioredis';

/** A template message's fields: `{ key: { value } }`, as the template defines them. */
export type WechatTemplateData = Record<string, { value: string }>;

export interface WechatTemplateMessage {
  templateId: string;
  /** Opened when the user taps the message. */
  url?: string;
  data: WechatTemplateData;
  /** WeChat drops a second send with the same id, so a retried job does not push twice. */
  clientMsgId?: string;
}

export interface WechatSubscriptionMessage {
  templateId: string;
  /** Opened when the user taps the notice. */
  page?: string;
  data: WechatTemplateData;
  miniprogram?: { appid: string; pagepath: string };
}

export interface WechatMedia {
  content: Buffer;
  contentType: string;
}

export interface WechatApiClient {
  /** Customer-service text: only inside the 48-hour window (45015 / 45047 otherwise). */
  sendText(openid: string, content: string): Promise<void>;
  /** Template message; `msgId` stays a string (WeChat's is 64-bit). */
  sendTemplate(openid: string, message: WechatTemplateMessage): Promise<{ msgId: string | null }>;
  /** Subscription notice: one per acceptance by the user (43101 when none is left). */
  sendSubscription(openid: string, message: WechatSubscriptionMessage): Promise<void>;
  /** Temporary media expire after 3 days: download evidence when it arrives. */
  downloadMedia(mediaId: string): Promise<WechatMedia>;
}

export interface WechatApiClientOptions {
  /** https://api.weixin.qq.com (config WECHAT_API_BASE). */
  apiBase: string;
  appId: string;
  appSecret: string;
  /** Holds the access token for every process of the deployment, and the lock to fetch it. */
  redis: Redis;
  now?: () => Date;
  /** One request, token fetch included. Default 10 s. */
  timeoutMs?: number;
  /** A cached token is dropped this long before WeChat says it ends. Default 300 s. */
  tokenMarginSeconds?: number;
}

export type WechatApiErrorCode =
  /** WeChat answered with a non-zero errcode. */
  | 'WECHAT.API_ERROR'
  /** An HTTP status other than 200 (a proxy or WeChat's front end). */
  | 'WECHAT.HTTP_STATUS'
  /** No answer: connection refused or reset, DNS, or the timeout. */
  | 'WECHAT.UNREACHABLE'
  /** An answer that is not what the API documents. */
  | 'WECHAT.BAD_RESPONSE'
  /** Another process held the token lock and no token appeared in time. */
  | 'WECHAT.TOKEN_BUSY';

/** A failed API call. Never carries the access token or the AppSecret. */
export class WechatApiError extends Error {
  override readonly name = 'WechatApiError';

  constructor(
    readonly code: WechatApiErrorCode,
    /** WeChat's errcode; null when WeChat did not answer with one. */
    readonly errcode: number | null,
    readonly errmsg: string,
    /** The API path below /cgi-bin/, e.g. `message/custom/send`. */
    readonly method: string,
    /** The HTTP status, when there was an answer. */
    readonly status: number | null = null,
  ) {
    super(describe(code, errcode, errmsg, method, status));
  }
}

/** What to do about the errcodes an operator can fix. */
const TOKEN_HINT = 'The access token was rejected twice; another system may be refreshing it (force_refresh) or the AppSecret was reset.';
const HINTS: Record<number, string> = {
  [-1]: 'WeChat is busy; retry later.',
  40001: TOKEN_HINT,
  40014: TOKEN_HINT,
  42001: TOKEN_HINT,
  40013: 'Check WECHAT_APPID.',
  40125: 'Check WECHAT_APPSECRET (公众号 → 设置与开发 → 基本配置).',
  40164: "Add this server's outbound IP to the account's IP whitelist (设置与开发 → 基本配置 → IP白名单).",
  41004: 'Check WECHAT_APPSECRET.',
  45009: 'The daily API quota is used up; it resets at midnight Beijing time (or clear it with clear_quota).',
  45011: 'Too many calls this minute; slow down.',
  47003: "The template data does not match the template's fields.",
  48001: 'The account is not granted this API (check its type and verification).',
};

function describe(code: WechatApiErrorCode, errcode: number | null, errmsg: string, method: string, status: number | null): string {
  switch (code) {
    case 'WECHAT.API_ERROR': {
      const hint = errcode === null ? undefined : HINTS[errcode];
      return `WeChat ${method} answered errcode ${errcode} (${errmsg}).${hint ? ` ${hint}` : ''}`;
    }
    case 'WECHAT.HTTP_STATUS':
      return `WeChat ${method} answered HTTP ${status}; retry later.`;
    case 'WECHAT.UNREACHABLE':
      return `WeChat ${method} could not be reached (${errmsg}); check the network and WECHAT_API_BASE.`;
    case 'WECHAT.BAD_RESPONSE':
      return `WeChat ${method} answered something unexpected (${errmsg}).`;
    case 'WECHAT.TOKEN_BUSY':
      return `No WeChat access token for ${method}: ${errmsg}.`;
  }
}

/** errcodes that mean "this access token is no good": drop it and fetch another. */
const TOKEN_ERRCODES = new Set([40001, 40014, 42001]);

// Deletes a key only if it still holds what we read: another process may have stored a newer token or lock.

export function createWechatApiClient(options: WechatApiClientOptions): WechatApiClient {
  const { redis, appId, appSecret } = options;
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const marginSeconds = options.tokenMarginSeconds ?? 300;
  // The lock outlives one token request, so a holder that died frees it for the next.
  const lockTtlMs = timeoutMs + 1_000;
  const tokenKey = `wx-token:${appId}`;
  const lockKey = `wx-token-lock:${appId}`;
  const tokensSeen = new Set<string>();

  /** Removes the secret and any token this process has held from text that leaves the client. */
  function scrub(text: string): string {
    let clean = text.replace(/(access_token|secret)=[^&\s"']*/gi, '$1=***');
    for (const secret of [appSecret, ...tokensSeen]) {
      if (secret) clean = clean.split(secret).join('***');
    }
    return clean;
  }

  const apiError = (errcode: number, errmsg: unknown, method: string) =>
    new WechatApiError('WECHAT.API_ERROR', errcode, scrub(typeof errmsg === 'string' ? errmsg : ''), method, 200);

  async function exchange(method: string, url: URL, init: RequestInit): Promise<{ response: Response; body: Buffer }> {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      const body = Buffer.from(await response.arrayBuffer());
      return { response, body };
    } catch (error) {
      throw new WechatApiError('WECHAT.UNREACHABLE', null, scrub(transportReason(error, timeoutMs)), method);
    }
  }

  /** POSTs JSON and returns the JSON answer; a non-zero errcode throws. */
  async function postJson(method: string, body: unknown, token: string | null): Promise<{ json: Record<string, unknown>; raw: string }> {
    const url = new URL(`${apiBase}/cgi-bin/${method}`);
    if (token !== null) url.searchParams.set('access_token', token);
    const { response, body: raw } = await exchange(method, url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (response.status !== 200) throw new WechatApiError('WECHAT.HTTP_STATUS', null, response.statusText, method, response.status);
    const text = raw.toString('utf8');
    const json = parseObject(text);
    if (!json) throw new WechatApiError('WECHAT.BAD_RESPONSE', null, 'not a JSON object', method, response.status);
    const errcode = json.errcode;
    if (errcode !== undefined && errcode !== 0) {
      throw typeof errcode === 'number'
        ? apiError(errcode, json.errmsg, method)
        : new WechatApiError('WECHAT.BAD_RESPONSE', null, 'errcode is not a number', method, response.status);
    }
    return { json, raw: text };
  }

  const tokens = sharedAccessToken({
    redis,
    key: tokenKey,
    lockKey,
    marginSeconds,
    lockTtlMs,
    now,
    busy: (waitedMs) => new WechatApiError('WECHAT.TOKEN_BUSY', null, `another process holds the token lock for over ${waitedMs} ms`, 'stable_token'),
    refused: (error) => error instanceof WechatApiError && error.errcode !== null && TOKEN_ERRCODES.has(error.errcode),
    seen: (token) => tokensSeen.add(token),
    async fetch() {
      // force_refresh is never sent: it is limited to 20 a day and invalidates every other process's token.
      const { json } = await postJson('stable_token', { grant_type: 'client_credential', appid: appId, secret: appSecret }, null);
      const token = json.access_token;
      const expiresIn = json.expires_in;
      if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
        throw new WechatApiError('WECHAT.BAD_RESPONSE', null, 'no access_token or expires_in', 'stable_token', 200);
      }
      return { token, expiresInSeconds: expiresIn };
    },
  });

  const post = (method: string, body: unknown) => tokens.run((token) => postJson(method, body, token));

  return {
    async sendText(openid, content) {
      await post('message/custom/send', { touser: openid, msgtype: 'text', text: { content } });
    },

    async sendTemplate(openid, message) {
      const { raw } = await post('message/template/send', {
        touser: openid,
        template_id: message.templateId,
        ...(message.url ? { url: message.url } : {}),
        data: message.data,
        ...(message.clientMsgId ? { client_msg_id: message.clientMsgId } : {}),
      });
      // JSON.parse would round the 64-bit msgid: read its digits from the text.
      return { msgId: /"msgid"\s*:\s*"?(\d+)/.exec(raw)?.[1] ?? null };
    },

    async sendSubscription(openid, message) {
      await post('message/subscribe/bizsend', {
        touser: openid,
        template_id: message.templateId,
        ...(message.page ? { page: message.page } : {}),
        data: message.data,
        ...(message.miniprogram ? { miniprogram: message.miniprogram } : {}),
      });
    },

    async downloadMedia(mediaId) {
      const method = 'media/get';
      return tokens.run(async (token) => {
        const url = new URL(`${apiBase}/cgi-bin/${method}`);
        url.searchParams.set('access_token', token);
        url.searchParams.set('media_id', mediaId);
        const { response, body } = await exchange(method, url, { method: 'GET' });
        if (response.status !== 200) throw new WechatApiError('WECHAT.HTTP_STATUS', null, response.statusText, method, response.status);
        const contentType = response.headers.get('content-type') ?? 'application/octet-stream';
        // Errors come back as a small JSON body instead of the file.
        if (/json|text\/plain/i.test(contentType)) {
          const json = parseObject(body.toString('utf8'));
          if (json && typeof json.errcode === 'number' && json.errcode !== 0) throw apiError(json.errcode, json.errmsg, method);
        }
        return { content: body, contentType };
      });
    },
  };
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** A short reason for a failed fetch; undici puts the useful part (ECONNREFUSED, …) in `cause`. */
function transportReason(error: unknown, timeoutMs: number): string {
  // Duck-typed: the timeout is a DOMException, which is not an Error in every realm.
  const failed = (error ?? {}) as { name?: unknown; message?: unknown; cause?: { code?: unknown; message?: unknown } };
  if (failed.name === 'TimeoutError' || failed.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  if (typeof failed.cause?.code === 'string') return failed.cause.code;
  if (typeof failed.cause?.message === 'string') return failed.cause.message;
  return typeof failed.message === 'string' ? failed.message : String(error);
}
