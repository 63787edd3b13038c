import express from 'express';
import request from 'supertest';
import type { Person } from '../../../src/application/conversation-service';
import { createWechatCipher, sha1Signature, type WechatCipher } from '../../../src/channels/wechat-crypto/wechat-crypto';
import type { WechatUnsupported } from '../../../src/channels/wechat-official/inbound';
import { createWechatOfficialChannel, WECHAT_OFFICIAL_PATH, type WechatOfficialChannel, type WechatOfficialOptions } from '../../../src/channels/wechat-official/wechat-official.channel';
import { parseWechatXml, type WechatFields } from '../../../src/channels/wechat-official/xml';
import type { InboundMessage, Reply } from '../../../src/conversation/messages';
import { createLogger } from '../../../src/logger';
import { openTestRedis } from '../../support/redis';

const TOKEN = 'QDG6eK';
const APPID = 'wx5823bf96d3bd56c7';
const ENCODING_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const ACCOUNT = 'gh_7f083739789a';
const OPENID = 'oia2TjjewbmiOUlr6X-1crbLOvLw';
const NOW = new Date('2026-11-03T08:00:00Z');
const NOW_SECONDS = String(NOW.getTime() / 1000);
const NONCE = '1320562132';

const cipher = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: APPID });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A WeChat message body; values go in CDATA except the numbers, as WeChat sends them. */
function messageXml(fields: Record<string, string>): string {
  const all: Record<string, string> = { ToUserName: ACCOUNT, FromUserName: OPENID, CreateTime: NOW_SECONDS, ...fields };
  const body = Object.entries(all)
    .map(([name, value]) => (/^\d+$/.test(value) ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`))
    .join('\n');
  return `<xml>\n${body}\n</xml>`;
}

const text = (content: string, msgId: string) => messageXml({ MsgType: 'text', Content: content, MsgId: msgId });
const event = (name: string, key?: string) => messageXml({ MsgType: 'event', Event: name, ...(key !== undefined ? { EventKey: key } : {}) });

function signedQuery(options: { timestamp?: string; nonce?: string; token?: string; encrypt?: string; msgSignatureToken?: string } = {}): Record<string, string> {
  const timestamp = options.timestamp ?? NOW_SECONDS;
  const nonce = options.nonce ?? NONCE;
  const query: Record<string, string> = { signature: sha1Signature([options.token ?? TOKEN, timestamp, nonce]), timestamp, nonce, openid: OPENID };
  if (options.encrypt !== undefined) {
    query.encrypt_type = 'aes';
    query.msg_signature = sha1Signature([options.msgSignatureToken ?? TOKEN, timestamp, nonce, options.encrypt]);
  }
  return query;
}

function safeModeBody(innerXml: string, sealer: WechatCipher = cipher): { body: string; encrypt: string } {
  const encrypt = sealer.encrypt(innerXml);
  return { body: `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`, encrypt };
}

function fieldsOf(xml: string): WechatFields {
  const parsed = parseWechatXml(xml);
  if (!parsed.ok) throw new Error(`reply is not WeChat XML: ${parsed.error.message}`);
  return parsed.fields;
}

interface Fakes {
  responded: Array<{ person: Person; message: InboundMessage }>;
  sentLater: Array<{ openid: string; replies: Reply[] }>;
  storedImages: Array<{ openid: string; mediaId: string; picUrl: string }>;
  windows: Array<{ openid: string; at: Date; kind: 'message' | 'menu' }>;
  unsupported: WechatUnsupported[];
  /** What `respond` answers and how long it takes. */
  reply: (message: InboundMessage) => Reply[];
  delayMs: number;
  fail: Error | null;
  sendLaterFails: boolean;
}

describe('the WeChat Official Account callback', () => {
  let redis: Awaited<ReturnType<typeof openTestRedis>>;
  let fakes: Fakes;
  let channel: WechatOfficialChannel;
  let app: express.Express;

  const mount = (options: Partial<WechatOfficialOptions> = {}) => {
    channel = createWechatOfficialChannel(
      { token: TOKEN, appId: APPID, encodingAesKey: ENCODING_AES_KEY, replyBudgetMs: 200, ...options },
      {
        redis: redis.client,
        logger: createLogger('silent'),
        now: () => NOW,
        respond: async (person, message) => {
          fakes.responded.push({ person, message });
          if (fakes.delayMs) await sleep(fakes.delayMs);
          if (fakes.fail) throw fakes.fail;
          return fakes.reply(message);
        },
        sendLater: async (openid, replies) => {
          if (fakes.sendLaterFails) throw new Error('45015 response out of time limit');
          fakes.sentLater.push({ openid, replies });
        },
        storeImage: async (openid, mediaId, picUrl) => {
          fakes.storedImages.push({ openid, mediaId, picUrl });
          return 'attachment-1';
        },
        unsupported: async (_person, reason) => {
          fakes.unsupported.push(reason);
          return [{ kind: 'text', text: '暂时无法识别语音，请发文字。' }];
        },
        recordInbound: async (openid, at, kind) => {
          fakes.windows.push({ openid, at, kind });
        },
      },
    );
    app = express();
    app.use(channel.router);
  };

  const post = (body: string, query: Record<string, string> = signedQuery()) =>
    request(app).post(WECHAT_OFFICIAL_PATH).query(query).set('Content-Type', 'text/xml').send(body);

  beforeEach(async () => {
    redis = await openTestRedis();
    fakes = {
      responded: [],
      sentLater: [],
      storedImages: [],
      windows: [],
      unsupported: [],
      reply: (message) => [
        { kind: 'text', text: `收到：${message.kind === 'text' ? message.text : message.kind}` },
        { kind: 'choices', text: '请选择：', choices: [{ id: 'category:delivery', label: '配送' }] },
      ],
      delayMs: 0,
      fail: null,
      sendLaterFails: false,
    };
    mount();
  });

  afterEach(async () => {
    await channel.handler.drain();
    await redis.destroy();
  });

  describe('URL verification', () => {
    it('echoes echostr for a good signature', async () => {
      const answer = await request(app)
        .get(WECHAT_OFFICIAL_PATH)
        .query({ ...signedQuery(), echostr: '5837397520665436492' })
        .expect(200);
      expect(answer.text).toBe('5837397520665436492');
    });

    it('refuses a wrong signature with a JSON error', async () => {
      const answer = await request(app)
        .get(WECHAT_OFFICIAL_PATH)
        .query({ ...signedQuery({ token: 'not-our-token' }), echostr: '5837397520665436492' })
        .expect(401);
      expect(answer.body).toEqual({ error: { code: 'WECHAT.BAD_SIGNATURE', message: expect.stringContaining('WECHAT_TOKEN'), details: {} } });
    });
  });

  describe('plaintext mode', () => {
    it('answers a text message passively, to and from swapped, with all replies in one text', async () => {
      const answer = await post(text('我要投诉', '6054768590064713728')).expect(200);
      expect(answer.headers['content-type']).toMatch(/xml/);
      expect(fieldsOf(answer.text)).toEqual({
        ToUserName: OPENID,
        FromUserName: ACCOUNT,
        CreateTime: NOW_SECONDS,
        MsgType: 'text',
        Content: '收到：我要投诉\n\n请选择：\n1. 配送',
      });
      expect(fakes.responded).toEqual([{ person: { channel: 'wechat', externalId: OPENID, displayName: null }, message: { kind: 'text', text: '我要投诉' } }]);
      expect(fakes.windows).toEqual([{ openid: OPENID, at: NOW, kind: 'message' }]);
    });

    it('keeps a 64-bit MsgId exact: two ids a double cannot tell apart are two messages', async () => {
      // Both round to 18446744073709552000 as a JavaScript number.
      await post(text('第一条', '18446744073709551615')).expect(200);
      await post(text('第二条', '18446744073709551614')).expect(200);
      expect(fakes.responded.map((call) => call.message)).toEqual([
        { kind: 'text', text: '第一条' },
        { kind: 'text', text: '第二条' },
      ]);
      expect(await redis.client.get('wx-msg:18446744073709551615')).toMatch(/^done:收到：第一条/);
    });

    it('answers `success` when there is nothing to say', async () => {
      fakes.reply = () => [];
      const answer = await post(event('unsubscribe')).expect(200);
      expect(answer.text).toBe('success');
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'event', event: 'unfollow' }]);
    });
  });

  describe('safe mode', () => {
    it('decrypts the message and encrypts the reply with a valid msg_signature', async () => {
      const { body, encrypt } = safeModeBody(text('包裹三天没到', '6054768590064713729'));
      const answer = await post(body, signedQuery({ encrypt })).expect(200);
      const envelope = fieldsOf(answer.text);
      expect(envelope.MsgSignature).toBe(sha1Signature([TOKEN, envelope.TimeStamp!, envelope.Nonce!, envelope.Encrypt!]));
      expect(fieldsOf(cipher.decrypt(envelope.Encrypt!))).toMatchObject({ ToUserName: OPENID, FromUserName: ACCOUNT, Content: '收到：包裹三天没到\n\n请选择：\n1. 配送' });
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'text', text: '包裹三天没到' }]);
    });

    it('prefers Encrypt in compatible mode, and answers encrypted', async () => {
      const { encrypt } = safeModeBody(text('加密的内容', '6054768590064713730'));
      const body = text('明文的内容', '6054768590064713730').replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
      const answer = await post(body, signedQuery({ encrypt })).expect(200);
      expect(fieldsOf(answer.text).Encrypt).toBeDefined();
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'text', text: '加密的内容' }]);
    });

    it('reads the plain fields of compatible mode when no EncodingAESKey is configured', async () => {
      mount({ encodingAesKey: undefined });
      const { encrypt } = safeModeBody(text('加密的内容', '6054768590064713731'));
      const body = text('明文的内容', '6054768590064713731').replace('</xml>', `<Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`);
      const answer = await post(body, signedQuery({ encrypt })).expect(200);
      expect(fieldsOf(answer.text)).toMatchObject({ ToUserName: OPENID, Content: expect.stringContaining('明文的内容') });
    });

    it('says what to configure when safe mode arrives without an EncodingAESKey', async () => {
      mount({ encodingAesKey: undefined });
      const { body, encrypt } = safeModeBody(text('加密的内容', '6054768590064713732'));
      const answer = await post(body, signedQuery({ encrypt })).expect(500);
      expect(answer.body.error).toMatchObject({ code: 'WECHAT.NO_AES_KEY', message: expect.stringContaining('WECHAT_ENCODING_AES_KEY') });
      expect(fakes.responded).toEqual([]);
    });

    it('refuses a message encrypted for another appid', async () => {
      const stranger = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: 'wx0000000000000000' });
      const { body, encrypt } = safeModeBody(text('别人的消息', '6054768590064713733'), stranger);
      const answer = await post(body, signedQuery({ encrypt })).expect(401);
      expect(answer.body.error.code).toBe('WECHAT_CRYPTO.RECEIVER_MISMATCH');
      expect(fakes.responded).toEqual([]);
    });
  });

  describe('refused requests change nothing', () => {
    afterEach(() => {
      expect(fakes.responded).toEqual([]);
      expect(fakes.sentLater).toEqual([]);
      expect(fakes.storedImages).toEqual([]);
      expect(fakes.windows).toEqual([]);
    });

    it.each([
      ['a wrong signature', () => signedQuery({ token: 'not-our-token' }), 'WECHAT.BAD_SIGNATURE'],
      ['no signature', () => ({ timestamp: NOW_SECONDS, nonce: NONCE }), 'WECHAT.BAD_SIGNATURE'],
      ['a timestamp 6 minutes old', () => signedQuery({ timestamp: String(Number(NOW_SECONDS) - 360) }), 'WECHAT.STALE_TIMESTAMP'],
      ['a timestamp 6 minutes ahead', () => signedQuery({ timestamp: String(Number(NOW_SECONDS) + 360) }), 'WECHAT.STALE_TIMESTAMP'],
    ])('%s → 401', async (_name, query, code) => {
      const answer = await post(text('你好', '1001'), query()).expect(401);
      expect(answer.body.error.code).toBe(code);
    });

    it('a wrong msg_signature → 401', async () => {
      const { body, encrypt } = safeModeBody(text('你好', '1002'));
      const answer = await post(body, signedQuery({ encrypt, msgSignatureToken: 'not-our-token' })).expect(401);
      expect(answer.body.error.code).toBe('WECHAT.BAD_MSG_SIGNATURE');
    });

    it('an XXE body → 400', async () => {
      const xxe = `<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY secret SYSTEM "file:///etc/passwd">]>${text('&secret;', '1003')}`;
      const answer = await post(xxe).expect(400);
      expect(answer.body.error.code).toBe('WECHAT.XML_FORBIDDEN');
    });

    it('truncated XML → 400', async () => {
      const answer = await post(text('你好', '1004').slice(0, 80)).expect(400);
      expect(answer.body.error.code).toBe('WECHAT.XML_MALFORMED');
    });

    it('a JSON body → 400', async () => {
      const answer = await request(app).post(WECHAT_OFFICIAL_PATH).query(signedQuery()).send({ MsgType: 'text', Content: '你好' }).expect(400);
      expect(answer.body.error.code).toBe('WECHAT.XML_MALFORMED');
    });

    it('a message without the fields WeChat always sends → 400', async () => {
      const answer = await post('<xml><MsgType>text</MsgType><Content>你好</Content></xml>').expect(400);
      expect(answer.body.error).toMatchObject({ code: 'WECHAT.BAD_MESSAGE', details: { invalid: ['ToUserName', 'FromUserName', 'CreateTime'] } });
    });

    it('an oversized body → 413', async () => {
      const answer = await post(text('字'.repeat(30_000), '1005')).expect(413);
      expect(answer.body.error.code).toBe('WECHAT.BODY_TOO_LARGE');
    });
  });

  describe('the 5-second rule and retries', () => {
    it('runs a message once while WeChat retries it, answers `success` to every try and sends the reply later', async () => {
      fakes.delayMs = 600;
      const first = post(text('慢慢处理', '7001')).then((answer) => answer);
      await sleep(50);
      const retries = await Promise.all([post(text('慢慢处理', '7001')), post(text('慢慢处理', '7001'))]);
      const answers = [await first, ...retries];
      expect(answers.map((answer) => [answer.status, answer.text])).toEqual([
        [200, 'success'],
        [200, 'success'],
        [200, 'success'],
      ]);

      await channel.handler.drain();
      expect(fakes.responded).toHaveLength(1);
      expect(fakes.sentLater).toEqual([{ openid: OPENID, replies: fakes.reply({ kind: 'text', text: '慢慢处理' }) }]);
      // Already delivered through the customer-service API: a late retry must not say it twice.
      expect((await post(text('慢慢处理', '7001')).expect(200)).text).toBe('success');
      expect(fakes.sentLater).toHaveLength(1);
    });

    it('keeps a late reply the customer-service API refused, for a retry to carry', async () => {
      fakes.delayMs = 300;
      fakes.sendLaterFails = true;
      expect((await post(text('窗口关闭', '7005')).expect(200)).text).toBe('success');
      await channel.handler.drain();
      const retry = await post(text('窗口关闭', '7005')).expect(200);
      expect(fieldsOf(retry.text).Content).toContain('收到：窗口关闭');
      expect(fakes.responded).toHaveLength(1);
    });

    it('gives a retry after the first try finished the same passive reply', async () => {
      const first = await post(text('再说一遍', '7002')).expect(200);
      const again = await post(text('再说一遍', '7002')).expect(200);
      expect(again.text).toBe(first.text);
      expect(fieldsOf(again.text).Content).toContain('收到：再说一遍');
      expect(fakes.responded).toHaveLength(1);
    });

    it('re-encrypts the stored reply for a retry in safe mode', async () => {
      const { body, encrypt } = safeModeBody(text('安全模式重试', '7003'));
      await post(body, signedQuery({ encrypt })).expect(200);
      const again = await post(body, signedQuery({ encrypt })).expect(200);
      expect(fieldsOf(cipher.decrypt(fieldsOf(again.text).Encrypt!)).Content).toContain('收到：安全模式重试');
      expect(fakes.responded).toHaveLength(1);
    });

    it('answers an event once, keyed by sender, time, event and key', async () => {
      await post(event('CLICK', 'status')).expect(200);
      await post(event('CLICK', 'status')).expect(200);
      await post(event('CLICK', 'myCases')).expect(200);
      expect(fakes.responded.map((call) => call.message)).toEqual([
        { kind: 'event', event: 'menu', key: 'status' },
        { kind: 'event', event: 'menu', key: 'myCases' },
      ]);
    });

    it('gives a retry that came while the first try was working the first try’s passive reply', async () => {
      mount({ replyBudgetMs: 2000 });
      fakes.delayMs = 300;
      const first = post(text('两次', '7006'));
      await sleep(50);
      const retry = await post(text('两次', '7006')).expect(200);
      expect(fieldsOf(retry.text).Content).toContain('收到：两次');
      expect((await first).text).toBe(retry.text);
      expect(fakes.responded).toHaveLength(1);
      expect(fakes.sentLater).toEqual([]);
    });

    it('handles the message on a retry when the try that claimed it died (its claim is no longer renewed)', async () => {
      mount({ replyBudgetMs: 2000 });
      // What a process killed mid-message leaves: a running claim that lapses, here within 300 ms.
      await redis.client.set('wx-msg:7007', 'running', 'PX', 300);
      const retry = await post(text('进程崩溃', '7007')).expect(200);
      expect(fieldsOf(retry.text).Content).toContain('收到：进程崩溃');
      expect(fakes.responded).toHaveLength(1);
      expect(await redis.client.get('wx-msg:7007')).toMatch(/^done:/);
    });

    it('lets WeChat retry a message whose handling failed', async () => {
      fakes.fail = new Error('database down');
      const failed = await post(text('出错了', '7004')).expect(500);
      expect(failed.body.error.code).toBe('WECHAT.HANDLER_FAILED');
      fakes.fail = null;
      const retried = await post(text('出错了', '7004')).expect(200);
      expect(fieldsOf(retried.text).Content).toContain('收到：出错了');
      expect(fakes.responded).toHaveLength(2);
    });
  });

  describe('message types', () => {
    it('stores a photo and hands the dialog its attachment', async () => {
      await post(messageXml({ MsgType: 'image', PicUrl: 'http://mmbiz.qpic.cn/photo', MediaId: 'media-42', MsgId: '8001' })).expect(200);
      expect(fakes.storedImages).toEqual([{ openid: OPENID, mediaId: 'media-42', picUrl: 'http://mmbiz.qpic.cn/photo' }]);
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'image', attachmentId: 'attachment-1' }]);
    });

    it('takes a recognised voice note as text and explains an unrecognised one', async () => {
      await post(messageXml({ MsgType: 'voice', MediaId: 'v1', Format: 'amr', Recognition: '我要投诉', MsgId: '8002' })).expect(200);
      const silent = await post(messageXml({ MsgType: 'voice', MediaId: 'v2', Format: 'amr', Recognition: '', MsgId: '8003' })).expect(200);
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'text', text: '我要投诉' }]);
      expect(fakes.unsupported).toEqual(['voiceNotRecognized']);
      expect(fieldsOf(silent.text).Content).toBe('暂时无法识别语音，请发文字。');
      expect(fakes.windows.map((window) => window.kind)).toEqual(['message', 'message']);
    });

    it('passes a location on as latitude and longitude', async () => {
      await post(messageXml({ MsgType: 'location', Location_X: '23.134521', Location_Y: '113.358803', Scale: '20', Label: '广州市天河区', MsgId: '8004' })).expect(200);
      expect(fakes.responded.map((call) => call.message)).toEqual([{ kind: 'location', latitude: 23.134521, longitude: 113.358803, label: '广州市天河区' }]);
    });

    it('greets a follow through a QR code with its place, and maps menu clicks', async () => {
      await post(event('subscribe', 'qrscene_renmin_rd')).expect(200);
      await post(event('CLICK', 'complaint')).expect(200);
      expect(fakes.responded.map((call) => call.message)).toEqual([
        { kind: 'event', event: 'follow', key: 'renmin_rd' },
        { kind: 'event', event: 'menu', key: 'complaint' },
      ]);
      expect(fakes.windows.map((window) => window.kind)).toEqual(['menu', 'menu']);
    });

    it('answers `success` to a menu link without involving the dialog', async () => {
      const answer = await post(event('VIEW', 'https://example.com/cases')).expect(200);
      expect(answer.text).toBe('success');
      expect(fakes.responded).toEqual([]);
    });
  });
});
