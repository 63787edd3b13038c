import type { Update } from 'telegraf/types';
import request from 'supertest';
import { createStaffMember } from '../../src/application/staff-accounts';
import { PASSWORD, startAdminApp, type AdminApp } from '../support/admin-app';
import type { TelegramUser } from '../support/fake-telegram';

const chen: TelegramUser = { id: 9101, first_name: '陳小明', language_code: 'zh-hant' };
const wang: TelegramUser = { id: 9102, first_name: '王芳', language_code: 'zh-hans' };

async function until(what: () => boolean | Promise<boolean>, what_for: string): Promise<void> {
  for (let waited = 0; waited < 20_000; waited += 100) {
    if (await what()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what_for}`);
}

describe('one complaint from intake to rating through the admin API', () => {
  let admin: AdminApp;
  beforeAll(async () => {
    admin = await startAdminApp();
  });
  afterAll(async () => {
    await admin.stop();
  });

  const post = (update: Update) => request(admin.app.url!).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', 'secret').send(update).expect(200);
  const complainantTexts = () => admin.telegram.sent(chen.id).map((call) => String(call.params.text));
  const staffTexts = () => admin.telegram.sent(wang.id).map((call) => String(call.params.text));

  it('is set up, handled and rated, and the complainant hears of every step in their script, in order', async () => {
    // The first admin comes from `npm run cli -- create-admin`, which calls the same use case.
    await createStaffMember(admin.app.store, { name: '管理员', role: 'admin', username: 'root', password: PASSWORD }, null, admin.clock.now);
    const root = await admin.login('root');
    const as = (token: string) => ({ Authorization: `Bearer ${token}` });

    const agent = await admin.api().post('/api/v1/staff').set(as(root)).send({ name: '王芳', role: 'agent', departmentId: 'logistics', username: 'wangfang', password: PASSWORD }).expect(201);
    const code = await admin.api().post(`/api/v1/staff/${agent.body.id}/binding-codes`).set(as(root)).expect(201);
    await post(admin.telegram.updates.command(wang, 'bind', code.body.code));
    expect(staffTexts().at(-1)).toContain('绑定成功：王芳');

    for (const line of ['我要投訴', '配送', '包裹已經三天沒有送到，客服電話也打不通', '昨天', '人民路', '跳過', '退款', '匿名', '確認提交']) {
      await post(admin.telegram.updates.text(chen, line));
    }
    const number = /TS-\d{6}-\d{4}/.exec(complainantTexts().at(-1)!)![0];
    const intakeMessages = complainantTexts().length;
    await until(() => staffTexts().some((text) => text.includes(`新案件 ${number}`)), 'the assignment card');

    const token = await admin.login('wangfang');
    const list = await admin.api().get('/api/v1/cases?sort=deadline').set(as(token)).expect(200);
    expect(list.body.items.map((item: { number: string }) => item.number)).toEqual([number]);
    expect(list.body.items[0]).toMatchObject({ status: 'registered', assigneeId: agent.body.id, complainant: { visibility: 'anonymous' } });

    await admin.api().post(`/api/v1/cases/${number}/accept`).set(as(token)).expect(200);
    await until(() => complainantTexts().some((text) => text.includes('調查處理中')), 'the investigation notice');

    await admin.api().post(`/api/v1/cases/${number}/request-information`).set(as(token)).send({ question: '请提供快递单号' }).expect(200);
    await until(() => complainantTexts().some((text) => text.includes('請提供快遞單號')), 'the question');
    await post(admin.telegram.updates.text(chen, 'SF1234567890'));
    await until(() => staffTexts().some((text) => text.includes('SF1234567890')), 'the answer reaching the agent');

    await admin.api().post(`/api/v1/cases/${number}/reply`).set(as(token)).send({ text: '我们已联系快递公司，今天下午送达' }).expect(200);
    await until(() => complainantTexts().some((text) => text.includes('我們已聯繫快遞公司')), 'the reply');

    const resolved = await admin.api().post(`/api/v1/cases/${number}/resolve`).set(as(token)).send({ result: '包裹已送达，运费已退款' }).expect(200);
    expect(resolved.body.status).toBe('resolved');
    await until(() => complainantTexts().some((text) => text.includes('包裹已送達')), 'the result');
    await until(() => complainantTexts().some((text) => text.includes('滿意')), 'the rating question');

    await post(admin.telegram.updates.text(chen, '滿意'));
    const detail = await admin.api().get(`/api/v1/cases/${number}`).set(as(token)).expect(200);
    expect(detail.body.case.status).toBe('closed');
    await until(() => staffTexts().some((text) => text.includes(number) && text.includes('满意')), 'the rating reaching the agent');

    const timeline = detail.body.timeline.map((event: { type: string }) => event.type);
    expect(timeline).toEqual(expect.arrayContaining(['submitted', 'assigned', 'status_changed', 'information_received', 'replied', 'rated']));
    const pushes = complainantTexts().slice(intakeMessages);
    const order = ['調查處理中', '請提供快遞單號', '我們已聯繫快遞公司', '包裹已送達'].map((text) => pushes.findIndex((push) => push.includes(text)));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    // Prometheus sees the same story, labelled by route pattern (no case numbers in labels).
    const metrics = (await admin.api().get('/metrics').expect(200)).text;
    expect(metrics).toContain('complaints_cases_submitted_total{severity="general"} 1');
    expect(metrics).toContain('complaints_status_changes_total{status="closed"} 1');
    expect(metrics).toMatch(/http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/cases\/:id\/resolve",status="200"\} 1/);
    expect(metrics).not.toContain(number);
  });
});
