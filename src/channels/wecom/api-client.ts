import { sharedAccessToken } from '../../redis/shared-access-token';
import type { Redis } from 'ioredis';
import { truncateUtf8 } from './utf8';

/** An application message (应用消息); what each type shows is in render.ts. */
export type WecomAppMessage =
  | { msgtype: 'text'; content: string }
  /** Shown in the WeCom app only: members who read WeCom through WeChat (微信插件) see "unsupported". */
  | { msgtype: 'markdown'; content: string }
  /** WeCom requires the url; `btntxt` is at most 4 characters (default 详情). */
  | { msgtype: 'textcard'; title: string; description: string; url: string; btntxt?: string };

export interface WecomApiClient {
  /** One application message to one member (userid); `msgId` lets it be recalled. */
  sendAppMessage(toUser: string, message: WecomAppMessage): Promise<{ msgId: string | null }>;
  /** A group robot (群机器人) post; cut to WeCom's 4096 bytes. The key is the one in the webhook URL. */
  sendRobotMarkdown(webhookKey: string, markdown: string): Promise<void>;
  /** A group robot text; cut to WeCom's 2048 bytes. */
  sendRobotText(webhookKey: string, text: string): Promise<void>;
}

export interface WecomApiClientOptions {
  /** https://qyapi.weixin.qq.com (config WECOM_API_BASE). */
  apiBase: string;
  /** 企业ID (WECOM_CORP_ID). */
  corpId: string;
  /** The application's Secret (WECOM_SECRET): each application of a corp has its own token. */
  secret: string;
  /** The application's AgentId (WECOM_AGENT_ID), a number. */
  agentId: string;
  /** Holds the access token for every process of the deployment, and the lock to fetch it. */
  redis: Redis;
  now?: () => Date;
  /** One request, token fetch included. Default 10 s. */
  timeoutMs?: number;
  /** A cached token is dropped this long before WeCom says it ends. Default 300 s. */
  tokenMarginSeconds?: number;
  /**
   * WeCom drops a message identical to one sent to the same member within this window, so a job
   * retried after a partial send does not repeat what already arrived. Default 1800 s, at most 4 h.
   */
  duplicateCheckSeconds?: number;
}

export type WecomApiErrorCode =
  /** WeCom answered with a non-zero errcode. */
  | 'WECOM.API_ERROR'
  /** errcode 0, but the member is not among those WeCom delivered to (`invaliduser`, `unlicenseduser`). */
  | 'WECOM.NOT_DELIVERED'
  /** An HTTP status other than 200. */
  | 'WECOM.HTTP_STATUS'
  /** No answer: connection refused or reset, DNS, or the timeout. */
  | 'WECOM.UNREACHABLE'
  /** An answer that is not what the API documents. */
  | 'WECOM.BAD_RESPONSE'
  /** Another process held the token lock and no token appeared in time. */
  | 'WECOM.TOKEN_BUSY'
  /** The options cannot work (AgentId not a number). */
  | 'WECOM.BAD_CONFIG';

/** A failed API call. Never carries the access token, the Secret or a robot key. */
export class WecomApiError extends Error {
  override readonly name = 'WecomApiError';

  constructor(
    readonly code: WecomApiErrorCode,
    /** WeCom's errcode; null when WeCom did not answer with one. */
    readonly errcode: number | null,
    readonly errmsg: string,
    /** The API path below /cgi-bin/, e.g. `message/send`. */
    readonly method: string,
    /** The HTTP status, when there was an answer. */
    readonly status: number | null = null,
  ) {
    super(describe(code, errcode, errmsg, method, status));
  }
}

const TOKEN_HINT = 'The access token was rejected twice; the Secret may have been reset in the admin console.';
/** What to do about the errcodes an operator can fix. */
const HINTS: Record<number, string> = {
  [-1]: 'WeCom is busy; retry later.',
  40001: 'Check WECOM_SECRET (应用管理 → the application → Secret).',
  40013: 'Check WECOM_CORP_ID (我的企业 → 企业ID).',
  40014: TOKEN_HINT,
  42001: TOKEN_HINT,
  40056: 'Check WECOM_AGENT_ID (应用管理 → the application → AgentId).',
  45009: 'Too many calls; slow down.',
  45033: 'Too many calls at once; slow down.',
  48002: 'The application is not granted this API.',
  60011: "The member is outside the application's visible range (可见范围).",
  60020: "Add this server's outbound IP to the application's trusted IPs (企业可信IP).",
  81013: 'No such member in the corp, or outside the visible range: check the bound userid.',
  93000: 'The robot key is wrong, or the robot was removed from its group.',
};

