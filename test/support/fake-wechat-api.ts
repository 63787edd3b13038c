/**
 * A local fake of the WeChat Official Account API for tests: no test may reach api.weixin.qq.com.
 *
 * Point the client at it with `createWechatApiClient({ apiBase: fake.url, appId: fake.appId,
 * appSecret: fake.appSecret, now: () => fake.now, … })`. It follows PROTOCOLS.md: answers are
 * HTTP 200 with `{ errcode, errmsg }` (errcode 0 on success), errmsg ending in ` rid: …` as on
 * the real server; media/get answers the file's bytes, or a JSON error body.
 *
 * Time is the fake's own clock, `fake.now`: token lifetimes, the 48-hour window and the 3-day
 * media expiry follow it, so a test moves it instead of waiting.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `failNext` makes the next call of a path answer. */
export type WechatFakeFailure =
  /** HTTP 200 with this errcode (errmsg defaults to WeChat's text for it). */
  | { errcode: number; errmsg?: string }
  /** This HTTP status with a plain-text body. */
  | { status: number }
  /** The connection is dropped without an answer. */
  | { hangUp: true }
  /** The call is handled normally, but only after this delay (a client timeout still leaves it accepted). */
  | { delayMs: number };

export interface WechatCall {
  /** The path below /cgi-bin/, e.g. `message/custom/send`. */
  path: string;
  httpMethod: string;
  query: Record<string, string>;
  /** The decoded JSON body (POST), or null. */
  body: Record<string, unknown> | null;
  /** fake.now when it arrived. */
  at: Date;
  status?: number;
  /** The errcode answered (0 on success); undefined for an HTTP error, a hang-up or a file. */
  errcode?: number;
}

export type AcceptedMessage =
  | { kind: 'text'; touser: string; at: Date; content: string; body: Record<string, unknown> }
  | { kind: 'template'; touser: string; at: Date; templateId: string; data: Record<string, { value: string }>; url?: string; msgId: string; body: Record<string, unknown> }
  | { kind: 'subscription'; touser: string; at: Date; templateId: string; data: Record<string, { value: string }>; body: Record<string, unknown> };

export interface FakeWechatApi {
  /** http://127.0.0.1:<port> */
  url: string;
  appId: string;
  appSecret: string;
  /** The fake's clock; set it (or use advance) to move time. */
  now: Date;
  advance(ms: number): void;
  /** Every request in arrival order, failed ones included. */
  calls: WechatCall[];
  /** Messages WeChat accepted (custom/send, template/send, subscribe/bizsend), in order. */
  messages: AcceptedMessage[];
  /** The texts accepted for one user, in order. */
  textsTo(openid: string): string[];
  /** stable_token requests, any outcome. */
  readonly tokenFetches: number;
  /** stable_token requests with force_refresh (limited to 20 a day on the real server). */
  readonly forcedRefreshes: number;
  /** The token stable_token hands out now, if one was issued and is still valid. */
  readonly currentToken: string | null;
  /** The current token reaches its end: calls with it answer 42001, the next stable_token issues a new one. */
  expireToken(): void;
  /** The current token is revoked (as by a force_refresh elsewhere): calls with it answer 40001. */
  invalidateToken(): void;
  /** The user sent a message at `at` (default now): a 48-hour window with 5 customer-service messages. */
  userWrote(openid: string, at?: Date): void;
  /** A menu click, follow or scan at `at` (default now): 3 customer-service messages within 1 minute. */
  userClicked(openid: string, at?: Date): void;
  /** The user unfollowed: template messages answer 43004, customer-service ones 45015. */
  userUnfollowed(openid: string): void;
  /** The user accepted a subscription notice `times` times (one bizsend each). */
  userAccepted(openid: string, templateId: string, times?: number): void;
  /** The user refused (or revoked) every subscription notice: bizsend answers 43101. */
  userRefused(openid: string): void;
  /** Only these template ids (with these field keys) are accepted once any is registered. */
  addTemplate(templateId: string, fields: string[]): void;
  /** A temporary media file, uploaded at `at` (default now); expires after 3 days. */
  addMedia(mediaId: string, content: Buffer, contentType: string, at?: Date): void;
  /**
   * The next `times` (default 1) calls of `path` (`message/custom/send`, `/cgi-bin/stable_token`,
   * or '*' for any) answer `failure` instead. A path-specific failure is used before a '*' one.
   */
  failNext(path: string, failure: WechatFakeFailure, times?: number): void;
  close(): Promise<void>;
}

