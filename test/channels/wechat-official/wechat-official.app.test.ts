import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import request from 'supertest';
import { startApp, type RunningApp } from '../../../src/app';
import { changeStatus } from '../../../src/application/change-status';
import { issueBindingCode } from '../../../src/application/staff-desk';
import { createWechatCipher, sha1Signature, type WechatCipher } from '../../../src/channels/wechat-crypto/wechat-crypto';
import { parseWechatXml, type WechatFields } from '../../../src/channels/wechat-official/xml';
import { loadConfig } from '../../../src/config/load-config';
import { createScriptAnalyzer } from '../../../src/i18n/script-detection';
import { createLogger } from '../../../src/logger';
import { attachments, outbox } from '../../../src/persistence/schema';
import { startFakeWechatApi, type FakeWechatApi } from '../../support/fake-wechat-api';

const TOKEN = 'intakeToken2026';
const ENCODING_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const TEMPLATE_ID = 'tpl-case-progress';
const ACCOUNT = 'gh_7f083739789a';
const HOUR = 3_600_000;
const analyzer = createScriptAnalyzer();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  for (let waited = 0; !(await what()) && waited < timeoutMs; waited += 100) await sleep(100);
  expect(await what()).toBe(true);
}

function fieldsOf(xml: string): WechatFields {
  const parsed = parseWechatXml(xml);
  if (!parsed.ok) throw new Error(`not WeChat XML: ${parsed.error.message}\n${xml}`);
  return parsed.fields;
}

interface Harness {
  app: RunningApp;
  fake: FakeWechatApi;
  cipher: WechatCipher | null;
  stop(): Promise<void>;
}

/** The whole app as `npm start` runs it, with WECHAT_* set and WeChat's API faked. */
async function startWechatApp(options: { safeMode: boolean }): Promise<Harness> {
  const fake = await startFakeWechatApi({ now: new Date() });
  fake.addTemplate(TEMPLATE_ID, ['first', 'keyword1', 'keyword2', 'remark']);
  const dataDir = mkdtempSync(join(tmpdir(), 'complaints-wechat-'));
  const loaded = loadConfig({
    env: {
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      WECHAT_TOKEN: TOKEN,
      WECHAT_APPID: fake.appId,
      WECHAT_APPSECRET: fake.appSecret,
      WECHAT_API_BASE: fake.url,
      WECHAT_STATUS_TEMPLATE_ID: TEMPLATE_ID,
      ...(options.safeMode ? { WECHAT_ENCODING_AES_KEY: ENCODING_AES_KEY } : {}),
    },
    configDir: 'config',
  });
  const app = await startApp(loaded, createLogger('silent'));
  return {
    app,
    fake,
    cipher: options.safeMode ? createWechatCipher({ encodingAesKey: ENCODING_AES_KEY, receiverId: fake.appId }) : null,
    async stop() {
      await app.stop();
      await fake.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let nextMsgId = 24_000_000_000_000_000_000n;

/** A WeChat user: each call is the callback WeChat would make, signed (and sealed in safe mode). */
function wechatUser(harness: Harness, openid: string) {
  const { fake, cipher } = harness;
  const xml = (fields: Record<string, string>) =>
    `<xml>${Object.entries({ ToUserName: ACCOUNT, FromUserName: openid, CreateTime: String(Math.floor(Date.now() / 1000)), ...fields })
      .map(([name, value]) => (/^\d+$/.test(value) ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`))
      .join('')}</xml>`;

  /** Posts one callback body; the passive reply's text, or what arrived through custom/send when the answer was `success`. */
  async function callback(inner: string): Promise<{ status: number; text: string; passive: boolean }> {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const query: Record<string, string> = { signature: sha1Signature([TOKEN, timestamp, nonce]), timestamp, nonce, openid };
    let body = inner;
    if (cipher) {
      const encrypt = cipher.encrypt(inner);
      body = `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
      Object.assign(query, { encrypt_type: 'aes', msg_signature: sha1Signature([TOKEN, timestamp, nonce, encrypt]) });
    }
    const sentBefore = fake.textsTo(openid).length;
    const answer = await request(harness.app.url!).post('/wechat').query(query).set('Content-Type', 'text/xml').send(body);
    if (answer.status !== 200) return { status: answer.status, text: answer.text, passive: false };
    if (answer.text === 'success') {
      // Over WeChat's 5 seconds the reply goes out through the customer-service API instead.
      await sleep(300);
      return { status: 200, text: fake.textsTo(openid).slice(sentBefore).join('\n\n'), passive: false };
    }
    let reply = fieldsOf(answer.text);
    if (cipher) {
      expect(reply.MsgSignature).toBe(sha1Signature([TOKEN, reply.TimeStamp!, reply.Nonce!, reply.Encrypt!]));
      reply = fieldsOf(cipher.decrypt(reply.Encrypt!));
    }
    expect(reply).toMatchObject({ ToUserName: openid, FromUserName: ACCOUNT, MsgType: 'text' });
    return { status: 200, text: reply.Content ?? '', passive: true };
  }

  const said: string[] = [];
  const passive: boolean[] = [];
  const record = async (inner: string) => {
    const answer = await callback(inner);
    expect(answer.status).toBe(200);
    said.push(answer.text);
    passive.push(answer.passive);
    return answer.text;
  };

  return {
    openid,
    /** Every reply this user was given, passive or through custom/send. */
    said,
    /** Whether each of those came as the passive reply (not `success` and a customer-service message). */
    passive,
    callback,
    /** A text message with its own MsgId; WeChat opens the user's 48-hour window. */
    text: (content: string, msgId = String(nextMsgId++)) => {
      fake.userWrote(openid);
      return record(xml({ MsgType: 'text', Content: content, MsgId: msgId }));
    },
    textXml: (content: string, msgId: string) => xml({ MsgType: 'text', Content: content, MsgId: msgId }),
    photo: (mediaId: string) => {
      fake.userWrote(openid);
      return record(xml({ MsgType: 'image', PicUrl: `http://mmbiz.qpic.cn/mmbiz/${mediaId}/0`, MediaId: mediaId, MsgId: String(nextMsgId++) }));
    },
    voice: (recognition: string) => {
      fake.userWrote(openid);
      return record(xml({ MsgType: 'voice', MediaId: `voice-${nextMsgId}`, Format: 'amr', Recognition: recognition, MsgId: String(nextMsgId++) }));
    },
    event: (event: string, key?: string) => {
      fake.userClicked(openid);
      return record(xml({ MsgType: 'event', Event: event, ...(key !== undefined ? { EventKey: key } : {}) }));
    },
  };
}

