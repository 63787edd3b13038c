import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { sha1Signature } from '../../../src/channels/wechat-crypto/wechat-crypto';
import { createWechatOfficial, type WechatOfficial } from '../../../src/channels/wechat-official/wechat-official.setup';
import { createLogger } from '../../../src/logger';
import { outbox } from '../../../src/persistence/schema';
import { redisBindingCodes, redisStaffPending } from '../../../src/redis/staff-desk-stores';
import { dialogHarness, openDialogStores, type DialogStores } from '../../support/dialog';
import { startFakeWechatApi, type FakeWechatApi } from '../../support/fake-wechat-api';

const TOKEN = 'setupToken';
const OPENID = 'oLate0000000000000000000000001';

/** The channel's wiring with a reply budget so short that every answer goes out after the passive reply. */
describe('the WeChat Official Account wiring, replies after the 5 seconds', () => {
  let stores: DialogStores;
  let fake: FakeWechatApi;
  let attachmentsDir: string;
  let wechat: WechatOfficial;
  let app: express.Express;

  beforeEach(async () => {
    stores = await openDialogStores();
    fake = await startFakeWechatApi({ now: new Date() });
    attachmentsDir = mkdtempSync(join(tmpdir(), 'wechat-setup-'));
    const { deps } = await dialogHarness(stores.store, stores.redis, new Date());
    wechat = createWechatOfficial(
      { token: TOKEN, appId: fake.appId, appSecret: fake.appSecret, apiBase: fake.url, attachmentsDir, replyBudgetMs: 1 },
      {
        conversations: deps,
        staffDesk: { conversations: deps, codes: redisBindingCodes(stores.redis), pending: redisStaffPending(stores.redis) },
        attachments: stores.store.attachments,
        identities: stores.store.identities,
        outbox: stores.store.outbox,
        redis: stores.redis,
        logger: createLogger('silent'),
      },
    );
    app = express();
    app.use(wechat.router);
  });

  afterEach(async () => {
    await wechat.drain();
    await fake.close();
    await stores.destroy();
    rmSync(attachmentsDir, { recursive: true, force: true });
  });

  const post = (content: string, msgId: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const body =
      `<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[${OPENID}]]></FromUserName><CreateTime>${timestamp}</CreateTime>` +
      `<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`;
    return request(app).post('/wechat').query({ signature: sha1Signature([TOKEN, timestamp, '7']), timestamp, nonce: '7' }).set('Content-Type', 'text/xml').send(body);
  };

  it('says a late reply as one customer-service message', async () => {
    fake.userWrote(OPENID);
    expect((await post('我要投诉', '9001').expect(200)).text).toBe('success');
    await wechat.drain();
    expect(fake.textsTo(OPENID)).toEqual([expect.stringContaining('请选择投诉的类别')]);
  });

  it('queues a late reply WeChat refuses, for the notification worker to retry', async () => {
    // WeChat does not count this user as having written (45015): our count is wrong, and no template fits a dialog question.
    expect((await post('我要投诉', '9002').expect(200)).text).toBe('success');
    await wechat.drain();
    expect(fake.textsTo(OPENID)).toEqual([]);
    const identity = await stores.store.identities.find('wechat', OPENID);
    const rows = await stores.database.db.select().from(outbox);
    expect(rows).toEqual([
      expect.objectContaining({
        kind: 'chat_replies',
        recipientIdentityId: identity!.id,
        payload: { replies: [{ kind: 'text', text: expect.stringContaining('请选择投诉的类别') }] },
      }),
    ]);
  });
});
