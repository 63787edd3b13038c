import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { issueBindingCode, type StaffDeskDeps } from '../../../src/application/staff-desk';
import { SendError } from '../../../src/application/notifications';
import { createWechatyChannel, type WechatyChannel } from '../../../src/channels/wechaty/wechaty.channel';
import { notificationSays } from '../../../src/conversation/notification-says';
import { createLogger } from '../../../src/logger';
import { createScriptAnalyzer } from '../../../src/i18n/script-detection';
import { outbox } from '../../../src/persistence/schema';
import { redisBindingCodes, redisStaffPending } from '../../../src/redis/staff-desk-stores';
import { dialogHarness, openDialogStores, type DialogStores } from '../../support/dialog';
import { wechatyMock, type WechatyMock } from '../../support/wechaty-mock';

const analyzer = createScriptAnalyzer();
const strongEvidence = (texts: readonly string[], script: 'zh-Hans' | 'zh-Hant') =>
  analyzer.evidence(texts.join('\n')).filter((e) => e.script === script && e.strength === 'strong');

/** The number a numbered list gives the label, as the person reads it. */
function numberOf(text: string | undefined, label: string): string {
  const line = (text ?? '').split('\n').find((l) => l.endsWith(`. ${label}`));
  if (!line) throw new Error(`no "${label}" in:\n${text}`);
  return line.slice(0, line.indexOf('.'));
}

