import express from 'express';
import request from 'supertest';
import type { Person } from '../../../src/application/conversation-service';
import { createWecomCallbackHandler, type WecomCallbackHandler, type WecomCallbackOptions } from '../../../src/channels/wecom/callback-handler';
import type { WecomMessage } from '../../../src/channels/wecom/inbound';
import { WECOM_PATH, wecomRouter } from '../../../src/channels/wecom/wecom.channel';
import { createWechatCipher } from '../../../src/channels/wechat-crypto/wechat-crypto';
import { redisReplyLedger } from '../../../src/channels/wechat-official/reply-ledger';
import type { Reply } from '../../../src/conversation/messages';
import { createLogger } from '../../../src/logger';
import { openTestRedis } from '../../support/redis';
import { AGENT_ID, CORP_ID, ENCODING_AES_KEY, messageXml, openReply, sealedCallback, textXml, TOKEN } from './wecom-callbacks';

const NOW = new Date('2026-11-23T02:30:00Z');
const USER = 'WangFang';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Desk {
  heard: Array<{ person: Person; message: WecomMessage }>;
  sentLater: Array<{ userid: string; replies: Reply[] }>;
  delayMs: number;
  fail: Error | null;
}

describe('the WeCom callback', () => {
  let redis: Awaited<ReturnType<typeof openTestRedis>>;
  let desk: Desk;
  let handler: WecomCallbackHandler;
  let app: express.Express;
  let now: Date;

  const mount = (options: Partial<WecomCallbackOptions> = {}) => {
    handler = createWecomCallbackHandler(
      { token: TOKEN, encodingAesKey: ENCODING_AES_KEY, corpId: CORP_ID, agentId: AGENT_ID, replyBudgetMs: 200, ...options },
      {
        respond: async (person, message) => {
          desk.heard.push({ person, message });
          if (desk.delayMs) await sleep(desk.delayMs);
          if (desk.fail) throw desk.fail;
          return [{ kind: 'text', text: message.kind === 'text' ? `已收到：${message.text}` : '请发送文字指令。' }];
        },
        sendLater: async (userid, replies) => {
          desk.sentLater.push({ userid, replies });
        },
        ledger: redisReplyLedger(redis.client),
        logger: createLogger('silent'),
        now: () => now,
      },
    );
    app = express();
    app.use(wecomRouter(handler));
  };

  const post = (callback: { query: Record<string, string>; body: string }) => request(app).post(WECOM_PATH).query(callback.query).set('Content-Type', 'text/xml').send(callback.body);
  const text = (content: string, msgId: string, extra: { agentId?: string } = {}) => sealedCallback(textXml({ from: USER, content, msgId, at: now, ...extra }), { at: now });

  beforeEach(async () => {
    redis = await openTestRedis();
    desk = { heard: [], sentLater: [], delayMs: 0, fail: null };
    now = NOW;
    mount();
  });

  afterEach(async () => {
    await handler.drain();
    await redis.destroy();
  });

  describe('URL verification', () => {
    // WeCom's sample: the echostr is encrypted; the answer is its plaintext.
    const sample = {
      msg_signature: '5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3',
      timestamp: '1409659589',
      nonce: '263014780',
      echostr: 'P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==',
    };

    beforeEach(() => {
      now = new Date(Number(sample.timestamp) * 1000);
    });

    it('answers the decrypted echostr of WeCom’s sample, bare', async () => {
      const answer = await request(app).get(WECOM_PATH).query(sample).expect(200);
      expect(answer.text).toBe('1616140317555161061');
      expect(answer.headers['content-type']).toMatch(/^text\/plain/);
    });

    it('reads an echostr whose + signs arrived unencoded', async () => {
      const raw = Object.entries(sample)
        .map(([name, value]) => `${name}=${name === 'echostr' ? value.replaceAll('/', '%2F').replaceAll('=', '%3D') : value}`)
        .join('&');
      expect(raw).toContain('+');
      expect((await request(app).get(`${WECOM_PATH}?${raw}`).expect(200)).text).toBe('1616140317555161061');
    });

    it('refuses a wrong signature, a stale timestamp, and an echostr sealed for another corp', async () => {
      const wrong = await request(app)
        .get(WECOM_PATH)
        .query({ ...sample, msg_signature: '0'.repeat(40) })
        .expect(401);
      expect(wrong.body.error).toMatchObject({ code: 'WECOM.BAD_SIGNATURE', message: expect.stringContaining('WECOM_TOKEN') });

      now = new Date(now.getTime() + 10 * 60_000);
      expect((await request(app).get(WECOM_PATH).query(sample).expect(401)).body.error.code).toBe('WECOM.STALE_TIMESTAMP');

      now = new Date(Number(sample.timestamp) * 1000);
      mount({ corpId: 'ww0000000000000000' });
      expect((await request(app).get(WECOM_PATH).query(sample).expect(401)).body.error.code).toBe('WECHAT_CRYPTO.RECEIVER_MISMATCH');
    });
  });

  describe('messages', () => {
    it('decrypts a text, hands it to the staff desk, and answers encrypted, to and from swapped', async () => {
      const answer = await post(text('接单 TS-202611-0001', '7241859206720412345')).expect(200);
      expect(desk.heard).toEqual([{ person: { channel: 'wecom', externalId: USER, displayName: null }, message: { kind: 'text', text: '接单 TS-202611-0001' } }]);
      expect(openReply(answer.text)).toEqual({
        ToUserName: USER,
        FromUserName: CORP_ID,
        CreateTime: String(NOW.getTime() / 1000),
        MsgType: 'text',
        Content: '已收到：接单 TS-202611-0001',
      });
    });

    it('answers a photo with the desk’s reply and ignores events', async () => {
      const image = messageXml({ ToUserName: CORP_ID, FromUserName: USER, CreateTime: String(NOW.getTime() / 1000), MsgType: 'image', PicUrl: 'http://p', MediaId: 'm1', MsgId: '1', AgentID: AGENT_ID });
      expect(openReply((await post(sealedCallback(image, { at: now })).expect(200)).text).Content).toBe('请发送文字指令。');
      const enter = messageXml({ ToUserName: CORP_ID, FromUserName: USER, CreateTime: String(NOW.getTime() / 1000), MsgType: 'event', Event: 'enter_agent', EventKey: '', AgentID: AGENT_ID });
      expect((await post(sealedCallback(enter, { at: now })).expect(200)).text).toBe('');
      expect(desk.heard.map((heard) => heard.message)).toEqual([{ kind: 'unsupported', msgType: 'image' }]);
    });

    it('handles a message once: WeCom’s retry gets the same answer', async () => {
      const first = await post(text('办结 TS-202611-0001 已退款', '7241859206720412346')).expect(200);
      const retry = await post(text('办结 TS-202611-0001 已退款', '7241859206720412346')).expect(200);
      expect(desk.heard).toHaveLength(1);
      expect(openReply(retry.text)).toEqual(openReply(first.text));
    });

    it('answers empty while still working past the budget, then sends the outcome as an application message', async () => {
      desk.delayMs = 400;
      const callback = text('补充 TS-202611-0001 请提供照片', '7241859206720412347');
      expect((await post(callback).expect(200)).text).toBe('');
      // WeCom's retry arrives while the first try is still running: no second run.
      expect((await post(callback).expect(200)).text).toBe('');
      await handler.drain();
      expect(desk.heard).toHaveLength(1);
      expect(desk.sentLater).toEqual([{ userid: USER, replies: [{ kind: 'text', text: '已收到：补充 TS-202611-0001 请提供照片' }] }]);
      expect((await post(callback).expect(200)).text).toBe('');
    });

    it('lets WeCom retry a message whose handling failed', async () => {
      desk.fail = new Error('database unavailable');
      const callback = text('接单 TS-202611-0001', '7241859206720412348');
      expect((await post(callback).expect(500)).body.error.code).toBe('WECOM.HANDLER_FAILED');
      desk.fail = null;
      expect(openReply((await post(callback).expect(200)).text).Content).toBe('已收到：接单 TS-202611-0001');
      expect(desk.heard).toHaveLength(2);
    });

    it('ignores messages for another application of the corp', async () => {
      expect((await post(text('接单 TS-202611-0001', '7241859206720412349', { agentId: '1000099' })).expect(200)).text).toBe('');
      expect(desk.heard).toEqual([]);
    });

    it('refuses what WeCom did not send', async () => {
      const good = text('接单 TS-202611-0001', '7241859206720412350');
      expect((await post({ ...good, query: { ...good.query, msg_signature: 'f'.repeat(40) } }).expect(401)).body.error.code).toBe('WECOM.BAD_SIGNATURE');

      const stale = sealedCallback(textXml({ from: USER, content: 'x', msgId: '2', at: now }), { at: new Date(NOW.getTime() - 6 * 60_000) });
      expect((await post(stale).expect(401)).body.error.code).toBe('WECOM.STALE_TIMESTAMP');

      const otherCorp = createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: 'ww0000000000000000' });
      expect((await post(sealedCallback(textXml({ from: USER, content: 'x', msgId: '3', at: now }), { at: now, cipher: otherCorp })).expect(401)).body.error.code).toBe(
        'WECHAT_CRYPTO.RECEIVER_MISMATCH',
      );

      const plain = await post({ query: good.query, body: textXml({ from: USER, content: 'x', msgId: '4', at: now }) }).expect(400);
      expect(plain.body.error.code).toBe('WECOM.MISSING_ENCRYPT');

      const entity = sealedCallback('<!DOCTYPE xml [<!ENTITY x "boom">]><xml><ToUserName>&x;</ToUserName></xml>', { at: now });
      expect((await post(entity).expect(400)).body.error.code).toBe('WECHAT.XML_FORBIDDEN');

      const tooBig = await request(app)
        .post(WECOM_PATH)
        .query(good.query)
        .set('Content-Type', 'text/xml')
        .send(`<xml><Encrypt>${'A'.repeat(70_000)}</Encrypt></xml>`)
        .expect(413);
      expect(tooBig.body.error.code).toBe('WECOM.BODY_TOO_LARGE');
      expect(desk.heard).toEqual([]);
    });
  });
});
