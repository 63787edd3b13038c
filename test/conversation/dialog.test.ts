import { changeStatus } from '../../src/application/change-status';
import type { Store } from '../../src/application/ports';
import type { Reply } from '../../src/conversation/messages';
import { createScriptAnalyzer } from '../../src/i18n/script-detection';
import { caseEvents, outbox } from '../../src/persistence/schema';
import { handleMessage, sendDueReminders } from '../../src/application/conversation-service';
import type { TestDatabase } from '../support/databases';
import { choiceId, dialogHarness, openDialogStores, textOf, type DialogStores } from '../support/dialog';

const analyzer = createScriptAnalyzer();

/** Characters that exist only in the other script: a zh-Hant reader must never see 们, nor a zh-Hans reader 們. */
function foreignCharacters(replies: readonly Reply[], script: 'zh-Hans' | 'zh-Hant'): string[] {
  const other = script === 'zh-Hans' ? 'zh-Hant' : 'zh-Hans';
  return analyzer
    .evidence(textOf(replies))
    .filter((e) => e.script === other && e.strength === 'strong')
    .map((e) => e.char);
}

describe('the intake dialog', () => {
  let stores: DialogStores;
  let database: TestDatabase;
  let store: Store;

  beforeEach(async () => {
    stores = await openDialogStores();
    ({ database, store } = stores);
  });

  afterEach(() => stores.destroy());

  it('files a complaint in simplified Chinese, with a refused phone number and an edit from the summary', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    const all: Reply[] = [];
    const say = async (line: string) => {
      const replies = await li.say(line);
      all.push(...replies);
      return textOf(replies);
    };

    expect(await say('/start')).toContain('1. 我要投诉');
    expect(await say('1')).toContain('请选择投诉的类别');
    expect(await say('配送')).toContain('请描述发生了什么');
    expect(await say('太慢了')).toContain('描述太简短了');
    expect(await say('快递三天都没有送到，客服电话一直打不通')).toContain('事情是什么时候发生的');
    expect(await say('下个月')).toMatch(/没能看懂这个时间|还没有到/);
    expect(await say('昨天下午三点')).toContain('事情发生在哪里');
    expect(await say('人民路营业厅')).toContain('涉及的人员或部门');
    expect(await say('跳过')).toContain('您希望如何处理');
    expect(await say('退款')).toContain('请留下姓名和手机号码');
    expect(await say('留下联系方式')).toContain('请输入您的姓名');
    expect(await say('李雷')).toContain('请输入您的手机号码');
    expect(await say('12345')).toContain('“12345”不是有效的电话号码');
    const summary = await say('138 0013 8000');
    expect(summary).toContain('【请核对您的投诉】');
    expect(summary).toContain('事情经过: 快递三天都没有送到，客服电话一直打不通');
    expect(summary).toContain('发生时间: 2026年11月22日 15:00');
    expect(summary).toContain('联系方式: 李雷 +8613800138000');

    expect(await say('修改发生地点')).toContain('事情发生在哪里');
    const back = await say('解放路营业厅');
    expect(back).toContain('发生地点: 解放路营业厅');
    const done = await say('确认提交');
    expect(done).toContain('已受理！您的案件编号是 TS-202611-0001');
    expect(done).toContain('2026年11月24日 10:30'); // acknowledged within 24 hours

    const stored = await store.cases.findByNumber('TS-202611-0001');
    expect(stored).toMatchObject({
      category: 'delivery',
      description: '快递三天都没有送到，客服电话一直打不通',
      descriptionScript: 'zh-Hans',
      location: '解放路营业厅',
      involved: null,
      wants: ['refund'],
      contactName: '李雷',
      contactPhone: '+8613800138000',
      incidentAt: new Date('2026-11-22T07:00:00Z'),
      channel: 'console',
    });
    expect(foreignCharacters(all, 'zh-Hans')).toEqual([]);
    expect(chat.errors).toEqual([]);
  });

  it('files an anonymous complaint in traditional Chinese with a photo, back and a shared location, never showing a simplified-only character', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const chen = chat.person('chen', 'telegram');
    const all: Reply[] = [];
    const run = async (step: Promise<Reply[]>) => {
      const replies = await step;
      all.push(...replies);
      return textOf(replies);
    };

    expect(await run(chen.say('我要投訴'))).toContain('請選擇投訴的類別');
    expect(await run(chen.say('返回'))).toContain('請選擇要辦理的類型');
    expect(await run(chen.say('投訴'))).toContain('請選擇投訴的類別');
    const categories = all.at(-1)!;
    await run(chen.press(choiceId([categories], '環境衛生')));
    expect(await run(chen.say('/photo /tmp/trash.jpg'))).toContain('已收到照片（共 1 張）');
    expect(await run(chen.say('社區垃圾已經三天沒有人清理，味道很大'))).toContain('事情是什麼時候發生的');
    expect(await run(chen.say('上週五晚上8點'))).toContain('事情發生在哪裡');
    expect(await run(chen.say('/location 25.0330,121.5654 信義區松仁路'))).toContain('已收到位置：信義區松仁路');
    expect(await run(chen.say('物業管理處'))).toContain('您希望如何處理');
    expect(await run(chen.say('改進'))).toContain('也可以選擇匿名');
    const anonymous = await run(chen.say('匿名'));
    expect(anonymous).toContain('我們不會知道您的身分');
    expect(anonymous).toContain('照片: 1');
    expect(await run(chen.say('確認提交'))).toContain('您的案件編號是 TS-202611-0001');

    const stored = await store.cases.findByNumber('TS-202611-0001');
    expect(stored).toMatchObject({
      anonymous: true,
      contactName: null,
      contactPhone: null,
      descriptionScript: 'zh-Hant',
      descriptionSimplified: '社区垃圾已经三天没有人清理，味道很大',
      location: '信義區松仁路',
      incidentAt: new Date('2026-11-20T12:00:00Z'),
    });
    const photos = await store.attachments.listForCase(stored!.id);
    expect(photos.map((p) => p.externalRef)).toEqual(['/tmp/trash.jpg']);
    expect(foreignCharacters(all, 'zh-Hant')).toEqual([]);
  });

  it('files a complaint in English with a Hong Kong number', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const sam = chat.person('sam');
    const text = async (line: string) => textOf(await sam.say(line));
    expect(await text('complaint')).toContain('What is your complaint about?');
    expect(await text('Delivery')).toContain('Please describe what happened');
    expect(await text('My parcel has been lost for a week')).toContain('When did it happen?');
    expect(await text('last Friday')).toContain('Where did it happen?');
    expect(await text('Airport Terminal 2')).toContain('Which person or department');
    expect(await text('skip')).toContain('What would you like us to do?');
    expect(await text('Compensation')).toContain('leave your name and mobile number');
    expect(await text('Leave my contact details')).toContain('Your name');
    expect(await text('Sam Wong')).toContain('Your mobile number');
    expect(await text('+852 9123 4567')).toContain('Please check your complaint');
    expect(await text('Submit')).toMatch(/Received! Your case number is TS-202611-0001\. We will confirm by 24 November 2026 at 10:30/);
    expect(await store.cases.findByNumber('TS-202611-0001')).toMatchObject({ descriptionScript: 'en', contactPhone: '+85291234567', wants: ['compensation'] });
  });

  it('resumes a conversation where it was after a restart of the process', async () => {
    const before = await dialogHarness(store, stores.redis);
    await before.person('li').say('我要投诉');
    await before.person('li').say('配送');
    await before.person('li').say('快递三天都没有送到，客服电话一直打不通');

    const after = await dialogHarness(store, stores.redis);
    const replies = textOf(await after.person('li').say('昨天'));
    expect(replies).toContain('事情发生在哪里');
  });

  it('runs a message with a turn id once: a redelivery gets the same replies and does not step the dialog again', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = { channel: 'telegram', externalId: 'li-turns' };
    const text = (line: string) => ({ kind: 'text' as const, text: line });
    const turn = (id: number, line: string) => handleMessage(chat.deps, li, text(line), chat.now(), { turn: `telegram:${id}` });
    await turn(1, '我要投诉');
    const first = await turn(2, '配送');
    expect(textOf(first)).toContain('发生了什么');
    // Update 2 again (as after a crash before its reply left): the same question, not 配送 taken as the description.
    expect(await turn(2, '配送')).toEqual(first);
    const next = textOf(await turn(3, '快递三天都没有送到，客服电话一直打不通'));
    expect(next).toContain('什么时候');
    // Without a turn id a repeat is a new message, as before.
    expect(textOf(await handleMessage(chat.deps, li, text('昨天'), chat.now()))).toContain('事情发生在哪里');
  });

  it('answers a status query in the middle of an intake without losing the draft, and shows only the person’s own cases', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    for (const line of ['我要投诉', '配送', '快递三天都没有送到，客服电话一直打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await li.say(line);
    const wang = chat.person('wang');
    expect(textOf(await wang.say('查询 TS-202611-0001'))).toContain('没有找到编号为 TS-202611-0001 的案件');

    await li.say('我要投诉');
    await li.say('服务态度');
    // Asked in traditional script, answered in it; the draft waits.
    const status = textOf(await li.say('查詢 ts-202611-0001'));
    expect(status).toContain('【案件 TS-202611-0001】');
    expect(status).toContain('狀態: 已登記');
    expect(status).toContain('您還有一份未完成的投訴');
    expect(textOf(await li.say('营业员态度恶劣，还对我大声喊叫'))).toContain('事情是什么时候发生的');
    expect(textOf(await li.say('我的案件'))).toContain('【案件 TS-202611-0001】');
  });

  it('reminds an abandoned intake once, through the outbox, in the person’s script', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const chen = chat.person('chen');
    await chen.say('我要投訴');
    chat.advance(60 * 60_000);
    expect(await sendDueReminders(chat.deps, chat.now())).toBe(0);
    chat.advance(61 * 60_000);
    expect(await sendDueReminders(chat.deps, chat.now())).toBe(1);
    chat.advance(10 * 60 * 60_000);
    expect(await sendDueReminders(chat.deps, chat.now())).toBe(0);

    const rows = await database.db.select().from(outbox);
    expect(rows.map((r) => r.kind)).toEqual(['chat_replies']);
    expect(textOf((rows[0]!.payload as { replies: Reply[] }).replies)).toContain('您的投訴還沒有填寫完成');
    // The reminder does not disturb the intake: the next answer continues it.
    expect(textOf(await chen.say('配送'))).toContain('請描述發生了什麼');
  });

  it('cancels an intake: nothing is filed and the next intake starts fresh', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    await li.say('我要投诉');
    await li.say('配送');
    expect(textOf(await li.say('取消'))).toContain('已取消本次填写');
    expect(textOf(await li.say('我要投诉'))).toContain('请选择投诉的类别');
    expect(await store.cases.findByNumber('TS-202611-0001')).toBeNull();
  });

  it('tells a reporter how their identity is protected', async () => {
    const chat = await dialogHarness(store, stores.redis);
    expect(textOf(await chat.person('li').say('我要举报'))).toContain('举报人信息严格保密');
  });

  it('answers a FAQ in either script before any intake', async () => {
    const chat = await dialogHarness(store, stores.redis);
    expect(textOf(await chat.person('li').say('退款多久到账？'))).toContain('3-7 个工作日');
    expect(textOf(await chat.person('chen').say('請問退款多久到賬'))).toContain('3-7 個工作日');
  });

  it('pre-fills the place from a /start payload and lets the complainant confirm it', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    await li.say('/start renmin_rd');
    for (const line of ['我要投诉', '服务态度', '营业员态度恶劣，还对我大声喊叫']) await li.say(line);
    expect(textOf(await li.say('今天上午'))).toContain('发生地点：人民路营业厅');
    expect(textOf(await li.say('是'))).toContain('涉及的人员或部门');
  });

  it('remembers the person’s script after their conversation expired', async () => {
    const chat = await dialogHarness(store, stores.redis);
    await chat.person('chen').say('你好，請問怎麼投訴');
    await stores.redis.del('conv:console:chen');
    expect(textOf(await chat.person('chen').say('/start'))).toContain('您好，這裡是投訴受理服務');
  });

  it('switches language with /lang and keeps it', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    await li.say('你好');
    const ask = await li.say('/lang');
    expect(textOf(await li.press(choiceId(ask, 'English')))).toContain('Switched to English');
    expect(textOf(await li.say('/help'))).toContain('Send "complaint" to start');
  });

  it('links a repeat complaint to the earlier one', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    const file = async (description: string) => {
      for (const line of ['我要投诉', '配送', description, '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await li.say(line);
    };
    await file('快递三天都没有送到，客服电话一直打不通');
    chat.advance(86_400_000);
    await file('快递又是三天都没有送到，客服电话还是打不通');
    const first = await store.cases.findByNumber('TS-202611-0001');
    const second = await store.cases.findByNumber('TS-202611-0002');
    expect(second?.linkedCaseId).toBe(first?.id);
  });

  it('takes the rating after resolution: unsatisfied reopens, a second unsatisfied escalates, satisfied closes', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    for (const line of ['我要投诉', '配送', '快递三天都没有送到，客服电话一直打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await li.say(line);
    const record = (await store.cases.findByNumber('TS-202611-0001'))!;
    const staff = { kind: 'system' } as const;
    const deps = chat.deps.cases;
    const resolve = async () => {
      for (const action of ['startInvestigation', 'resolve'] as const) await changeStatus(deps, { caseId: record.id, action, actor: staff }, chat.now());
    };

    await changeStatus(deps, { caseId: record.id, action: 'accept', actor: staff }, chat.now());
    await resolve();
    expect(textOf(await li.system({ kind: 'ratingRequested', caseId: record.id, number: record.number }))).toContain('请对处理结果进行评价');
    expect(textOf(await li.say('不满意'))).toContain('请告诉我们原因');
    expect(textOf(await li.say('快递还是没有送到'))).toContain('案件 TS-202611-0001 将重新处理');
    expect(await store.cases.get(record.id)).toMatchObject({ status: 'reopened', escalationLevel: 0 });

    await resolve();
    await li.system({ kind: 'ratingRequested', caseId: record.id, number: record.number });
    await li.say('1');
    await li.say('仍然没有解决');
    expect(await store.cases.get(record.id)).toMatchObject({ status: 'reopened', escalationLevel: 3 });

    await resolve();
    await li.system({ kind: 'ratingRequested', caseId: record.id, number: record.number });
    expect(textOf(await li.say('5'))).toContain('感谢您的评价，案件 TS-202611-0001 已结案');
    expect(await store.cases.get(record.id)).toMatchObject({ status: 'closed' });
    const ratings = (await store.events.listForCase(record.id)).filter((e) => e.type === 'rated').map((e) => e.data);
    expect(ratings).toEqual([
      { satisfied: false, score: null, reason: '快递还是没有送到' },
      { satisfied: false, score: 1, reason: '仍然没有解决' },
      { satisfied: true, score: 5, reason: null },
    ]);
  });

  it('relays the answer to a staff request for information to the case', async () => {
    const chat = await dialogHarness(store, stores.redis);
    const li = chat.person('li');
    for (const line of ['我要投诉', '配送', '快递三天都没有送到，客服电话一直打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await li.say(line);
    const record = (await store.cases.findByNumber('TS-202611-0001'))!;
    const deps = chat.deps.cases;
    for (const action of ['accept', 'startInvestigation', 'requestInformation'] as const) {
      await changeStatus(deps, { caseId: record.id, action, actor: { kind: 'system' } }, chat.now());
    }
    expect(textOf(await li.system({ kind: 'informationRequested', caseId: record.id, number: record.number, question: '请提供快递单号' }))).toContain(
      '工作人员需要您补充信息：请提供快递单号',
    );
    expect(textOf(await li.say('SF1234567890'))).toContain('已收到您的补充信息');
    expect(await store.cases.get(record.id)).toMatchObject({ status: 'investigating' });
    const events = await database.db.select().from(caseEvents);
    expect(events.find((e) => e.type === 'information_received')?.data).toEqual({ text: 'SF1234567890', attachmentIds: [] });
  });
});