function describe(code: WecomApiErrorCode, errcode: number | null, errmsg: string, method: string, status: number | null): string {
  switch (code) {
    case 'WECOM.API_ERROR': {
      const hint = errcode === null ? undefined : HINTS[errcode];
      return `WeCom ${method} answered errcode ${errcode} (${errmsg}).${hint ? ` ${hint}` : ''}`;
    }
    case 'WECOM.NOT_DELIVERED':
      return `WeCom ${method} did not deliver: ${errmsg}.`;
    case 'WECOM.HTTP_STATUS':
      return `WeCom ${method} answered HTTP ${status}; ${status !== null && (status >= 500 || status === 429) ? 'retry later' : 'check WECOM_API_BASE and any proxy in between'}.`;
    case 'WECOM.UNREACHABLE':
      return `WeCom ${method} could not be reached (${errmsg}); check the network and WECOM_API_BASE.`;
    case 'WECOM.BAD_RESPONSE':
      return `WeCom ${method} answered something unexpected (${errmsg}).`;
    case 'WECOM.TOKEN_BUSY':
      return `No WeCom access token for ${method}: ${errmsg}.`;
    case 'WECOM.BAD_CONFIG':
      return `WeCom is configured wrongly: ${errmsg}.`;
  }
}

/** errcodes that mean "this access token is no good" (in WeCom, 40001 is a wrong Secret, not a token). */
const TOKEN_ERRCODES = new Set([40014, 42001]);

/** Group robots: markdown up to 4096 bytes, text up to 2048 (PROTOCOLS.md). */
export const ROBOT_MARKDOWN_BYTES = 4096;
export const ROBOT_TEXT_BYTES = 2048;
/** Application messages: text and markdown up to 2048 bytes; a text card's title 128, its description 512. */
export const APP_TEXT_BYTES = 2048;
export const TEXTCARD_TITLE_BYTES = 128;
export const TEXTCARD_DESCRIPTION_BYTES = 512;

const MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600;

// Deletes a key only if it still holds what we read: another process may have stored a newer token or lock.