/** A complaint from follow to submission in simplified Chinese; returns the case number and whether every reply was passive. */
async function simplifiedIntake(harness: Harness, user: ReturnType<typeof wechatUser>): Promise<string> {
  harness.fake.addMedia('media-evidence-1', Buffer.from('fake-jpeg-bytes'), 'image/jpeg');
  expect(await user.event('subscribe', 'qrscene_renmin_rd')).toContain('您好，这里是投诉受理服务');
  expect(await user.text('我要投诉')).toContain('请选择投诉的类别');
  expect(await user.text('配送')).toContain('请描述发生了什么');
  expect(await user.photo('media-evidence-1')).toContain('已收到照片（共 1 张）');
  expect(await user.text('包裹已经三天没有送到，客服电话也打不通')).toContain('事情是什么时候发生的');
  expect(await user.text('昨天下午三点')).toContain('发生地点：人民路营业厅');
  expect(await user.text('是')).toContain('涉及的人员或部门');
  expect(await user.text('跳过')).toContain('您希望如何处理');
  expect(await user.text('退款')).toContain('请留下姓名和手机号码');
  expect(await user.text('匿名')).toContain('确认无误请选择');
  const done = await user.text('确认提交');
  expect(done).toContain('您的案件编号是 TS-');
  return /TS-\d{6}-\d{4}/.exec(done)![0];
}

/** No wording only the other script uses reached the user. */
function strongEvidence(texts: readonly string[], script: 'zh-Hans' | 'zh-Hant') {
  return analyzer.evidence(texts.join('\n')).filter((e) => e.script === script && e.strength === 'strong');
}

