/**
 * A local fake of the WeCom (企业微信) server API for tests: no test may reach qyapi.weixin.qq.com.
 *
 * Point the client at it with `createWecomApiClient({ apiBase: fake.url, corpId: fake.corpId,
 * secret: fake.secret, agentId: fake.agentId, … })`. It follows PROTOCOLS.md: answers are HTTP
 * 200 with `{ errcode, errmsg }` (errcode 0 on success), errmsg ending in a hint as on the real
 * server; application messages reach only members of the application (errcode 81013 when no
 * recipient is valid, `invaliduser` / `unlicenseduser` with errcode 0 when some are not);
 * identical messages within the duplicate-check interval and messages over a member's 30 a
 * minute / 1000 an hour are accepted and silently dropped; robot posts are capped in bytes.
 *
 * Time is the fake's own clock, `fake.now`: token lifetimes, the duplicate check and the rate
 * limits follow it, so a test moves it instead of waiting.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What `failNext` makes the next call of a path answer. */
export type WecomFakeFailure =
  /** HTTP 200 with this errcode (errmsg defaults to WeCom's text for it). */
  | { errcode: number; errmsg?: string }
  /** This HTTP status with a plain-text body. */
  | { status: number }
  /** The connection is dropped without an answer. */
  | { hangUp: true }
  /** The call is handled normally, but only after this delay. */
  | { delayMs: number };

export interface WecomCall {
  /** The path below /cgi-bin/, e.g. `message/send`. */
  path: string;
  httpMethod: string;
  query: Record<string, string>;
  body: Record<string, unknown> | null;
  at: Date;
  status?: number;
  /** The errcode answered (0 on success); undefined for an HTTP error or a hang-up. */
  errcode?: number;
}

/** An application message as WeCom delivered it to one member. */
export interface DeliveredAppMessage {
  touser: string;
  msgtype: 'text' | 'markdown' | 'textcard';
  /** text and markdown: the content; textcard: title, description and url joined by newlines. */
  content: string;
  textcard?: { title: string; description: string; url: string; btntxt?: string };
  msgId: string;
  at: Date;
  body: Record<string, unknown>;
}

export interface RobotPost {
  key: string;
  msgtype: 'text' | 'markdown';
  content: string;
  at: Date;
}

export interface FakeWecomApi {
  /** http://127.0.0.1:<port> */
  url: string;
  corpId: string;
  secret: string;
  agentId: string;
  now: Date;
  advance(ms: number): void;
  /** Every request in arrival order, failed ones included. */
  calls: WecomCall[];
  /** Application messages delivered, per member and in order. */
  delivered: DeliveredAppMessage[];
  /** What a member received, as content strings. */
  contentsTo(userid: string): string[];
  /** Accepted with errcode 0 but not delivered: duplicates and messages over a member's rate. */
  dropped: Array<{ touser: string; reason: 'duplicate' | 'rate'; body: Record<string, unknown> }>;
  robotPosts: RobotPost[];
  readonly tokenFetches: number;
  readonly currentToken: string | null;
  /** The current token reaches its end: calls with it answer 42001, the next gettoken issues a new one. */
  expireToken(): void;
  /** The current token is revoked (the Secret was reset): calls with it answer 40014. */
  invalidateToken(): void;
  /** Members in the application's visible range; by default every userid is one. */
  addMember(userid: string): void;
  /** The member left or is outside the visible range: sends to them alone answer 81013. */
  removeMember(userid: string): void;
  /** The member has no interface licence: sends answer 0 with `unlicenseduser`. */
  unlicense(userid: string): void;
  /** A group robot with this webhook key. */
  addRobot(key: string): void;
  /**
   * The next `times` (default 1) calls of `path` (`message/send`, `gettoken`, `webhook/send`,
   * or '*' for any) answer `failure` instead. A path-specific failure is used before a '*' one.
   */
  failNext(path: string, failure: WecomFakeFailure, times?: number): void;
  close(): Promise<void>;
}

const TOKEN_SECONDS = 7200;
const APP_CONTENT_BYTES = 2048;
const TEXTCARD_TITLE_BYTES = 128;
const TEXTCARD_DESCRIPTION_BYTES = 512;
const ROBOT_LIMITS = { text: 2048, markdown: 4096 } as const;
const ROBOT_PER_MINUTE = 20;
const MEMBER_PER_MINUTE = 30;
const MEMBER_PER_HOUR = 1000;
const DEFAULT_DUPLICATE_SECONDS = 1800;
const MAX_DUPLICATE_SECONDS = 4 * 3600;

