import { Redis } from 'ioredis';
import { inParallel, rowCounts, signedQuery, startResilienceApp, TELEGRAM_SECRET, telegramTextUpdate, WECHAT_ACCOUNT, wechatTextXml, type ResilienceApp } from './resilience-support';

const REDIS_DB = 11;

interface Hostile {
  what: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** A seeded generator: the same bodies on every run, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomBytesFrom(next: () => number, length: number): Buffer {
  return Buffer.from(Array.from({ length }, () => Math.floor(next() * 256)));
}

const INVALID_UTF8 = [
  Buffer.from([0xff, 0xfe, 0xfd]),
  Buffer.from([0xc0, 0xaf]), // overlong '/'
  Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate
  Buffer.from([0xe6, 0x8a]), // a truncated 投
  Buffer.from([0x80, 0x80, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
];

const XML_ATTACKS = [
  `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName><![CDATA[${WECHAT_ACCOUNT}]]></ToUserName><FromUserName>oEvil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>`,
  `<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/x.dtd"> %remote;]><xml><MsgType>text</MsgType></xml>`,
  `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><xml><FromUserName>oEvil</FromUserName><MsgType>text</MsgType><Content>&lol4;</Content></xml>`,
  `<xml><ToUserName>${WECHAT_ACCOUNT}</ToUserName><FromUserName>oEvil</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&unknown;</Content><MsgId>2</MsgId></xml>`,
  `<xml><MsgType>text</MsgType></xml><xml><MsgType>text</MsgType></xml>`,
  `<xml><FromUserName>a</FromUserName><FromUserName>b</FromUserName><MsgType>text</MsgType><Content>x</Content></xml>`,
  `${'<a>'.repeat(20_000)}${'</a>'.repeat(20_000)}`.slice(0, 60_000),
  `<xml>${'<x/>'.repeat(15_000)}</xml>`,
  '',
  ' ',
  '<xml',
  '<xml></xml>',
  '<?xml version="1.0"?>',
  '<![CDATA[<xml></xml>]]>',
];

function wechatBodies(next: () => number): Hostile[] {
  const post = (what: string, body: Buffer | string, query = signedQuery('oHostile')): Hostile => ({ what, path: `/wechat?${query}`, headers: { 'content-type': 'text/xml' }, body });
  const valid = wechatTextXml('oHostile', '我要投诉，快递三天没到', '9000000000000000001');
  const bodies: Hostile[] = [];
  // Every cut of a real message, each short of the closing tag.
  for (let cut = 0; cut < valid.length; cut++) bodies.push(post(`truncated at ${cut}`, valid.slice(0, cut)));
  for (const attack of XML_ATTACKS) bodies.push(post(`attack ${attack.slice(0, 40)}`, attack));
  for (const bad of INVALID_UTF8) bodies.push(post('invalid UTF-8 alone', bad));
  bodies.push(post('JSON where XML is expected', JSON.stringify({ ToUserName: WECHAT_ACCOUNT, FromUserName: 'oHostile', MsgType: 'text', Content: 'x', MsgId: 1 })));
  bodies.push(post('oversized', `<xml><Content><![CDATA[${'投'.repeat(40_000)}]]></Content></xml>`));
  bodies.push(post('oversized, not XML', Buffer.alloc(2 * 1024 * 1024, 0x41)));
  bodies.push(post('fields missing', `<xml><ToUserName>${WECHAT_ACCOUNT}</ToUserName><MsgType>text</MsgType><Content>x</Content></xml>`));
  for (let i = 0; i < 1000; i++) bodies.push(post(`random bytes #${i}`, randomBytesFrom(next, 1 + Math.floor(next() * 400))));
  // A real message with bytes of its closing tags' names changed: a flip inside Content would just be another message.
  const original = Buffer.from(valid);
  const closingNameBytes = [...valid.matchAll(/<\/(\w+)>/g)].flatMap((match) => Array.from({ length: match[1]!.length }, (_, k) => Buffer.byteLength(valid.slice(0, match.index)) + 2 + k));
  for (let i = 0; i < 400; i++) {
    const mutated = Buffer.from(original);
    for (let flips = 1 + Math.floor(next() * 3); flips > 0; flips--) {
      const at = closingNameBytes[Math.floor(next() * closingNameBytes.length)]!;
      mutated[at] = (original[at]! + 1 + Math.floor(next() * 255)) % 256;
    }
    bodies.push(post(`closing tag garbled #${i}`, mutated));
  }
  // A well-formed message that is not signed by our token, signed stale, or not signed at all.
  bodies.push(post('wrong token', valid, signedQuery('oHostile', { token: 'not-the-token' })));
  bodies.push(post('timestamp an hour old', valid, signedQuery('oHostile', { timestamp: Math.floor(Date.now() / 1000) - 3600 })));
  bodies.push(post('no signature', valid, 'timestamp=1&nonce=2&openid=oHostile'));
  bodies.push(post('signature of other parts', valid, signedQuery('oHostile').replace(/signature=[0-9a-f]{4}/, 'signature=0000')));
  return bodies;
}

function telegramBodies(next: () => number): Hostile[] {
  const post = (what: string, body: Buffer | string, headers: Record<string, string> = {}): Hostile => ({
    what,
    path: '/telegram/webhook',
    headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET, ...headers },
    body,
  });
  const valid = JSON.stringify(telegramTextUpdate(700_000_001, 424242, '我要投诉'));
  const bodies: Hostile[] = [];
  for (let cut = 0; cut < valid.length; cut++) bodies.push(post(`truncated at ${cut}`, valid.slice(0, cut)));
  for (const bad of INVALID_UTF8) bodies.push(post('invalid UTF-8 alone', bad), post('invalid UTF-8 inside a string', Buffer.concat([Buffer.from('{"update_id":"'), bad, Buffer.from('"}')])));
  bodies.push(post('XML where JSON is expected', wechatTextXml('oHostile', 'x', '1'), { 'content-type': 'application/xml' }));
  bodies.push(post('XML labelled JSON', wechatTextXml('oHostile', 'x', '1')));
  bodies.push(post('oversized', `{"update_id":1,"pad":"${'x'.repeat(1_100_000)}"}`));
  for (const shape of ['null', '[]', '"update"', '42', '{}', '{"update_id":"1"}', '{"update_id":null}', '{"__proto__":{"update_id":1}}', '{"constructor":{"prototype":{"update_id":1}}}']) {
    bodies.push(post(`shape ${shape}`, shape));
  }
  bodies.push(post('deeply nested', `${'['.repeat(50_000)}${']'.repeat(50_000)}`));
  for (let i = 0; i < 1000; i++) bodies.push(post(`random bytes #${i}`, randomBytesFrom(next, 1 + Math.floor(next() * 400))));
  for (let i = 0; i < 400; i++) {
    const mutated = Buffer.from(valid);
    // Keep the update unusable: a flip inside a number or a string could make a valid update.
    mutated[0] = 0x5b;
    for (let flips = Math.floor(next() * 4); flips > 0; flips--) mutated[1 + Math.floor(next() * (mutated.length - 1))] = Math.floor(next() * 256);
    bodies.push(post(`broken JSON #${i}`, mutated));
  }
  bodies.push(post('wrong secret', valid, { 'x-telegram-bot-api-secret-token': 'guess' }));
  bodies.push(post('no secret', valid, { 'x-telegram-bot-api-secret-token': '' }));
  return bodies;
}

describe('hostile webhook bodies', () => {
  let harness: ResilienceApp;

  beforeAll(async () => {
    harness = await startResilienceApp(REDIS_DB);
  });

  afterAll(async () => {
    await harness.stop();
  });

  async function redisKeys(): Promise<number> {
    const redis = new Redis(`${process.env.REDIS_TEST_URL ?? 'redis://127.0.0.1:6379'}/${REDIS_DB}`);
    try {
      // BullMQ's own bookkeeping moves on its own; what a message could leave is anything else.
      const keys = await redis.keys('*');
      return keys.filter((key) => !key.startsWith('complaints:')).length;
    } finally {
      await redis.quit();
    }
  }

  it.each([
    ['/wechat', wechatBodies],
    ['/telegram/webhook', telegramBodies],
  ] as const)('%s answers thousands of them with 4xx, stays up and changes nothing', async (_path, bodiesOf) => {
    const bodies = bodiesOf(random(20261123));
    expect(bodies.length).toBeGreaterThan(1500);
    const rowsBefore = await rowCounts(harness.databaseUrl);
    const keysBefore = await redisKeys();
    const wrong: string[] = [];
    await inParallel(bodies, 16, async (hostile) => {
      const answer = await fetch(`${harness.app.url}${hostile.path}`, { method: 'POST', headers: hostile.headers, body: hostile.body }).catch((error: unknown) => error as Error);
      if (answer instanceof Error) {
        wrong.push(`${hostile.what}: ${answer.message}`);
        return;
      }
      await answer.arrayBuffer();
      if (answer.status < 400 || answer.status >= 500) wrong.push(`${hostile.what}: ${answer.status}`);
    });
    expect(wrong).toEqual([]);
    expect(await rowCounts(harness.databaseUrl)).toEqual(rowsBefore);
    expect(await redisKeys()).toBe(keysBefore);
    expect(harness.telegram.sent()).toEqual([]);
    expect(harness.wechat.messages).toEqual([]);
    expect((await fetch(`${harness.app.url}/readyz`)).status).toBe(200);
  });

  // Decoded loosely, broken sequences would become U+FFFD and be stored as if the user wrote them.
  describe('invalid UTF-8 inside an otherwise valid, signed message', () => {
    const text = (bad: Buffer) => Buffer.concat([Buffer.from('投诉'), bad, Buffer.from('快递')]);

    it('is refused by /wechat with 400 and changes nothing', async () => {
      const before = await rowCounts(harness.databaseUrl);
      for (const [n, bad] of INVALID_UTF8.entries()) {
        const xml = Buffer.from(wechatTextXml(`oUtf8${n}`, '@TEXT@', String(9_100_000_000_000_000_000n + BigInt(n))));
        const at = xml.indexOf('@TEXT@');
        const body = Buffer.concat([xml.subarray(0, at), text(bad), xml.subarray(at + 6)]);
        const answer = await fetch(`${harness.app.url}/wechat?${signedQuery(`oUtf8${n}`)}`, { method: 'POST', headers: { 'content-type': 'text/xml' }, body });
        expect(answer.status).toBe(400);
      }
      expect(await rowCounts(harness.databaseUrl)).toEqual(before);
    });

    it('is refused by /telegram/webhook with 400 and changes nothing', async () => {
      const before = await rowCounts(harness.databaseUrl);
      for (const [n, bad] of INVALID_UTF8.entries()) {
        const json = Buffer.from(JSON.stringify(telegramTextUpdate(710_000_001 + n, 434_000 + n, '@TEXT@')));
        const at = json.indexOf('@TEXT@');
        const body = Buffer.concat([json.subarray(0, at), text(bad), json.subarray(at + 6)]);
        const answer = await fetch(`${harness.app.url}/telegram/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': TELEGRAM_SECRET }, body });
        expect(answer.status).toBe(400);
      }
      expect(await rowCounts(harness.databaseUrl)).toEqual(before);
    });
  });
});
