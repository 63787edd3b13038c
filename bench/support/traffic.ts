import { randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { sha1Signature } from '../../src/channels/wechat-crypto/wechat-crypto';
import { percentile } from './report';

/** One whole intake, message by message; a user who finishes starts the next one. */
export const INTAKE_LINES = ['我要投诉', '配送', '包裹已经三天没有送到，客服电话也打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交'] as const;
/** Every message of an intake but the last: a load of these stays mid-intake, the same mix of steps whatever the speed, and files no case. */
export const MID_INTAKE = INTAKE_LINES.slice(0, -1);

export const TELEGRAM_SECRET = 'bench-webhook-secret';
export const WECHAT_TOKEN = 'benchToken2026';
export const WECHAT_ACCOUNT = 'gh_bench0000001';

export interface WebhookRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** Webhook requests for a message from a user, as Telegram and WeChat send them. */
export function webhookMessages(options: { firstUpdateId?: number } = {}) {
  let updateId = options.firstUpdateId ?? 1 + Math.floor(Math.random() * 1e9);
  let msgId = BigInt(Date.now()) * 1000n;
  return {
    telegram(userId: number, text: string): WebhookRequest {
      const date = Math.floor(Date.now() / 1000);
      const from = { id: userId, is_bot: false, first_name: `用户${userId}`, language_code: 'zh-hans' };
      const update = { update_id: updateId++, message: { message_id: updateId, from, chat: { id: userId, type: 'private', first_name: from.first_name }, date, text } };
      return { path: '/telegram/webhook', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET }, body: JSON.stringify(update) };
    },
    wechat(userId: number, text: string): WebhookRequest {
      return signedWechat(`o${userId}`, plainTextXml(`o${userId}`, text, String(msgId++)));
    },
  };
}

/**
 * Request n goes to user n mod users, who is at step ⌊n / users⌋ of the intake: with more users
 * than connections, no user has two messages in flight and each sees its messages in order.
 */
export function intakeTraffic(options: {
  users: number;
  firstUserId: number;
  lines?: readonly string[];
  /** Random by default; generators that run side by side need ranges apart. */
  firstUpdateId?: number;
}) {
  const lines = options.lines ?? INTAKE_LINES;
  const messages = webhookMessages(options);
  let sent = 0;
  const next = () => {
    const n = sent++;
    return { userId: options.firstUserId + (n % options.users), text: lines[Math.floor(n / options.users) % lines.length]! };
  };
  return {
    get sent() {
      return sent;
    },
    telegram(): WebhookRequest {
      const { userId, text } = next();
      return messages.telegram(userId, text);
    },
    wechat(): WebhookRequest {
      const { userId, text } = next();
      return messages.wechat(userId, text);
    },
  };
}

/** A message due `atMs` after the start of a scheduled load; made when it is sent. */
export interface ScheduledMessage {
  atMs: number;
  userId: number;
  text: string;
}

/**
 * People who start an intake one after another and each send its lines about `gapMs` apart, so that at
 * any moment the messages in flight are at every step of the intake, as they are from people who
 * came at different times. `rate` messages a second arrive from when the first person sends their
 * last line (`steadyFromMs`) for `steadyMs`; before it the load ramps up, after it down.
 */
export function staggeredIntakes(options: { rate: number; steadyMs: number; gapMs: number; firstUserId: number; lines: readonly string[] }) {
  const steps = options.lines.length;
  const arrivalEveryMs = (1000 * steps) / options.rate;
  // About gapMs, chosen so that no two messages are due at once: line k of person u is due at
  // (u + k·n)·arrival + k·arrival/steps, every message in a slot of its own, 1/rate apart.
  const gapMs = Math.round(options.gapMs / arrivalEveryMs) * arrivalEveryMs + arrivalEveryMs / steps;
  const rampMs = (steps - 1) * gapMs;
  const users = Math.round((rampMs + options.steadyMs) / arrivalEveryMs);
  const messages: ScheduledMessage[] = [];
  for (let u = 0; u < users; u++) {
    options.lines.forEach((text, step) => messages.push({ atMs: u * arrivalEveryMs + step * gapMs, userId: options.firstUserId + u, text }));
  }
  messages.sort((a, b) => a.atMs - b.atMs);
  return { messages, users, steadyFromMs: rampMs, steadyToMs: rampMs + options.steadyMs };
}

