import { submitCase, type SubmitCaseInput } from '../../src/application/submit-case';
import { startAdminApp, type AdminApp } from '../support/admin-app';

type Member = Awaited<ReturnType<AdminApp['staff']>>;

describe('who may see and do what with a case (roles, departments, 回避, masking)', () => {
  let admin: AdminApp;
  let logisticsAgent: Member;
  let accusedAgent: Member;
  let serviceAgent: Member;
  let logisticsSupervisor: Member;
  let leader: Member;
  let auditor: Member;
  let root: Member;
  const numbers: Record<string, string> = {};

  const file = async (name: string, overrides: Partial<SubmitCaseInput>) => {
    const submitted = await submitCase(
      admin.app.cases,
      {
        type: 'complaint',
        category: 'delivery',
        channel: 'console',
        complainant: { channel: 'console', externalId: `person-${name}` },
        anonymous: false,
        contact: { name: '张三丰', phone: '+8613800138000' },
        description: '快递员态度很差，包裹被扔在门口',
        descriptionScript: 'zh-Hans',
        wants: ['apology'],
        ...overrides,
      },
      admin.clock.now,
    );
    numbers[name] = submitted.number;
    return submitted;
  };
  const get = (member: Member, path: string) => admin.api().get(`/api/v1${path}`).set('Authorization', `Bearer ${member.token}`);
  const post = (member: Member, path: string, body: object = {}) => admin.api().post(`/api/v1${path}`).set('Authorization', `Bearer ${member.token}`).send(body);
  const listed = async (member: Member, query = '') => ((await get(member, `/cases${query}`).expect(200)).body.items as Array<{ number: string }>).map((item) => item.number).sort();

  beforeAll(async () => {
    admin = await startAdminApp();
    logisticsAgent = await admin.staff('agent', { departmentId: 'logistics', name: '李四' });
    accusedAgent = await admin.staff('agent', { departmentId: 'logistics', name: '王五' });
    serviceAgent = await admin.staff('agent', { departmentId: 'customer_service', name: '赵六' });
    logisticsSupervisor = await admin.staff('supervisor', { departmentId: 'logistics' });
    leader = await admin.staff('supervisor', { departmentId: null });
    auditor = await admin.staff('auditor');
    root = await admin.staff('admin');
    await file('delivery', {});
    await file('aboutWang', { accusedStaffId: accusedAgent.id, description: '快递员王五辱骂顾客' });
    await file('service', { category: 'service_attitude', description: '客服電話一直無人接聽，投訴多次沒有回覆' });
    await file('report', { type: 'report', description: '仓库有人私自倒卖货物', contact: { name: '举报人甲', phone: '13900139000' } });
  });
  afterAll(async () => {
    await admin.stop();
  });

  it('shows agents their department only, and nobody the case about themselves', async () => {
    expect(await listed(logisticsAgent)).toEqual([numbers.aboutWang, numbers.delivery, numbers.report].sort());
    expect(await listed(accusedAgent)).toEqual([numbers.delivery, numbers.report].sort());
    await get(accusedAgent, `/cases/${numbers.aboutWang}`).expect(404);
    expect(await listed(serviceAgent)).toEqual([numbers.service]);
    await get(serviceAgent, `/cases/${numbers.delivery}`).expect(404);
    expect(await listed(logisticsSupervisor)).toEqual([numbers.aboutWang, numbers.delivery, numbers.report].sort());
    expect(await listed(leader)).toEqual(Object.values(numbers).sort());
    expect(await listed(auditor)).toEqual(Object.values(numbers).sort());
  });

  it('never routes a case to the person complained about, and refuses to assign it to them (回避)', async () => {
    const record = (await admin.app.store.cases.findByNumber(numbers.aboutWang!))!;
    expect(record.assigneeId).not.toBe(accusedAgent.id);
    const refused = await post(logisticsSupervisor, `/cases/${numbers.aboutWang}/assign`, { staffId: accusedAgent.id }).expect(403);
    expect(refused.body.error.code).toBe('CASE.RECUSAL');
  });

  it('masks names and phones; reveals them only to a supervisor or the assigned agent of a complaint, and logs every view', async () => {
    const masked = (await get(auditor, `/cases/${numbers.delivery}`).expect(200)).body.case.complainant;
    expect(masked).toEqual({ visibility: 'masked', name: '张**', phone: '+861****8000', identityId: null });
    await get(auditor, `/cases/${numbers.delivery}?reveal=true`).expect(403);
    await get(root, `/cases/${numbers.delivery}?reveal=true`).expect(403);

    const revealed = (await get(logisticsSupervisor, `/cases/${numbers.delivery}?reveal=true`).expect(200)).body.case.complainant;
    expect(revealed).toMatchObject({ visibility: 'revealed', name: '张三丰', phone: '+8613800138000' });
    const record = (await admin.app.store.cases.findByNumber(numbers.delivery!))!;
    const views = await admin.app.store.audit.list({ caseId: record.id, action: 'personal_data_viewed', limit: 10 });
    expect(views).toHaveLength(1);
    expect(views[0]!.staffId).toBe(logisticsSupervisor.id);

    const assignee = [logisticsAgent, accusedAgent].find((member) => member.id === record.assigneeId)!;
    await get(assignee, `/cases/${numbers.delivery}?reveal=true`).expect(200);
    const audit = await get(auditor, `/audit?caseId=${record.id}&action=personal_data_viewed`).expect(200);
    expect(audit.body).toHaveLength(2);
  });

  it('hides a reporter (举报) from everyone but the supervising role', async () => {
    for (const member of [logisticsAgent, auditor, root]) {
      const detail = (await get(member, `/cases/${numbers.report}`).expect(200)).body;
      expect(detail.case.complainant).toEqual({ visibility: 'hidden' });
      expect(JSON.stringify(detail)).not.toContain('举报人甲');
    }
    const report = (await admin.app.store.cases.findByNumber(numbers.report!))!;
    const assignee = [logisticsAgent, accusedAgent].find((member) => member.id === report.assigneeId)!;
    await get(assignee, `/cases/${numbers.report}?reveal=true`).expect(403);
    expect((await get(logisticsSupervisor, `/cases/${numbers.report}?reveal=true`).expect(200)).body.case.complainant.name).toBe('举报人甲');
  });

  it('lets only the assignee or a supervisor act; auditors only read; agents may not pick a colleague', async () => {
    const record = (await admin.app.store.cases.findByNumber(numbers.delivery!))!;
    const [assignee, colleague] = record.assigneeId === logisticsAgent.id ? [logisticsAgent, accusedAgent] : [accusedAgent, logisticsAgent];
    expect((await post(colleague, `/cases/${numbers.delivery}/accept`).expect(403)).body.error.code).toBe('CASE.FORBIDDEN');
    await post(auditor, `/cases/${numbers.delivery}/notes`, { text: '看过了' }).expect(403);
    await post(colleague, `/cases/${numbers.delivery}/notes`, { text: '这个快递员上周也被投诉过' }).expect(200);
    await post(assignee, `/cases/${numbers.delivery}/assign`, { staffId: colleague.id }).expect(403);
    await post(assignee, `/cases/${numbers.delivery}/accept`).expect(200);
    const illegal = await post(assignee, `/cases/${numbers.delivery}/close`).expect(403);
    expect(illegal.body.error.code).toBe('CASE.FORBIDDEN');
    await post(logisticsSupervisor, `/cases/${numbers.delivery}/assign`, { staffId: colleague.id }).expect(200);
    await post(assignee, `/cases/${numbers.delivery}/reply`, { text: '你好' }).expect(403);
  });

  it('filters, searches across scripts, pages with a cursor, and exports masked CSV', async () => {
    expect(await listed(leader, `?q=${encodeURIComponent('投訴')}`)).toEqual([numbers.service]);
    expect(await listed(leader, `?q=${encodeURIComponent('电话')}`)).toEqual([numbers.service]);
    expect(await listed(leader, '?type=report')).toEqual([numbers.report]);
    expect(await listed(leader, '?departmentId=customer_service')).toEqual([numbers.service]);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: Array<{ number: string; nextDeadline: string | null }>; nextCursor: string | null } } = await get(
        leader,
        `/cases?sort=deadline&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
      ).expect(200);
      seen.push(...page.body.items.map((item) => item.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect([...seen].sort()).toEqual(Object.values(numbers).sort());

    const csv = await get(logisticsSupervisor, '/cases/export.csv').expect(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    expect(csv.text.startsWith('\uFEFFnumber,type,category')).toBe(true);
    expect(csv.text).toContain(numbers.delivery);
    expect(csv.text).not.toContain(numbers.service);
    expect(csv.text).not.toContain('13800138000');
  });

  it('routes new cases by the rules in force: config, then changes made through the API', async () => {
    const rules = (await get(auditor, '/routing-rules').expect(200)).body.rules as Array<{ category: string; departmentId: string; source: string }>;
    expect(rules.find((rule) => rule.category === 'delivery')).toEqual({ category: 'delivery', departmentId: 'logistics', source: 'config' });
    await admin.api().put('/api/v1/routing-rules/delivery').set('Authorization', `Bearer ${root.token}`).send({ departmentId: 'customer_service' }).expect(200);
    expect((await file('rerouted', { description: '快递把包裹放错了楼栋' })).departmentId).toBe('customer_service');
    await admin.api().put('/api/v1/routing-rules/no_such_category').set('Authorization', `Bearer ${root.token}`).send({ departmentId: 'logistics' }).expect(422);
    await admin.api().delete('/api/v1/routing-rules/delivery').set('Authorization', `Bearer ${root.token}`).expect(204);
    expect((await file('routedBack', { description: '快递把包裹放在了门口的地上' })).departmentId).toBe('logistics');
    delete numbers.rerouted;
    delete numbers.routedBack;
  });

  it('finds overdue cases once the clock passes their deadlines', async () => {
    expect(await listed(leader, '?overdue=true')).toEqual([]);
    admin.clock.now = new Date(admin.clock.now.getTime() + 40 * 86_400_000);
    // Forty days on, the sign-in token has long expired too.
    await get(leader, '/cases').expect(401);
    leader = { ...leader, token: await admin.login(leader.username) };
    const overdue = (await get(leader, '/cases?overdue=true').expect(200)).body.items as Array<{ number: string; overdue: boolean }>;
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue.every((item) => item.overdue)).toBe(true);
  });
});