const ERRMSG: Record<number, string> = {
  [-1]: 'system busy',
  40001: 'invalid secret',
  40008: 'invalid message type',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40056: 'invalid agentid',
  40058: 'invalid Request Parameter',
  41001: 'access_token missing',
  42001: 'access_token expired',
  44004: 'empty content',
  45002: 'content size out of limit',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  47001: 'data format error',
  48002: 'api forbidden',
  60011: 'no privilege to access/modify contact/party/agent',
  60020: 'not allow to access from your ip',
  81013: 'user & party & tag all invalid',
  93000: 'invalid webhook url',
};

class Answer extends Error {
  constructor(
    readonly errcode: number,
    readonly errmsg: string = ERRMSG[errcode] ?? 'error',
  ) {
    super(errmsg);
  }
}

type Body = Record<string, unknown>;

const bytes = (text: string) => Buffer.byteLength(text, 'utf8');
const hint = (errcode: number) => `, hint: [${Math.floor(Date.now() / 1000)}_${randomBytes(4).toString('hex')}], more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;

function normalPath(path: string): string {
  return path === '*' ? '*' : path.replace(/^\/+/, '').replace(/^cgi-bin\//, '');
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export async function startFakeWecomApi(options: { corpId?: string; secret?: string; agentId?: string; now?: Date } = {}): Promise<FakeWecomApi> {
  const corpId = options.corpId ?? 'wx5823bf96d3bd56c7';
  const secret = options.secret ?? randomBytes(16).toString('hex');
  const agentId = options.agentId ?? '1000002';
  const calls: WecomCall[] = [];
  const delivered: DeliveredAppMessage[] = [];
  const dropped: FakeWecomApi['dropped'] = [];
  const robotPosts: RobotPost[] = [];
  const failures = new Map<string, { failure: WecomFakeFailure; remaining: number }[]>();
  const tokens = new Map<string, { expiresAt: number; revoked: boolean }>();
  let current: string | null = null;
  let members: Set<string> | null = null;
  const removed = new Set<string>();
  const unlicensed = new Set<string>();
  const robots = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let nextMsgId = 1;

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
    if (!token || token.revoked) throw new Answer(40014);
    if (token.expiresAt <= time()) throw new Answer(42001);
  }

  function takeFailure(path: string): WecomFakeFailure | undefined {
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

  // WeCom userids are case-insensitive.
  const id = (userid: string) => userid.toLowerCase();
  const isMember = (userid: string) => !removed.has(id(userid)) && (members === null || members.has(id(userid)));

  /** The message's content as WeCom checks it; throws the errcode the real server answers. */
  function contentOf(body: Body): Pick<DeliveredAppMessage, 'msgtype' | 'content' | 'textcard'> {
    const msgtype = body.msgtype;
    if (msgtype === 'text' || msgtype === 'markdown') {
      const content = text((body[msgtype] as Body | undefined)?.content);
      if (!content) throw new Answer(44004);
      if (bytes(content) > APP_CONTENT_BYTES) throw new Answer(45002, `${msgtype}.content exceed max length ${APP_CONTENT_BYTES}`);
      return { msgtype, content };
    }
    if (msgtype === 'textcard') {
      const card = (body.textcard ?? {}) as Body;
      const title = text(card.title);
      const description = text(card.description);
      const url = text(card.url);
      const btntxt = text(card.btntxt) ?? undefined;
      if (!title || !description || !url) throw new Answer(40058, 'textcard needs title, description and url');
      if (bytes(title) > TEXTCARD_TITLE_BYTES) throw new Answer(45002, `textcard.title exceed max length ${TEXTCARD_TITLE_BYTES}`);
      if (bytes(description) > TEXTCARD_DESCRIPTION_BYTES) throw new Answer(45002, `textcard.description exceed max length ${TEXTCARD_DESCRIPTION_BYTES}`);
      if (btntxt !== undefined && [...btntxt].length > 4) throw new Answer(40058, 'textcard.btntxt exceed max length 4');
      return { msgtype, content: [title, description, url].join('\n'), textcard: { title, description, url, ...(btntxt ? { btntxt } : {}) } };
    }
    throw new Answer(40008);
  }

  function isDuplicate(touser: string, body: Body, content: string): boolean {
    if (body.enable_duplicate_check !== 1) return false;
    const interval = Math.min(MAX_DUPLICATE_SECONDS, typeof body.duplicate_check_interval === 'number' ? body.duplicate_check_interval : DEFAULT_DUPLICATE_SECONDS);
    return delivered.some((message) => message.touser === touser && message.content === content && time() - message.at.getTime() < interval * 1000);
  }

  function overRate(touser: string): boolean {
    const sent = delivered.filter((message) => message.touser === touser).map((message) => time() - message.at.getTime());
    return sent.filter((ago) => ago < 60_000).length >= MEMBER_PER_MINUTE || sent.filter((ago) => ago < 3_600_000).length >= MEMBER_PER_HOUR;
  }

  const handlers: Record<string, (query: Record<string, string>, body: Body | null) => Body> = {
    gettoken: (query) => {
      if (query.corpid !== corpId) throw new Answer(40013);
      if (query.corpsecret !== secret) throw new Answer(40001);
      let token = validToken();
      if (token === null) {
        token = randomBytes(48).toString('base64url');
        tokens.set(token, { expiresAt: time() + TOKEN_SECONDS * 1000, revoked: false });
        current = token;
      }
      const expiresAt = tokens.get(token)?.expiresAt ?? time();
      return { access_token: token, expires_in: Math.ceil((expiresAt - time()) / 1000) };
    },

    'message/send': (query, body) => {
      checkToken(query);
      if (!body) throw new Answer(47001);
      if (String(body.agentid) !== agentId || typeof body.agentid !== 'number') throw new Answer(40056);
      const { msgtype, content, textcard } = contentOf(body);
      const recipients = (text(body.touser) ?? '').split('|').filter(Boolean);
      const invalid = recipients.filter((userid) => !isMember(userid));
      const valid = recipients.filter((userid) => isMember(userid));
      if (valid.length === 0) throw new Answer(81013);
      const unlicensedHere = valid.filter((userid) => unlicensed.has(id(userid)));
      const msgId = `msg${nextMsgId++}_${randomBytes(6).toString('hex')}`;
      for (const touser of valid.filter((userid) => !unlicensed.has(id(userid)))) {
        if (isDuplicate(touser, body, content)) {
          dropped.push({ touser, reason: 'duplicate', body });
        } else if (overRate(touser)) {
          dropped.push({ touser, reason: 'rate', body });
        } else {
          delivered.push({ touser, msgtype, content, ...(textcard ? { textcard } : {}), msgId, at: new Date(time()), body });
        }
      }
      // WeCom lower-cases the ids it lists.
      return {
        invaliduser: invalid.join('|').toLowerCase(),
        ...(unlicensedHere.length > 0 ? { unlicenseduser: unlicensedHere.join('|').toLowerCase() } : {}),
        msgid: msgId,
      };
    },

    'webhook/send': (query, body) => {
      const key = query.key ?? '';
      if (!robots.has(key)) throw new Answer(93000);
      if (!body) throw new Answer(47001);
      const msgtype = body.msgtype;
      if (msgtype !== 'text' && msgtype !== 'markdown') throw new Answer(40008);
      const content = text((body[msgtype] as Body | undefined)?.content);
      if (!content) throw new Answer(44004);
      if (bytes(content) > ROBOT_LIMITS[msgtype]) throw new Answer(40058, `${msgtype}.content exceed max length ${ROBOT_LIMITS[msgtype]}`);
      if (robotPosts.filter((post) => post.key === key && time() - post.at.getTime() < 60_000).length >= ROBOT_PER_MINUTE) throw new Answer(45009);
      robotPosts.push({ key, msgtype, content, at: new Date(time()) });
      return {};
    },
  };

  function sendJson(res: ServerResponse, call: WecomCall, body: Body, errcode: number): void {
    call.status = 200;
    call.errcode = errcode;
    const json = JSON.stringify(body);
    res.writeHead(200, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  }

  function sendError(res: ServerResponse, call: WecomCall, answer: Answer): void {
    sendJson(res, call, { errcode: answer.errcode, errmsg: `${answer.errmsg}${hint(answer.errcode)}` }, answer.errcode);
  }

  async function readBody(req: IncomingMessage): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }

  function respond(call: WecomCall, raw: Buffer, res: ServerResponse): void {
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
      sendJson(res, call, { errcode: 0, errmsg: 'ok', ...handler(call.query, call.body) }, 0);
    } catch (error) {
      if (error instanceof Answer) return sendError(res, call, error);
      throw error;
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const call: WecomCall = { path: normalPath(url.pathname), httpMethod: req.method ?? 'GET', query: Object.fromEntries(url.searchParams), body: null, at: new Date(time()) };
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

  const fake: FakeWecomApi = {
    url: `http://127.0.0.1:${port}`,
    corpId,
    secret,
    agentId,
    now: options.now ?? new Date('2026-11-23T02:30:00.000Z'),
    advance(ms) {
      fake.now = new Date(time() + ms);
    },
    calls,
    delivered,
    contentsTo(userid) {
      return delivered.filter((message) => message.touser === userid).map((message) => message.content);
    },
    dropped,
    robotPosts,
    get tokenFetches() {
      return calls.filter((call) => call.path === 'gettoken').length;
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
    addMember(userid) {
      members ??= new Set();
      members.add(id(userid));
      removed.delete(id(userid));
    },
    removeMember(userid) {
      members?.delete(id(userid));
      removed.add(id(userid));
    },
    unlicense(userid) {
      unlicensed.add(id(userid));
    },
    addRobot(key) {
      robots.add(key);
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
