import express from 'express';
import request from 'supertest';
import type { Staff, Store } from '../../../src/application/ports';
import { issueBindingCode, type StaffDeskDeps } from '../../../src/application/staff-desk';
import { submitCase, type SubmitCaseInput } from '../../../src/application/submit-case';
import { createWecomChannel, WECOM_PATH, type WecomChannel } from '../../../src/channels/wecom/wecom.channel';
import type { Reply } from '../../../src/conversation/messages';
import { notificationSays } from '../../../src/conversation/notification-says';
import { createLogger } from '../../../src/logger';
import { outbox } from '../../../src/persistence/schema';
import { redisBindingCodes, redisStaffPending } from '../../../src/redis/staff-desk-stores';
import { dialogHarness, openDialogStores, type DialogStores } from '../../support/dialog';
import { startFakeWecomApi, type FakeWecomApi } from '../../support/fake-wecom-api';
import { AGENT_ID, CORP_ID, ENCODING_AES_KEY, openReply, sealedCallback, textXml, TOKEN } from './wecom-callbacks';

const NUMBER = 'TS-202611-0001';

function complaint(): SubmitCaseInput {
  return {
    type: 'complaint',
    category: 'service_attitude',
    channel: 'telegram',
    complainant: { channel: 'telegram', externalId: 'li-lei', displayName: '李雷', locale: 'zh-Hans' },
    anonymous: false,
    contact: { name: '李雷', phone: '13800138000' },
    description: '营业厅工作人员态度恶劣，拒绝办理退款',
    descriptionScript: 'zh-Hans',
    location: '人民路营业厅',
    wants: ['refund'],
  };
}