const TOKEN_SECONDS = 7200;
const MESSAGE_WINDOW_MS = 48 * 3_600_000;
const MESSAGE_QUOTA = 5;
const MENU_WINDOW_MS = 60_000;
const MENU_QUOTA = 3;
const MEDIA_LIFETIME_MS = 3 * 24 * 3_600_000;

const ERRMSG: Record<number, string> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40007: 'invalid media_id',
  40008: 'invalid message type',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40037: 'invalid template_id',
  40125: 'invalid appsecret',
  40164: 'invalid ip 203.0.113.7, not in whitelist',
  41001: 'access_token missing',
  42001: 'access_token expired',
  43004: 'require subscribe',
  43101: 'user refuse to accept the msg',
  44004: 'empty content',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit  mustslower  retry next minute',
  45015: 'response out of time limit or subscription is canceled',
  45047: 'out of response count limit',
  47001: 'data format error',
  47003: 'argument invalid!',
  48001: 'api unauthorized',
};

class Answer extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string = ERRMSG[errcode] ?? 'error',
  ) {
    super(errmsg);
  }
}

interface Grant {
  at: number;
  until: number;
  left: number;
}

type Body = Record<string, unknown>;

const newRid = () => `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;

function normalPath(path: string): string {
  return path === '*' ? '*' : path.replace(/^\/+/, '').replace(/^cgi-bin\//, '');
}

function templateData(value: unknown): Record<string, { value: string }> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Answer(47003, 'argument invalid! data is empty');
  const data: Record<string, { value: string }> = {};
  for (const [key, field] of Object.entries(value)) {
    const text = (field as { value?: unknown } | null)?.value;
    if (typeof text !== 'string') throw new Answer(47003, `argument invalid! data.${key}.value invalid`);
    data[key] = { value: text };
  }
  return data;
}

export async function startFakeWechatApi(options: { appId?: string; appSecret?: string; now?: Date } = {}): Promise<FakeWechatApi> {
  const appId = options.appId ?? 'wx5823bf96d3bd56c7';
  const appSecret = options.appSecret ?? randomBytes(16).toString('hex');
  const calls: WechatCall[] = [];
  const messages: AcceptedMessage[] = [];
  const failures = new Map<string, { failure: WechatFakeFailure; remaining: number }[]>();
  const tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  let current: string | null = null;
  let forcedRefreshes = 0;
  const messageGrants = new Map<string, Grant>();
  const menuGrants = new Map<string, Grant>();
  const unfollowed = new Set<string>();
  const acceptances = new Map<string, number>();
  const templates = new Map<string, string[]>();
  const media = new Map<string, { content: Buffer; contentType: string; at: number }>();
  const timers = new Set<NodeJS.Timeout>();
  // A large msgid, as WeChat's are: above 2^53, so a client that parses it as a number loses digits.
  let nextMsgId = 3_000_000_000_000_000_000n;

  const time = () => fake.now.getTime();

  function validToken(): string | null {
    if (current === null) return null;
    const token = tokens.get(current);
    return token && !token.revoked && token.expiresAt > time() ? current : null;
  }

  function checkToken(query: Record<string, string>): void {
    const given = query.access_token;
    if (!given) throw new Answer(41001);
    const token = tokens.get(given);
    if (!token || token.revoked) throw new Answer(40001);
    if (token.expiresAt <= time()) throw new Answer(42001);
  }

  function takeFailure(path: string): WechatFakeFailure | undefined {
    for (const key of [path, '*']) {
      const list = failures.get(key);
      const first = list?.[0];
      if (!list || !first) continue;
      first.remaining -= 1;
      if (first.remaining <= 0) list.shift();
      return first.failure;
    }
    return undefined;
  }

  /** Spends one customer-service message: the menu grant first, then the message grant. */
  function consumeWindow(openid: string): void {
    const at = time();
    const grants = [menuGrants.get(openid), messageGrants.get(openid)].filter((grant): grant is Grant => !!grant && grant.until > at);
    if (unfollowed.has(openid) || grants.length === 0) throw new Answer(45015);
    const usable = grants.find((grant) => grant.left > 0);
    if (!usable) throw new Answer(45047);
    usable.left -= 1;
  }

  const handlers: Record<string, (query: Record<string, string>, body: Body | null, res: ServerResponse) => Body | null> = {
    stable_token: (_query, body) => {
      if (body?.grant_type !== 'client_credential') throw new Answer(40002);
      if (body.appid !== appId) throw new Answer(40013);
      if (body.secret !== appSecret) throw new Answer(40125);
      const force = body.force_refresh === true;
      if (force) forcedRefreshes += 1;
      let token = force ? null : validToken();
      if (token === null) {
        const previous = current === null ? undefined : tokens.get(current);
        if (previous) previous.revoked = true;
        token = `${randomBytes(3).readUIntBE(0, 3) % 100}_${randomBytes(96).toString('base64url')}`;
        tokens.set(token, { expiresAt: time() + TOKEN_SECONDS * 1000, revoked: false });
        current = token;
      }
      const expiresAt = tokens.get(token)?.expiresAt ?? time();
      return { access_token: token, expires_in: Math.ceil((expiresAt - time()) / 1000) };
    },

    'message/custom/send': (query, body) => {
      checkToken(query);
      const touser = typeof body?.touser === 'string' ? body.touser : '';
      if (!touser) throw new Answer(40003);
      if (body?.msgtype !== 'text') throw new Answer(40008);
      const content = (body.text as { content?: unknown } | undefined)?.content;
      if (typeof content !== 'string' || content === '') throw new Answer(44004);
      consumeWindow(touser);
      messages.push({ kind: 'text', touser, at: new Date(time()), content, body });
      return {};
    },

    'message/template/send': (query, body) => {
      checkToken(query);
      const touser = typeof body?.touser === 'string' ? body.touser : '';
      if (!touser) throw new Answer(40003);
      const templateId = typeof body?.template_id === 'string' ? body.template_id : '';
      if (!templateId || (templates.size > 0 && !templates.has(templateId))) throw new Answer(40037);
      const data = templateData(body?.data);
      for (const field of templates.get(templateId) ?? []) {
        if (!data[field]) throw new Answer(47003, `argument invalid! data.${field}.value empty`);
      }
      if (unfollowed.has(touser)) throw new Answer(43004);
      const msgId = String(nextMsgId++);
      const url = typeof body?.url === 'string' ? body.url : undefined;
      messages.push({ kind: 'template', touser, at: new Date(time()), templateId, data, ...(url ? { url } : {}), msgId, body: body ?? {} });
      return { msgid: msgId };
    },

    'message/subscribe/bizsend': (query, body) => {
      checkToken(query);
      const touser = typeof body?.touser === 'string' ? body.touser : '';
      if (!touser) throw new Answer(40003);
      const templateId = typeof body?.template_id === 'string' ? body.template_id : '';
      if (!templateId) throw new Answer(40037);
      const data = templateData(body?.data);
      const key = `${touser}\n${templateId}`;
      const left = acceptances.get(key) ?? 0;
      if (left <= 0) throw new Answer(43101);
      acceptances.set(key, left - 1);
      messages.push({ kind: 'subscription', touser, at: new Date(time()), templateId, data, body: body ?? {} });
      return {};
    },

    'media/get': (query, _body, res) => {
      checkToken(query);
      const file = media.get(query.media_id ?? '');
      if (!file || file.at + MEDIA_LIFETIME_MS <= time()) throw new Answer(40007);
      res.writeHead(200, {
        'content-type': file.contentType,
        'content-length': file.content.length,
        'content-disposition': `attachment; filename="${query.media_id}"`,
      });
      res.end(file.content);
      return null;
    },
  };

  function sendJson(res: ServerResponse, call: WechatCall, body: Body, errcode: number): void {
    call.status = 200;
    call.errcode = errcode;
    // msgid goes out as a bare 64-bit number, as WeChat writes it.
    const json = JSON.stringify(body).replace(/"msgid":"(\d+)"/, '"msgid":$1');
    // WeChat labels its JSON this way, media/get errors included.
    res.writeHead(200, { 'content-type': 'application/json; encoding=utf-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  function sendError(res: ServerResponse, call: WechatCall, answer: Answer): void {
    sendJson(res, call, { errcode: answer.errcode, errmsg: `${answer.errmsg} rid: ${newRid()}` }, answer.errcode);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  function respond(call: WechatCall, raw: Buffer, res: ServerResponse): void {
    const handler = handlers[call.path];
    if (!handler) {
      call.status = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    try {
      if (call.httpMethod === 'POST') {
        let parsed: unknown;
        try {
          parsed = JSON.parse(raw.toString('utf8'));
        } catch {
          throw new Answer(47001);
        }
        if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Answer(47001);
        call.body = parsed as Body;
      }
      const result = handler(call.query, call.body, res);
      if (result === null) {
        call.status = 200;
        return;
      }
      sendJson(res, call, { errcode: 0, errmsg: 'ok', ...result }, 0);
    } catch (error) {
      if (error instanceof Answer) return sendError(res, call, error);
      throw error;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const call: WechatCall = {
      path: normalPath(url.pathname),
      httpMethod: req.method ?? 'GET',
      query: Object.fromEntries(url.searchParams),
      body: null,
      at: new Date(time()),
    };
    calls.push(call);
    const raw = await readBody(req);
    const failure = takeFailure(call.path);
    if (failure && 'delayMs' in failure) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        respond(call, raw, res);
      }, failure.delayMs);
      timers.add(timer);
      return;
    }
    if (failure && 'hangUp' in failure) {
      req.socket.destroy();
      return;
    }
    if (failure && 'status' in failure) {
      call.status = failure.status;
      res.writeHead(failure.status, { 'content-type': 'text/plain' });
      res.end(`HTTP ${failure.status}`);
      return;
    }
    if (failure) return sendError(res, call, new Answer(failure.errcode, failure.errmsg));
    respond(call, raw, res);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (res.headersSent) return res.destroy();
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal Server Error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  const fake: FakeWechatApi = {
    url: `http://127.0.0.1:${port}`,
    appId,
    appSecret,
    now: options.now ?? new Date('2026-03-02T01:00:00.000Z'),
    advance(ms) {
      fake.now = new Date(time() + ms);
    },
    calls,
    messages,
    textsTo(openid) {
      return messages.flatMap((message) => (message.kind === 'text' && message.touser === openid ? [message.content] : []));
    },
    get tokenFetches() {
      return calls.filter((call) => call.path === 'stable_token').length;
    },
    get forcedRefreshes() {
      return forcedRefreshes;
    },
    get currentToken() {
      return validToken();
    },
    expireToken() {
      const token = current === null ? undefined : tokens.get(current);
      if (token) token.expiresAt = time();
    },
    invalidateToken() {
      const token = current === null ? undefined : tokens.get(current);
      if (token) token.revoked = true;
    },
    userWrote(openid, at = fake.now) {
      unfollowed.delete(openid);
      messageGrants.set(openid, { at: at.getTime(), until: at.getTime() + MESSAGE_WINDOW_MS, left: MESSAGE_QUOTA });
    },
    userClicked(openid, at = fake.now) {
      unfollowed.delete(openid);
      menuGrants.set(openid, { at: at.getTime(), until: at.getTime() + MENU_WINDOW_MS, left: MENU_QUOTA });
    },
    userUnfollowed(openid) {
      unfollowed.add(openid);
    },
    userAccepted(openid, templateId, times = 1) {
      const key = `${openid}\n${templateId}`;
      acceptances.set(key, (acceptances.get(key) ?? 0) + times);
    },
    userRefused(openid) {
      for (const key of acceptances.keys()) if (key.startsWith(`${openid}\n`)) acceptances.delete(key);
    },
    addTemplate(templateId, fields) {
      templates.set(templateId, [...fields]);
    },
    addMedia(mediaId, content, contentType, at = fake.now) {
      media.set(mediaId, { content, contentType, at: at.getTime() });
    },
    failNext(path, failure, times = 1) {
      if (times <= 0) return;
      const key = normalPath(path);
      const list = failures.get(key) ?? [];
      list.push({ failure, remaining: times });
      failures.set(key, list);
    },
    async close() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return fake;
}