describe('the wechaty channel', () => {
  let stores: DialogStores;
  let harness: Awaited<ReturnType<typeof dialogHarness>>;
  let staffDesk: StaffDeskDeps;
  let wechat: WechatyMock;
  let channel: WechatyChannel;
  let attachmentsDir: string;
  let unsupported: string[];

  beforeEach(async () => {
    stores = await openDialogStores();
    harness = await dialogHarness(stores.store, stores.redis);
    staffDesk = { conversations: harness.deps, codes: redisBindingCodes(stores.redis), pending: redisStaffPending(stores.redis) };
    unsupported = [];
    attachmentsDir = mkdtempSync(join(tmpdir(), 'complaints-wechaty-'));
    wechat = wechatyMock();
    channel = createWechatyChannel(
      { puppet: wechat.puppet, staffRooms: ['物流部值班群'], attachmentsDir },
      {
        conversations: harness.deps,
        staffDesk,
        identities: stores.store.identities,
        attachments: stores.store.attachments,
        outbox: stores.store.outbox,
        redis: stores.redis,
        logger: createLogger('silent'),
        now: harness.now,
        unsupported: async (_person, type) => (unsupported.push(type), [{ kind: 'text', text: '暂时只能处理文字、图片和位置。' }]),
      },
    );
    await wechat.login(channel);
  });

  afterEach(async () => {
    await channel.stop();
    await stores.destroy();
    rmSync(attachmentsDir, { recursive: true, force: true });
  });

  it('takes a whole intake in simplified Chinese, photo and numbered answers included, and stores the case', async () => {
    const li = wechat.person('李雷');
    const [categories] = await li.say('我要投诉');
    expect(categories).toContain('请选择投诉的类别');
    expect(await li.say(numberOf(categories, '配送'))).toEqual([expect.stringContaining('请描述发生了什么')]);

    expect((await li.sendPhoto(Buffer.from('fake-jpeg-bytes'))).join('\n')).toContain('已收到照片（共 1 张）');
    for (const line of ['包裹已经三天没有送到，客服电话也打不通', '昨天下午三点', '人民路营业厅', '跳过', '退款', '匿名']) await li.say(line);
    expect(li.said.at(-1)).toContain('确认无误请选择');
    const [confirmation] = await li.say('确认提交');
    expect(confirmation).toContain('您的案件编号是 TS-');

    const number = /TS-\d{6}-\d{4}/.exec(confirmation!)![0];
    const stored = await stores.store.cases.findByNumber(number);
    expect(stored).toMatchObject({ channel: 'wechaty', descriptionScript: 'zh-Hans', anonymous: true });
    const [photo] = await stores.store.attachments.listForCase(stored!.id);
    expect(photo).toMatchObject({ channel: 'wechaty', sizeBytes: 15 });
    expect(readFileSync(photo!.storagePath!, 'utf8')).toBe('fake-jpeg-bytes');
    expect(strongEvidence(li.said, 'zh-Hant')).toEqual([]);
    expect(harness.errors).toEqual([]);
  });

  it('answers a traditional-script writer in traditional script', async () => {
    const chen = wechat.person('陳小明');
    const [categories] = await chen.say('我要投訴');
    expect(categories).toContain('請選擇投訴的類別');
    await chen.say('配送');
    expect(chen.said.at(-1)).toContain('請描述發生了什麼');
    expect(strongEvidence(chen.said, 'zh-Hans')).toEqual([]);
  });

  it('binds a staff member and a staff room, delivers the assignment to both, and lets staff act by number', async () => {
    const wang = wechat.person('王芳');
    const agent = await stores.store.staff.insert({ name: '王芳', departmentId: 'logistics', role: 'agent', active: true });
    expect(await wang.say('/bind WRONG123')).toEqual([expect.stringContaining('绑定码无效')]);
    expect(await wang.say(`绑定 ${(await issueBindingCode(staffDesk, agent.id)).toLowerCase()}`)).toEqual([expect.stringContaining('绑定成功：王芳')]);

    const room = wechat.room('物流部值班群', [wang]);
    expect(await wang.sayIn(room, `/bind ${await issueBindingCode(staffDesk, agent.id)}`)).toEqual([expect.stringContaining('绑定成功：王芳')]);

    const li = wechat.person('李雷');
    for (const line of ['我要投诉', '配送', '包裹已经三天没有送到，客服电话也打不通', '昨天', '人民路', '跳过', '退款', '匿名', '确认提交']) await li.say(line);
    const number = /TS-\d{6}-\d{4}/.exec(li.said.at(-1)!)![0];
    const record = (await stores.store.cases.findByNumber(number))!;
    expect(record.assigneeId).toBe(agent.id);

    // What the notification worker does with the assignment row: render it, send it to every account of the assignee.
    const rows = await stores.database.db.select().from(outbox);
    const assignment = rows.find((row) => row.kind === 'case_assigned')!;
    const replies = harness.deps.renderer.render(notificationSays(assignment.kind, assignment.payload as Record<string, unknown>, harness.deps.catalog)!, 'zh-Hans');
    const accounts = await stores.store.identities.listForStaff(agent.id);
    expect(accounts.map((a) => a.externalId).sort()).toEqual([wang.contact.id, `room:${room.id}`].sort());
    for (const account of accounts) await channel.sender.send(account.externalId, replies);
    for (const said of [wang.said, room.said]) {
      expect(said.join('\n')).toContain(`新案件 ${number}`);
      expect(said.at(-1)).toMatch(/1\. 接单\n2\. 需补充信息\n3\. 办结\n4\. 转派$/);
    }

    expect(await wang.say('1')).toEqual([expect.stringContaining(`已接单，案件 ${number} 进入调查处理`)]);
    expect(await stores.store.cases.get(record.id)).toMatchObject({ status: 'investigating' });

    // In the room the bot answers only when mentioned, and only bound staff.
    expect(await wang.sayIn(room, '3', { quietMs: 300 })).toEqual([]);
    expect(await wang.sayIn(room, '３', { mention: true })).toEqual([expect.stringContaining(`请输入案件 ${number} 的办理结果`)]);
    await wang.sayIn(room, '已联系快递公司重新派送，并退还运费', { mention: true });
    expect(await stores.store.cases.get(record.id)).toMatchObject({ status: 'resolved' });
    expect(room.said.at(-1)).toContain(`案件 ${number} 已办结`);
  });

  it('takes a shared location as the place, and answers a video with the hint it is given', async () => {
    const li = wechat.person('李雷');
    for (const line of ['我要投诉', '配送', '包裹已经三天没有送到，客服电话也打不通', '昨天下午三点']) await li.say(line);
    expect((await li.shareLocation()).join('\n')).toContain('东升乡人民政府');
    expect(await li.sendFile(Buffer.from('fake-mp4'), 'clip.mp4')).toEqual(['暂时只能处理文字、图片和位置。']);
    expect(unsupported).toEqual(['Video']);
  });

  it('maps a contact or room it cannot find to SendError unreachable, and a logged-out account to transient', async () => {
    const failure = (work: Promise<void>) =>
      work.then(
        () => null,
        (error: unknown) => (error instanceof SendError ? error.failure.kind : error),
      );
    expect(await failure(channel.sender.send('no-such-contact', [{ kind: 'text', text: '提醒' }]))).toBe('unreachable');
    expect(await failure(channel.sender.send('room:no-such-room@chatroom', [{ kind: 'text', text: '提醒' }]))).toBe('unreachable');
    expect(await failure(channel.roomSender.send('没有这个群', [{ kind: 'text', text: '提醒' }]))).toBe('unreachable');

    expect(channel.isLoggedIn()).toBe(true);
    const li = wechat.person('李雷');
    await channel.sender.send(li.contact.id, [{ kind: 'text', text: '您的案件有新进展' }]);
    expect(li.said).toEqual(['您的案件有新进展']);

    await channel.stop();
    expect(channel.isLoggedIn()).toBe(false);
    expect(await failure(channel.sender.send(li.contact.id, [{ kind: 'text', text: '提醒' }]))).toBe('transient');
  });

  it('ignores its own messages, other rooms, history replayed on login and a message delivered twice', async () => {
    const li = wechat.person('李雷');
    const family = wechat.room('家人群', [li]);
    expect(await li.sayIn(family, '我要投诉', { mention: true, quietMs: 300 })).toEqual([]);

    expect(await li.replayHistory('我要投诉', 3600_000)).toEqual([]);

    expect(await li.say('我要投诉')).toHaveLength(1);
    expect(await li.redeliverLast()).toEqual([]);
    expect(li.said).toHaveLength(1);
  });
});