export function createWecomApiClient(options: WecomApiClientOptions): WecomApiClient {
  const { redis, corpId, secret } = options;
  const apiBase = options.apiBase.replace(/\/+$/, '');
  const now = options.now ?? (() => new Date());
  const timeoutMs = options.timeoutMs ?? 10_000;
  const marginSeconds = options.tokenMarginSeconds ?? 300;
  const duplicateCheckSeconds = Math.min(MAX_DUPLICATE_CHECK_SECONDS, Math.max(1, Math.floor(options.duplicateCheckSeconds ?? 1800)));
  if (!/^\d{1,10}$/.test(options.agentId.trim())) {
    throw new WecomApiError('WECOM.BAD_CONFIG', null, 'WECOM_AGENT_ID must be the number shown as AgentId', 'message/send');
  }
  const agentId = Number(options.agentId.trim());
  // The lock outlives one token request, so a holder that died frees it for the next.
  const lockTtlMs = timeoutMs + 1_000;
  const tokenKey = `wecom-token:${corpId}:${agentId}`;
  const lockKey = `wecom-token-lock:${corpId}:${agentId}`;
  const secretsSeen = new Set<string>([secret]);

  /** Removes the Secret, robot keys and any token this process has held from text that leaves the client. */
  function scrub(text: string): string {
    let clean = text.replace(/(access_token|corpsecret|key)=[^&\s"']*/gi, '$1=***');
    for (const hidden of secretsSeen) {
      if (hidden) clean = clean.split(hidden).join('***');
    }
    return clean;
  }

  async function exchange(method: string, url: URL, init: RequestInit): Promise<Record<string, unknown>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw new WecomApiError('WECOM.UNREACHABLE', null, scrub(transportReason(error, timeoutMs)), method);
    }
    if (response.status !== 200) throw new WecomApiError('WECOM.HTTP_STATUS', null, scrub(response.statusText), method, response.status);
    const json = parseObject(text);
    if (!json) throw new WecomApiError('WECOM.BAD_RESPONSE', null, 'not a JSON object', method, response.status);
    const errcode = json.errcode;
    if (errcode !== undefined && errcode !== 0) {
      throw typeof errcode === 'number'
        ? new WecomApiError('WECOM.API_ERROR', errcode, scrub(typeof json.errmsg === 'string' ? json.errmsg : ''), method, 200)
        : new WecomApiError('WECOM.BAD_RESPONSE', null, 'errcode is not a number', method, response.status);
    }
    return json;
  }

  const postJson = (method: string, query: Record<string, string>, body: unknown) => {
    const url = new URL(`${apiBase}/cgi-bin/${method}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    return exchange(method, url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  };

  const tokens = sharedAccessToken({
    redis,
    key: tokenKey,
    lockKey,
    marginSeconds,
    lockTtlMs,
    now,
    busy: (waitedMs) => new WecomApiError('WECOM.TOKEN_BUSY', null, `another process holds the token lock for over ${waitedMs} ms`, 'gettoken'),
    refused: (error) => error instanceof WecomApiError && error.errcode !== null && TOKEN_ERRCODES.has(error.errcode),
    seen: (token) => secretsSeen.add(token),
    async fetch() {
      const url = new URL(`${apiBase}/cgi-bin/gettoken`);
      url.searchParams.set('corpid', corpId);
      url.searchParams.set('corpsecret', secret);
      const json = await exchange('gettoken', url, { method: 'GET' });
      const token = json.access_token;
      const expiresIn = json.expires_in;
      if (typeof token !== 'string' || token === '' || typeof expiresIn !== 'number' || !(expiresIn > 0)) {
        throw new WecomApiError('WECOM.BAD_RESPONSE', null, 'no access_token or expires_in', 'gettoken', 200);
      }
      return { token, expiresInSeconds: expiresIn };
    },
  });

  async function robot(webhookKey: string, body: Record<string, unknown>): Promise<void> {
    secretsSeen.add(webhookKey);
    await postJson('webhook/send', { key: webhookKey }, body);
  }

  return {
    async sendAppMessage(toUser, message) {
      const method = 'message/send';
      const json = await tokens.run((token) =>
        postJson(
          method,
          { access_token: token },
          {
            touser: toUser,
            msgtype: message.msgtype,
            agentid: agentId,
            [message.msgtype]: appContent(message),
            enable_duplicate_check: 1,
            duplicate_check_interval: duplicateCheckSeconds,
          },
        ),
      );
      // errcode 0 still lists recipients WeCom could not deliver to (lower-cased), and members without a licence.
      for (const field of ['invaliduser', 'unlicenseduser'] as const) {
        const listed = typeof json[field] === 'string' ? (json[field] as string).toLowerCase().split('|') : [];
        if (listed.includes(toUser.toLowerCase())) throw new WecomApiError('WECOM.NOT_DELIVERED', null, `${field} lists the recipient`, method, 200);
      }
      return { msgId: typeof json.msgid === 'string' && json.msgid ? json.msgid : null };
    },

    async sendRobotMarkdown(webhookKey, markdown) {
      await robot(webhookKey, { msgtype: 'markdown', markdown: { content: truncateUtf8(markdown, ROBOT_MARKDOWN_BYTES) } });
    },

    async sendRobotText(webhookKey, text) {
      await robot(webhookKey, { msgtype: 'text', text: { content: truncateUtf8(text, ROBOT_TEXT_BYTES) } });
    },
  };
}

/** The message's own object, cut to WeCom's limits so that an overlong one is shortened, not refused. */
function appContent(message: WecomAppMessage): Record<string, string> {
  switch (message.msgtype) {
    case 'text':
    case 'markdown':
      return { content: truncateUtf8(message.content, APP_TEXT_BYTES) };
    case 'textcard':
      return {
        title: truncateUtf8(message.title, TEXTCARD_TITLE_BYTES),
        description: truncateUtf8(message.description, TEXTCARD_DESCRIPTION_BYTES),
        url: message.url,
        ...(message.btntxt ? { btntxt: [...message.btntxt].slice(0, 4).join('') } : {}),
      };
  }
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