describe('staff working a case from WeCom', () => {
  let stores: DialogStores;
  let store: Store;
  let fake: FakeWecomApi;
  let chat: Awaited<ReturnType<typeof dialogHarness>>;
  let desk: StaffDeskDeps;
  let channel: WecomChannel;
  let app: express.Express;
  let msgIds: number;

  beforeEach(async () => {
    stores = await openDialogStores();
    ({ store } = stores);
    fake = await startFakeWecomApi({ corpId: CORP_ID, agentId: AGENT_ID });
    chat = await dialogHarness(store, stores.redis);
    desk = { conversations: chat.deps, codes: redisBindingCodes(stores.redis), pending: redisStaffPending(stores.redis) };
    channel = createWecomChannel(
      // A generous budget: a slow machine must not turn the passive answer into a late application message.
      { token: TOKEN, encodingAesKey: ENCODING_AES_KEY, corpId: CORP_ID, agentId: AGENT_ID, secret: fake.secret, apiBase: fake.url, replyBudgetMs: 30_000 },
      { staffDesk: desk, redis: stores.redis, logger: createLogger('silent'), now: () => chat.now() },
    );
    app = express();
    app.use(channel.router);
    msgIds = 0;
  });

  afterEach(async () => {
    await channel.handler.drain();
    await fake.close();
    await stores.destroy();
  });

  /** A member types `content` in the WeCom application; returns what the passive answer says. */
  async function types(userid: string, content: string): Promise<string> {
    msgIds += 1;
    const callback = sealedCallback(textXml({ from: userid, content, msgId: `72418592067204${String(msgIds).padStart(5, '0')}`, at: chat.now() }), { at: chat.now() });
    const answer = await request(app).post(WECOM_PATH).query(callback.query).set('Content-Type', 'text/xml').send(callback.body).expect(200);
    const reply = openReply(answer.text);
    expect(reply).toMatchObject({ ToUserName: userid, FromUserName: CORP_ID, MsgType: 'text' });
    return reply.Content ?? '';
  }

  async function boundMember(userid: string, member: Staff): Promise<void> {
    const code = await issueBindingCode(desk, member.id);
    expect(await types(userid, `绑定 ${code}`)).toBe(`绑定成功：${member.name}。今后分派给您的案件会发送到这里。`);
  }

  const outboxRows = () => stores.database.db.select().from(outbox).orderBy(outbox.id);
  const caseNow = async () => (await store.cases.findByNumber(NUMBER))!;
  const timeline = async () => (await store.events.listForCase((await caseNow()).id)).map((event) => ({ type: event.type, actor: event.actor, data: event.data }));

  it('binds by code, then accepts, asks, and resolves a case by text command; the complainant hears each step', async () => {
    const agent = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
    expect(await types('ChenChen', '接单 TS-202611-0001')).toBe('您的企业微信账号还没有绑定员工身份。请向管理员获取绑定码，然后发送：绑定 绑定码');
    await boundMember('WangFang', agent);
    expect(await store.identities.listForStaff(agent.id)).toEqual([expect.objectContaining({ channel: 'wecom', externalId: 'WangFang', kind: 'staff' })]);

    const submitted = await submitCase(chat.deps.cases, complaint(), chat.now());
    expect(submitted).toMatchObject({ number: NUMBER, assigneeId: agent.id });
    const complainantId = (await caseNow()).complainantIdentityId!;

    // The assignment reaches WeCom as one message with the commands to type.
    const assigned = (await outboxRows()).find((row) => row.kind === 'case_assigned');
    expect(assigned?.recipientStaffId).toBe(agent.id);
    const card: Reply[] = chat.deps.renderer.render(notificationSays('case_assigned', assigned!.payload, chat.deps.catalog)!, 'zh-Hans');
    await channel.sender.send('WangFang', card);
    expect(fake.delivered).toEqual([expect.objectContaining({ touser: 'WangFang', msgtype: 'markdown', content: expect.stringContaining('回复：`接单 TS-202611-0001`') })]);

    // A colleague of the same department may not act on a case assigned to someone else.
    const colleague = await store.staff.insert({ name: '陈晨', departmentId: 'customer_service', role: 'agent', active: true });
    await boundMember('ChenChen', colleague);
    expect(await types('ChenChen', '接单 TS-202611-0001')).toBe('无法执行：这个案件没有分派给您，无法操作。');
    expect(await types('ChenChen', '办结 TS-202611-0001 已处理')).toBe('无法执行：这个案件没有分派给您，无法操作。');
    expect((await caseNow()).status).toBe('registered');

    expect(await types('WangFang', '接单 TS-202611-0001')).toBe('已接单，案件 TS-202611-0001 进入调查处理。');
    expect((await caseNow()).status).toBe('investigating');

    const before = (await outboxRows()).length;
    chat.advance(60_000);
    expect(await types('WangFang', '补充 TS-202611-0001 请提供照片')).toBe('问题已转给案件 TS-202611-0001 的投诉人，收到答复后会通知您。');
    expect((await caseNow()).status).toBe('awaiting_complainant');
    const asked = (await outboxRows()).slice(before);
    expect(asked.map((row) => [row.kind, row.recipientIdentityId])).toEqual([
      ['status_changed', complainantId],
      ['chat_replies', complainantId],
    ]);
    expect(JSON.stringify(asked[1]?.payload)).toContain('请提供照片');

    // Resolving must wait for the complainant's answer.
    expect(await types('WangFang', '办结 TS-202611-0001 已退款')).toBe('无法执行：正在等投诉人补充信息，收到答复后才能继续办理。');
    await chat.person('li-lei', 'telegram').say('照片已经拍好了，在附件里');
    expect((await caseNow()).status).toBe('investigating');

    chat.advance(60_000);
    const beforeResolve = (await outboxRows()).length;
    expect(await types('WangFang', '办结 TS-202611-0001 已退款')).toBe('案件 TS-202611-0001 已办结，并已请投诉人评价。');
    expect((await caseNow()).status).toBe('resolved');
    const resolved = (await outboxRows()).slice(beforeResolve);
    expect(resolved.map((row) => [row.kind, row.recipientIdentityId])).toEqual([
      ['status_changed', complainantId],
      ['chat_replies', complainantId],
    ]);
    expect(resolved[0]?.payload).toMatchObject({ number: NUMBER, status: 'resolved', reason: '已退款' });

    const byAgent = { kind: 'staff', staffId: agent.id };
    expect(await timeline()).toEqual([
      expect.objectContaining({ type: 'submitted' }),
      expect.objectContaining({ type: 'routed' }),
      expect.objectContaining({ type: 'assigned', data: expect.objectContaining({ staffId: agent.id }) }),
      { type: 'status_changed', actor: byAgent, data: expect.objectContaining({ from: 'registered', to: 'accepted' }) },
      { type: 'status_changed', actor: byAgent, data: expect.objectContaining({ from: 'accepted', to: 'investigating' }) },
      { type: 'status_changed', actor: byAgent, data: expect.objectContaining({ from: 'investigating', to: 'awaiting_complainant', reason: '请提供照片' }) },
      expect.objectContaining({ type: 'information_received', actor: { kind: 'complainant', identityId: complainantId } }),
      expect.objectContaining({ type: 'status_changed', data: expect.objectContaining({ from: 'awaiting_complainant', to: 'investigating' }) }),
      { type: 'status_changed', actor: byAgent, data: expect.objectContaining({ from: 'investigating', to: 'resolved', reason: '已退款' }) },
    ]);
  });

  it('transfers to a department by name, answering in the script the member writes', async () => {
    const agent = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
    const quality = await store.staff.insert({ name: '刘洋', departmentId: 'quality', role: 'agent', active: true });
    await boundMember('WangFang', agent);
    await submitCase(chat.deps.cases, complaint(), chat.now());

    expect(await types('WangFang', '轉派 TS-202611-0001 不存在的部門')).toBe(
      '找不到與「不存在的部門」對應的部門。可選部門：客戶服務部、品質管理部、運營部、財務部、工程維修部、環境管理部、安全保衛部、物流配送部',
    );
    expect(await types('WangFang', '轉派 TS-202611-0001')).toMatch(/^請在案件號後寫上部門，例如：轉派 TS-202611-0001 客戶服務部。/);
    expect(await types('WangFang', '轉派 TS-202611-0001 品質管理部 屬於產品問題')).toBe('案件 TS-202611-0001 已轉派到品質管理部。');
    expect(await caseNow()).toMatchObject({ assigneeId: quality.id, departmentId: 'quality' });
    expect((await timeline()).find((event) => event.type === 'reassigned')).toEqual({
      type: 'reassigned',
      actor: { kind: 'staff', staffId: agent.id },
      data: expect.objectContaining({ staffId: quality.id, previousStaffId: agent.id, departmentId: 'quality', reason: '屬於產品問題' }),
    });
    // Notifications follow the script the member writes in.
    expect((await store.identities.find('wecom', 'WangFang'))?.locale).toBe('zh-Hant');
    // No longer theirs.
    expect(await types('WangFang', '接單 TS-202611-0001')).toBe('無法執行：沒有您可以查看的案件 TS-202611-0001，請核對案件號。');
  });

  it('lets the department’s supervisor act, and explains commands it cannot read', async () => {
    const agent = await store.staff.insert({ name: '王芳', departmentId: 'customer_service', role: 'agent', active: true });
    const supervisor = await store.staff.insert({ name: '赵敏', departmentId: 'customer_service', role: 'supervisor', active: true });
    await boundMember('ZhaoMin', supervisor);
    await submitCase(chat.deps.cases, complaint(), chat.now());
    expect((await caseNow()).assigneeId).toBe(agent.id);

    expect(await types('ZhaoMin', '你好')).toMatch(/^可以发送以下指令处理分派给您的案件：\n接单 案件号\n/);
    expect(await types('ZhaoMin', '接单')).toBe('请写上案件号，例如：接单 TS-202611-0001');
    expect(await types('ZhaoMin', '补充 TS-202611-0001')).toMatch(/^请在案件号后写上要问投诉人的问题/);
    expect(await types('ZhaoMin', 'accept TS-202611-0001')).toBe('Accepted: case TS-202611-0001 is now under investigation.');
    expect((await caseNow()).status).toBe('investigating');
    expect(await types('ZhaoMin', 'accept TS-202699-0001')).toBe('Add the case number, e.g.: accept TS-202611-0001');
    expect(await types('ZhaoMin', 'accept TS-202611-0009')).toBe('Could not do that: There is no case TS-202611-0009 that you may see; check the number.');
  });
});