describe.each([
  { mode: 'plaintext mode', safeMode: false },
  { mode: 'safe mode (encrypt_type=aes)', safeMode: true },
])('the WeChat Official Account over /wechat, whole app, $mode', ({ safeMode }) => {
  // One app for the describe (starting one takes seconds); every test talks as its own user.
  let harness: Harness;

  beforeAll(async () => {
    harness = await startWechatApp({ safeMode });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('takes a whole intake in simplified Chinese with passive replies, and stores the case and its photo', async () => {
    const user = wechatUser(harness, 'oSimplified00000000000000001');
    const number = await simplifiedIntake(harness, user);
    expect(user.passive).toEqual(user.said.map(() => true));

    const stored = await harness.app.store.cases.findByNumber(number);
    expect(stored).toMatchObject({ channel: 'wechat', descriptionScript: 'zh-Hans', location: '人民路营业厅', anonymous: true });
    const complainant = await harness.app.store.identities.find('wechat', user.openid);
    expect(stored!.complainantIdentityId).toBe(complainant!.id);
    const [photo] = await harness.app.store.attachments.listForCase(stored!.id);
    expect(photo).toMatchObject({ channel: 'wechat', externalRef: 'media-evidence-1', contentType: 'image/jpeg', sizeBytes: 15 });
    expect(photo!.storagePath).toMatch(new RegExp(`${photo!.sha256}\\.jpg$`));
    expect(readFileSync(photo!.storagePath!, 'utf8')).toBe('fake-jpeg-bytes');
    expect(strongEvidence(user.said, 'zh-Hant')).toEqual([]);
  });

  it('runs a message WeChat sends three times as one step', async () => {
    const user = wechatUser(harness, 'oRetried000000000000000000001');
    await user.text('我要投诉');
    await user.text('配送');
    const description = user.textXml('包裹已经三天没有送到，客服电话也打不通', '6054768590064713728');
    // Two tries overlapping, then WeChat's last try after the first has finished.
    const overlapping = await Promise.all([user.callback(description), user.callback(description)]);
    const last = await user.callback(description);
    const answered = [...overlapping, last].map((answer) => answer.text).filter((text) => text !== '');
    expect(answered.length).toBeGreaterThanOrEqual(2);
    for (const text of answered) expect(text).toContain('事情是什么时候发生的');
    // Nor was the reply said twice through the customer-service API.
    expect(harness.fake.textsTo(user.openid)).toEqual([]);
    // One step: the next message answers the time question, not the one after it.
    expect(await user.text('昨天下午三点')).toContain('事情发生在哪里');
  });
});

describe('the WeChat Official Account over /wechat, whole app', () => {
  // One app for the describe; every test talks as its own user, and the one that moves WeChat's clock comes last.
  let harness: Harness;

  beforeAll(async () => {
    harness = await startWechatApp({ safeMode: false });
  });
  afterAll(async () => {
    await harness.stop();
  });

  it('answers the URL check and is on in /readyz', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const echo = await request(harness.app.url!)
      .get('/wechat')
      .query({ signature: sha1Signature([TOKEN, timestamp, '42']), timestamp, nonce: '42', echostr: '5837397520665436492' })
      .expect(200);
    expect(echo.text).toBe('5837397520665436492');
    const ready = await request(harness.app.url!).get('/readyz').expect(200);
    expect(ready.body.channels.wechatOfficial).toBe(true);
  });

  it('answers a traditional-Chinese user in traditional script', async () => {
    const user = wechatUser(harness, 'oTraditional0000000000000001');
    expect(await user.text('我要投訴')).toContain('請選擇投訴的類別');
    expect(await user.text('配送')).toContain('請描述發生了什麼');
    expect(await user.text('包裹已經三天沒有送到，客服電話也打不通')).toContain('事情是什麼時候發生的');
    await user.text('昨天下午三點');
    for (const line of ['人民路', '跳過', '退款', '匿名']) await user.text(line);
    expect(user.said.at(-1)).toContain('確認無誤請選擇');
    const done = await user.text('確認提交');
    expect(done).toContain('您的案件編號是 TS-');
    const stored = await harness.app.store.cases.findByNumber(/TS-\d{6}-\d{4}/.exec(done)![0]);
    expect(stored).toMatchObject({ channel: 'wechat', descriptionScript: 'zh-Hant' });
    expect(strongEvidence(user.said, 'zh-Hans')).toEqual([]);
  });

  it('lets a staff member bind with 绑定 CODE and accept an assignment by its number', async () => {
    const staff = wechatUser(harness, 'oStaff0000000000000000000001');
    const agent = await harness.app.store.staff.insert({ name: '王芳', departmentId: 'logistics', role: 'agent', active: true });
    const code = await issueBindingCode(harness.app.staffDesk, agent.id);
    expect(await staff.text('绑定 WRONG1234')).toContain('绑定码无效');
    expect(await staff.text(`绑定 ${code}`)).toContain('绑定成功：王芳');

    const complainant = wechatUser(harness, 'oComplainant0000000000000001');
    const number = await simplifiedIntake(harness, complainant);
    const record = (await harness.app.store.cases.findByNumber(number))!;
    expect(record.assigneeId).toBe(agent.id);
    await until(() => harness.fake.textsTo(staff.openid).some((text) => text.includes('1. 接单')));

    expect(await staff.text('1')).toContain(`已接单，案件 ${number} 进入调查处理`);
    expect(await harness.app.store.cases.get(record.id)).toMatchObject({ status: 'investigating' });
    await until(() => harness.fake.textsTo(complainant.openid).some((text) => text.includes('调查处理中')));
  });

  it('explains a voice note it cannot understand, and takes a recognised one as text', async () => {
    const user = wechatUser(harness, 'oVoice00000000000000000000001');
    expect(await user.voice('')).toBe('抱歉，暂时听不清这条语音，请改用文字发送。');
    expect(await user.voice('我要投诉')).toContain('请选择投诉的类别');
  });

  it('keeps the MediaId of a photo it could not download', async () => {
    const user = wechatUser(harness, 'oLostPhoto000000000000000001');
    await user.text('我要投诉');
    await user.text('配送');
    // Never uploaded (or older than 3 days): media/get answers 40007.
    expect(await user.photo('media-expired')).toContain('已收到照片（共 1 张）');
    const rows = await harness.app.database.db.select().from(attachments).where(eq(attachments.externalRef, 'media-expired'));
    expect(rows).toEqual([expect.objectContaining({ channel: 'wechat', externalRef: 'media-expired', storagePath: null, sha256: null })]);
  });

  it('refuses an unsigned post and says nothing', async () => {
    const user = wechatUser(harness, 'oStranger0000000000000000001');
    const queued = (await harness.app.database.db.select().from(outbox)).length;
    const answer = await request(harness.app.url!).post('/wechat').set('Content-Type', 'text/xml').send(user.textXml('我要投诉', '1'));
    expect(answer.status).toBe(401);
    expect(answer.body.error.code).toBe('WECHAT.BAD_SIGNATURE');
    expect(await harness.app.store.identities.find('wechat', user.openid)).toBeNull();
    expect(harness.fake.calls.filter((call) => call.body?.touser === user.openid)).toEqual([]);
    expect(await harness.app.database.db.select().from(outbox)).toHaveLength(queued);
  });
  it('pushes a status change through custom/send, and as a template message once 48 hours have passed', async () => {
    const user = wechatUser(harness, 'oPushed000000000000000000001');
    const number = await simplifiedIntake(harness, user);
    const record = (await harness.app.store.cases.findByNumber(number))!;

    await changeStatus(harness.app.cases, { caseId: record.id, action: 'accept', actor: { kind: 'system' } }, new Date());
    await until(() => harness.fake.textsTo(user.openid).some((text) => text.includes(`案件 ${number} 有新进展：已受理`)));

    harness.fake.advance(49 * HOUR);
    await changeStatus(harness.app.cases, { caseId: record.id, action: 'startInvestigation', actor: { kind: 'system' } }, new Date());
    const templateTo = (openid: string) => harness.fake.messages.find((message) => message.kind === 'template' && message.touser === openid);
    await until(() => templateTo(user.openid) !== undefined);
    const template = templateTo(user.openid);
    expect(template).toMatchObject({
      touser: user.openid,
      templateId: TEMPLATE_ID,
      data: {
        first: { value: '您的案件有新进展' },
        keyword1: { value: number },
        keyword2: { value: expect.stringContaining('调查处理中') },
        remark: { value: expect.stringContaining('给本公众号发送任意消息') },
      },
    });
    expect(harness.fake.textsTo(user.openid).some((text) => text.includes('调查处理中'))).toBe(false);
    // One stable_token for every process and call until WeChat's clock ended it; never a forced refresh (20 a day).
    expect(harness.fake.tokenFetches).toBe(2);
    expect(harness.fake.forcedRefreshes).toBe(0);
  });
});
