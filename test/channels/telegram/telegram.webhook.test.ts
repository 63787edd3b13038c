import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { Update } from 'telegraf/types';
import { startApp, type RunningApp } from '../../../src/app';
import { issueBindingCode } from '../../../src/application/staff-desk';
import { loadConfig } from '../../../src/config/load-config';
import { createLogger } from '../../../src/logger';
import { createScriptAnalyzer } from '../../../src/i18n/script-detection';
import { outbox } from '../../../src/persistence/schema';
import { startFakeTelegram, type FakeTelegram, type TelegramUser } from '../../support/fake-telegram';

const SECRET = 'webhook-secret_123';
const analyzer = createScriptAnalyzer();
const chen: TelegramUser = { id: 9001, first_name: '小明', language_code: 'zh-hant' };

describe('the Telegram channel', () => {
  let telegram: FakeTelegram;
  let dataDir: string;
  let app: RunningApp;

  beforeEach(async () => {
    telegram = await startFakeTelegram();
    dataDir = mkdtempSync(join(tmpdir(), 'complaints-telegram-'));
    const config = loadConfig({
      env: {
        DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'silent',
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_WEBHOOK_SECRET: SECRET,
        TELEGRAM_API_ROOT: telegram.url,
      },
      configDir: 'config',
    });
    app = await startApp(config, createLogger('silent'));
  });

  afterEach(async () => {
    await app.stop();
    await telegram.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const post = (update: Update, secret = SECRET) =>
    request(app.url!).post('/telegram/webhook').set('X-Telegram-Bot-Api-Secret-Token', secret).send(update);
  const lastText = () => String(telegram.sent(chen.id).at(-1)?.params.text ?? '');
  const texts = () => telegram.sent(chen.id).map((call) => String(call.params.text));

  it('is on in /readyz', async () => {
    const ready = await request(app.url!).get('/readyz').expect(200);
    expect(ready.body.channels.telegram).toBe(true);
  });

  it('takes a whole intake through webhook updates, in the user’s script, and stores the case', async () => {
    const u = telegram.updates;
    await post(u.command(chen, 'start', 'renmin_rd')).expect(200);
    expect(lastText()).toContain('您好，這裡是投訴受理服務');

    await post(u.text(chen, '我要投訴')).expect(200);
    const categories = telegram.sent(chen.id).at(-1)!;
    const keyboard = (categories.params.reply_markup as { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> }).inline_keyboard.flat();
    const delivery = keyboard.find((button) => button.text === '配送')!;
    const categoriesMessageId = (categories.result as { message_id: number }).message_id;

    await post(u.callback(chen, delivery.callback_data, { message_id: categoriesMessageId })).expect(200);
    expect(telegram.callsOf('answerCallbackQuery')).toHaveLength(1);
    expect(telegram.callsOf('editMessageReplyMarkup').map((c) => c.params.message_id)).toEqual([categoriesMessageId]);
    expect(lastText()).toContain('請描述發生了什麼');

    telegram.addFile('photo-big', Buffer.from('fake-jpeg-bytes'), { filePath: 'photos/file_1.jpg' });
    await post(u.photo(chen, ['photo-small', 'photo-big'])).expect(200);
    expect(lastText()).toContain('已收到照片（共 1 張）');

    for (const line of ['包裹已經三天沒有送到，客服電話也打不通', '昨天下午三點']) await post(u.text(chen, line)).expect(200);
    expect(lastText()).toContain('發生地點：人民路營業廳');
    for (const line of ['是', '跳過', '退款', '匿名']) await post(u.text(chen, line)).expect(200);
    expect(lastText()).toContain('確認無誤請選擇');
    await post(u.text(chen, '確認提交')).expect(200);
    expect(lastText()).toContain('您的案件編號是 TS-');

    const number = /TS-\d{6}-\d{4}/.exec(lastText())![0];
    const stored = await app.store.cases.findByNumber(number);
    expect(stored).toMatchObject({ channel: 'telegram', descriptionScript: 'zh-Hant', location: '人民路營業廳', anonymous: true });
    const [photo] = await app.store.attachments.listForCase(stored!.id);
    expect(photo).toMatchObject({ channel: 'telegram', externalRef: 'photo-big', contentType: 'image/jpeg' });
    expect(readFileSync(photo!.storagePath!, 'utf8')).toBe('fake-jpeg-bytes');
    expect(photo!.storagePath).not.toContain(telegram.token);
    // No simplified-only wording reached this traditional-script user.
    const simplifiedOnly = analyzer.evidence(texts().join('\n')).filter((e) => e.script === 'zh-Hans' && e.strength === 'strong');
    expect(simplifiedOnly).toEqual([]);
  });

  it('lets a staff member bind with a one-time code and handle the case from the assignment card, every step reaching the complainant', async () => {
    const until = async (what: () => boolean | Promise<boolean>) => {
      for (let waited = 0; !(await what()) && waited < 20_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(await what()).toBe(true);
    };
    const wang: TelegramUser = { id: 7001, first_name: '王芳', language_code: 'zh-hans' };
    const agent = await app.store.staff.insert({ name: '王芳', departmentId: 'logistics', role: 'agent', active: true });
    const code = await issueBindingCode(app.staffDesk, agent.id);
    await post(telegram.updates.command(wang, 'bind', 'WRONG123')).expect(200);
    expect(String(telegram.sent(wang.id).at(-1)?.params.text)).toContain('绑定码无效');
    await post(telegram.updates.command(wang, 'bind', code.toLowerCase())).expect(200);
    expect(String(telegram.sent(wang.id).at(-1)?.params.text)).toContain('绑定成功：王芳');
    await post(telegram.updates.command(wang, 'bind', code)).expect(200);
    expect(String(telegram.sent(wang.id).at(-1)?.params.text)).toContain('绑定码无效');

    for (const line of ['我要投訴', '配送', '包裹已經三天沒有送到，客服電話也打不通', '昨天', '人民路', '跳過', '退款', '匿名', '確認提交']) {
      await post(telegram.updates.text(chen, line)).expect(200);
    }
    const number = /TS-\d{6}-\d{4}/.exec(lastText())![0];
    const record = (await app.store.cases.findByNumber(number))!;
    expect(record.assigneeId).toBe(agent.id);

    // The assignment card arrives through the queue, with the actions as buttons.
    await until(() => telegram.sent(wang.id).some((call) => String(call.params.text).includes(`新案件 ${number}`)));
    const buttons = () =>
      telegram
        .sent(wang.id)
        .flatMap((call) => (call.params.reply_markup as { inline_keyboard?: Array<Array<{ text: string; callback_data: string }>> } | undefined)?.inline_keyboard?.flat() ?? []);
    const press = (label: string) => post(telegram.updates.callback(wang, buttons().find((b) => b.text === label)!.callback_data));
    // The actions follow the card as a second message, a second later (Telegram's 1 message/s per chat).
    await until(() => buttons().length > 0);
    expect(buttons().map((b) => b.text)).toEqual(['接单', '需补充信息', '办结', '转派']);
    const card = telegram.sent(wang.id).find((call) => String(call.params.text).includes(`新案件 ${number}`));
    expect(String(card?.params.text)).toContain('投诉人：保密');

    await press('接单').expect(200);
    expect(await app.store.cases.get(record.id)).toMatchObject({ status: 'investigating' });
    await until(() => texts().some((text) => text.includes('調查處理中')));

    await press('需补充信息').expect(200);
    await post(telegram.updates.text(wang, '请提供快递单号')).expect(200);
    expect(await app.store.cases.get(record.id)).toMatchObject({ status: 'awaiting_complainant' });
    // Staff wrote simplified; the traditional-script complainant reads it in their script.
    await until(() => texts().some((text) => text.includes('工作人員需要您補充資料：請提供快遞單號')));
    await post(telegram.updates.text(chen, 'SF1234567890')).expect(200);
    expect(await app.store.cases.get(record.id)).toMatchObject({ status: 'investigating' });
    await until(() => telegram.sent(wang.id).some((call) => String(call.params.text).includes('补充了信息：SF1234567890')));

    await press('办结').expect(200);
    await post(telegram.updates.text(wang, '已联系快递公司重新派送，并退还运费')).expect(200);
    expect(await app.store.cases.get(record.id)).toMatchObject({ status: 'resolved' });
    await until(() => texts().some((text) => text.includes('請對處理結果進行評價')));
    await post(telegram.updates.text(chen, '5')).expect(200);
    expect(await app.store.cases.get(record.id)).toMatchObject({ status: 'closed' });

    const timeline = (await app.store.events.listForCase(record.id)).map((e) => [e.type, e.actor.kind]);
    expect(timeline).toEqual(
      expect.arrayContaining([
        ['status_changed', 'staff'],
        ['information_received', 'complainant'],
        ['rated', 'complainant'],
      ]),
    );
    const simplifiedOnly = analyzer.evidence(texts().join('\n')).filter((e) => e.script === 'zh-Hans' && e.strength === 'strong');
    expect(simplifiedOnly).toEqual([]);
  });

  it('refuses a wrong or missing secret and says nothing to the user', async () => {
    await post(telegram.updates.text(chen, '我要投訴'), 'wrong').expect(401);
    await request(app.url!).post('/telegram/webhook').send(telegram.updates.text(chen, '我要投訴')).expect(401);
    expect(telegram.sent()).toEqual([]);
  });

  it('handles a redelivered update only once', async () => {
    const update = telegram.updates.text(chen, '我要投訴');
    await post(update).expect(200);
    await post(update).expect(200);
    expect(telegram.sent(chen.id)).toHaveLength(1);
  });

  it('answers 503 while a crashed try still holds an update, and runs the update once that claim lapses', async () => {
    const update = telegram.updates.text(chen, '我要投訴');
    // What a process killed mid-turn leaves: the update claimed as running, with no turn done.
    await app.redis.client.set(`tg-update:${update.update_id}`, 'running', 'PX', 400);
    await post(update).expect(503);
    expect(telegram.sent(chen.id)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await post(update).expect(200);
    expect(texts()).toEqual([expect.stringContaining('請選擇投訴的類別')]);
    await post(update).expect(200);
    expect(telegram.sent(chen.id)).toHaveLength(1);
  });

  it('refuses a body that is not an update', async () => {
    await post({ hello: 'world' } as unknown as Update).expect(400);
    expect(telegram.sent()).toEqual([]);
  });

  it('queues what it could not say in the webhook turn when Telegram answers 429, and delivers it after retry_after', async () => {
    telegram.failNext('sendMessage', { code: 429, retryAfter: 1 });
    await post(telegram.updates.text(chen, '我要投訴')).expect(200);
    expect(telegram.sent(chen.id)).toEqual([]);
    const queued = await app.database.db.select().from(outbox);
    expect(queued.map((row) => row.kind)).toEqual(['chat_replies']);

    for (let waited = 0; telegram.sent(chen.id).length === 0 && waited < 15_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
    expect(texts()).toEqual([expect.stringContaining('請選擇投訴的類別')]);
    const [row] = await app.database.db.select().from(outbox);
    expect(row?.dispatchedAt).not.toBeNull();
  });

  it('marks a person who blocked the bot unreachable instead of retrying', async () => {
    await post(telegram.updates.text(chen, '我要投訴')).expect(200);
    const identity = await app.store.identities.find('telegram', String(chen.id));
    telegram.failNext('sendMessage', { code: 403 }, 5);
    await app.store.outbox.add([{ caseId: null, recipient: { kind: 'identity', identityId: identity!.id }, kind: 'chat_replies', payload: { replies: [{ kind: 'text', text: '提醒' }] } }]);
    for (let waited = 0; !(await app.store.identities.find('telegram', String(chen.id)))?.unreachable && waited < 15_000; waited += 100) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await app.store.identities.find('telegram', String(chen.id)))?.unreachable).toBe(true);
    expect(telegram.callsOf('sendMessage').filter((call) => call.status === 403)).toHaveLength(1);
  });
});

describe('the Telegram channel in polling mode', () => {
  it('answers updates it fetches itself, for development without a public URL', async () => {
    const telegram = await startFakeTelegram();
    const dataDir = mkdtempSync(join(tmpdir(), 'complaints-polling-'));
    const config = loadConfig({
      env: { DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url, TELEGRAM_MODE: 'polling' },
      configDir: 'config',
    });
    const app = await startApp(config, createLogger('silent'));
    try {
      telegram.queueUpdate(telegram.updates.text(chen, '我要投訴'));
      for (let waited = 0; telegram.sent(chen.id).length === 0 && waited < 10_000; waited += 100) await new Promise((r) => setTimeout(r, 100));
      expect(String(telegram.sent(chen.id)[0]?.params.text)).toContain('請選擇投訴的類別');
    } finally {
      await app.stop();
      await telegram.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
