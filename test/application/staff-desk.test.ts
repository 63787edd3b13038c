import { handleStaffMessage, issueBindingCode, bindStaffAccount, type StaffDeskDeps } from '../../src/application/staff-desk';
import type { Store } from '../../src/application/ports';
import { redisBindingCodes, redisStaffPending } from '../../src/redis/staff-desk-stores';
import { choiceId, dialogHarness, openDialogStores, textOf, type DialogStores } from '../support/dialog';

describe('the staff desk', () => {
  let stores: DialogStores;
  let store: Store;

  beforeEach(async () => {
    stores = await openDialogStores();
    ({ store } = stores);
  });

  afterEach(() => stores.destroy());

  async function setUp() {
    const chat = await dialogHarness(store, stores.redis);
    const desk: StaffDeskDeps = { conversations: chat.deps, codes: redisBindingCodes(stores.redis), pending: redisStaffPending(stores.redis) };
    const agent = await store.staff.insert({ name: '王芳', departmentId: 'logistics', role: 'agent', active: true });
    const colleague = await store.staff.insert({ name: '刘洋', departmentId: 'quality', role: 'agent', active: true });
    const outsider = await store.staff.insert({ name: '陈晨', departmentId: 'finance', role: 'agent', active: true });
    for (const line of ['我要投诉', '配送', '快递三天都没有送到，客服电话一直打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await chat.person('li').say(line);
    const record = (await store.cases.findByNumber('TS-202611-0001'))!;
    const act = (staff: typeof agent, message: Parameters<typeof handleStaffMessage>[3]) =>
      handleStaffMessage(desk, staff, { channel: 'telegram', externalId: staff.id }, message, 'zh-Hans', chat.now());
    return { chat, desk, agent, colleague, outsider, record, act };
  }

  it('transfers a case to another department, where its least-loaded agent takes it', async () => {
    const { agent, colleague, record, act } = await setUp();
    expect(record.assigneeId).toBe(agent.id);
    const ask = await act(agent, { kind: 'choice', choiceId: `staff:transfer:${record.id}` });
    expect(textOf(ask)).toContain('案件 TS-202611-0001 转派到哪个部门');
    const done = await act(agent, { kind: 'choice', choiceId: choiceId(ask, '质量管理部') });
    expect(textOf(done)).toContain('案件 TS-202611-0001 已转派');
    expect(await store.cases.get(record.id)).toMatchObject({ assigneeId: colleague.id, departmentId: 'quality' });
    const reassigned = (await store.events.listForCase(record.id)).find((e) => e.type === 'reassigned');
    expect(reassigned?.actor).toEqual({ kind: 'staff', staffId: agent.id });
  });

  it('refuses a staff member acting on a case that is not theirs', async () => {
    const { outsider, record, act } = await setUp();
    expect(textOf(await act(outsider, { kind: 'choice', choiceId: `staff:accept:${record.id}` }))).toContain('无法执行：这个案件没有分派给您，无法操作。');
    expect(await store.cases.get(record.id)).toMatchObject({ status: 'registered' });
  });

  it('binds an account once per code, and refuses codes for inactive staff', async () => {
    const { desk, agent } = await setUp();
    const code = await issueBindingCode(desk, agent.id);
    expect(code).toMatch(/^[A-HJ-NP-Z2-9]{8}$/);
    const person = { channel: 'wecom', externalId: 'wangfang' };
    expect(textOf(await bindStaffAccount(desk, person, code, 'zh-Hans'))).toContain('绑定成功：王芳');
    expect(await store.identities.listForStaff(agent.id)).toEqual([expect.objectContaining({ channel: 'wecom', externalId: 'wangfang', kind: 'staff' })]);
    expect(textOf(await bindStaffAccount(desk, person, code, 'zh-Hans'))).toContain('绑定码无效');
    const gone = await store.staff.insert({ name: '离职', departmentId: 'logistics', role: 'agent', active: false });
    await expect(issueBindingCode(desk, gone.id)).rejects.toMatchObject({ code: 'STAFF.NOT_AVAILABLE' });
  });
});