export function plainTextXml(openid: string, content: string, msgId: string): string {
  return `<xml><ToUserName><![CDATA[${WECHAT_ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
}

/** A plaintext-mode callback as WeChat signs it: sha1 of the sorted token, timestamp and nonce. */
export function signedWechat(openid: string, xml: string, token = WECHAT_TOKEN): WebhookRequest {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const query = new URLSearchParams({ signature: sha1Signature([token, timestamp, nonce]), timestamp, nonce, openid });
  return { path: `/wechat?${query.toString()}`, headers: { 'content-type': 'text/xml' }, body: xml };
}

export interface LoadFigures {
  requests: number;
  /** Completed requests a second. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

/** autocannon against `url` as fast as `connections` allow, each request made by `make`; `amount` stops after that many. */
export async function runLoad(options: { url: string; make: () => WebhookRequest; connections: number; durationSeconds: number; amount?: number }): Promise<LoadFigures> {
  const run = autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: 30,
    ...(options.amount ? { amount: options.amount } : {}),
    requests: [
      {
        method: 'POST',
        setupRequest: (request) => {
          const made = options.make();
          return { ...request, method: 'POST', path: made.path, headers: made.headers, body: made.body };
        },
      },
    ],
  });
  // autocannon's result.duration ends at its next one-second tick after the last answer, so a run
  // of amount requests over 2.1 s counts as 3 s; the rate is timed from the first request sent to
  // the last answer received instead.
  let startedAt = 0;
  let lastAnswerAt = 0;
  run.on('start', () => (startedAt = performance.now()));
  run.on('response', () => (lastAnswerAt = performance.now()));
  const result = await run;
  const completed = result['2xx'] + result.non2xx;
  const seconds = startedAt > 0 && lastAnswerAt > startedAt ? (lastAnswerAt - startedAt) / 1000 : result.duration;
  return {
    requests: completed,
    rps: completed / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

/**
 * An open load: each message leaves at its time whether or not earlier ones were answered, as
 * messages from many people do, and its latency counts from that time, so an answer that holds
 * later requests back shows in their figures too. Figures cover the messages due in
 * [fromMs, toMs). (autocannon's overallRate is not this: each connection sends its share of a
 * second back to back at every one-second tick, a burst of the whole second's load, and its
 * latency correction counts each slow answer many times.)
 */
export async function runSchedule(options: {
  url: string;
  messages: readonly ScheduledMessage[];
  make: (userId: number, text: string) => WebhookRequest;
  fromMs: number;
  toMs: number;
  maxSockets: number;
}): Promise<LoadFigures> {
  const target = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let lastAnswerAt = 0;
  const startedAt = performance.now();
  const send = (message: ScheduledMessage) =>
    new Promise<void>((resolve) => {
      const counted = message.atMs >= options.fromMs && message.atMs < options.toMs;
      const made = options.make(message.userId, message.text);
      const headers = { ...made.headers, 'content-length': String(Buffer.byteLength(made.body)) };
      const sent = httpRequest({ agent, host: target.hostname, port: target.port, path: made.path, method: 'POST', headers }, (response) => {
        response.resume();
        response.on('end', () => {
          if (counted) {
            lastAnswerAt = performance.now();
            latencies.push(lastAnswerAt - (startedAt + message.atMs));
            if ((response.statusCode ?? 0) >= 300) non2xx++;
          }
          resolve();
        });
      });
      sent.setTimeout(30_000, () => sent.destroy(new Error('no answer in 30 s')));
      sent.on('error', () => {
        if (counted) errors++;
        resolve();
      });
      sent.end(made.body);
    });
  const answers: Promise<void>[] = [];
  const { messages } = options;
  while (answers.length < messages.length) {
    const now = performance.now() - startedAt;
    while (answers.length < messages.length && messages[answers.length]!.atMs <= now) answers.push(send(messages[answers.length]!));
    await sleep(1);
  }
  await Promise.all(answers);
  agent.destroy();
  const seconds = (lastAnswerAt - (startedAt + options.fromMs)) / 1000;
  return { requests: latencies.length, rps: latencies.length / seconds, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), errors, non2xx };
}
