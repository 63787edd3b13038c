import { Markup, Telegraf, TelegramError } from 'telegraf';
import { startFakeTelegram, type FakeTelegram, type TelegramUser } from './fake-telegram';

const alice: TelegramUser = { id: 4201, first_name: 'Alice', language_code: 'zh-hans', username: 'alice' };
const bob: TelegramUser = { id: 4202, first_name: 'Bob' };

function botFor(fake: FakeTelegram, token = fake.token): Telegraf {
  return new Telegraf(token, { telegram: { apiRoot: fake.url, webhookReply: false } });
}

async function caught(promise: Promise<unknown>): Promise<TelegramError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TelegramError) return error;
    throw error;
  }
  throw new Error('expected a TelegramError');
}

describe('fake Telegram Bot API through telegraf 4.16', () => {
  let fake: FakeTelegram;
  let bot: Telegraf;

  beforeEach(async () => {
    fake = await startFakeTelegram();
    bot = botFor(fake);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('answers sendMessage with a Message and records the call', async () => {
    const message = await bot.telegram.sendMessage(alice.id, '您好', Markup.inlineKeyboard([Markup.button.callback('OK', 'ok')]));
    expect(message).toMatchObject({ message_id: expect.any(Number), chat: { id: alice.id, type: 'private' }, text: '您好', from: { is_bot: true } });
    expect(typeof message.date).toBe('number');
    expect(message.reply_markup).toEqual({ inline_keyboard: [[{ text: 'OK', callback_data: 'ok', hide: false }]] });

    const second = await bot.telegram.sendMessage(bob.id, 'hi');
    expect(second.message_id).toBeGreaterThan(message.message_id);

    expect(fake.sent().map((call) => call.chatId)).toEqual([String(alice.id), String(bob.id)]);
    const [call] = fake.sent(alice.id);
    expect(call).toMatchObject({ method: 'sendMessage', chatId: String(alice.id), status: 200, ok: true });
    // telegraf sends JSON: numbers stay numbers, reply_markup stays an object.
    expect(call?.params).toMatchObject({ chat_id: alice.id, text: '您好', reply_markup: { inline_keyboard: expect.any(Array) } });
    expect(call?.at).toBeLessThanOrEqual(Date.now());
  });

  it('answers getMe with the bot user', async () => {
    const me = await bot.telegram.getMe();
    expect(me).toEqual(fake.botInfo);
    expect(me).toMatchObject({ id: 123456, is_bot: true, username: 'test_bot' });
  });

  it('describes files with getFile and serves them at the link telegraf builds', async () => {
    const content = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    fake.addFile('photo-big', content);
    const file = await bot.telegram.getFile('photo-big');
    expect(file).toEqual({ file_id: 'photo-big', file_unique_id: expect.any(String), file_size: content.length, file_path: expect.stringMatching(/^photos\/file_\d+\.jpg$/) });

    const link = await bot.telegram.getFileLink('photo-big');
    expect(link.href).toBe(`${fake.url}/file/bot${fake.token}/${file.file_path}`);
    const response = await fetch(link);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(content);
    expect(fake.downloads).toEqual([file.file_path]);

    expect((await fetch(`${fake.url}/file/bot${fake.token}/photos/missing.jpg`)).status).toBe(404);
    await expect(bot.telegram.getFile('unknown')).rejects.toMatchObject({ code: 400, description: 'Bad Request: invalid file_id' });
    fake.addFile('huge', Buffer.from('x'), { fileSize: 21 * 1024 * 1024 });
    await expect(bot.telegram.getFile('huge')).rejects.toMatchObject({ code: 400, description: 'Bad Request: file is too big' });
  });

  it('answers answerCbQuery with true', async () => {
    await expect(bot.telegram.answerCbQuery('42', 'Saved')).resolves.toBe(true);
    expect(fake.callsOf('answerCallbackQuery')[0]?.params).toEqual({ callback_query_id: '42', text: 'Saved' });
  });

  it('surfaces an injected 429 as a TelegramError carrying retry_after', async () => {
    fake.failNext('sendMessage', { code: 429, retryAfter: 7 });
    const error = await caught(bot.telegram.sendMessage(alice.id, 'x'));
    expect(error).toBeInstanceOf(TelegramError);
    expect(error.code).toBe(429);
    expect(error.description).toBe('Too Many Requests: retry after 7');
    expect(error.message).toBe('429: Too Many Requests: retry after 7');
    expect(error.parameters).toEqual({ retry_after: 7 });
    // `response` is the whole JSON body, `ok: false` included.
    expect(error.response).toEqual({ ok: false, error_code: 429, description: 'Too Many Requests: retry after 7', parameters: { retry_after: 7 } });
    expect(error.on).toEqual({ method: 'sendMessage', payload: { chat_id: alice.id, text: 'x' } });
    expect(fake.tooManyRequests).toBe(1);
    expect(fake.calls[0]).toMatchObject({ method: 'sendMessage', status: 429, ok: false });
    expect(fake.sent()).toHaveLength(0);

    // Only the next call fails.
    await expect(bot.telegram.sendMessage(alice.id, 'x')).resolves.toMatchObject({ text: 'x' });
    expect(fake.sent(alice.id)).toHaveLength(1);
  });

  it('surfaces an injected 403 as a TelegramError', async () => {
    fake.failNext('sendMessage', { code: 403 });
    const error = await caught(bot.telegram.sendMessage(alice.id, 'x'));
    expect(error.code).toBe(403);
    expect(error.description).toBe('Forbidden: bot was blocked by the user');
    expect(error.parameters).toBeUndefined();
    expect(error.response).toEqual({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' });
  });

  it('injects 400 and 500, for one method or any, several times', async () => {
    fake.failNext('sendMessage', { code: 400, description: 'Bad Request: chat not found' });
    await expect(bot.telegram.sendMessage(alice.id, 'x')).rejects.toMatchObject({ code: 400, description: 'Bad Request: chat not found' });

    // For status >= 500 telegraf ignores the body and uses the HTTP status text.
    fake.failNext('*', { code: 500 }, 2);
    const error = await caught(bot.telegram.getMe());
    expect(error.response).toEqual({ error_code: 500, description: 'Internal Server Error' });
    await expect(bot.telegram.answerCbQuery('1')).rejects.toMatchObject({ code: 500 });
    await expect(bot.telegram.getMe()).resolves.toMatchObject({ is_bot: true });
  });

  it('answers 401 to a wrong token and 404 to an unknown method', async () => {
    const wrong = botFor(fake, '999:wrong');
    await expect(wrong.telegram.getMe()).rejects.toMatchObject({ code: 401, description: 'Unauthorized' });
    const error = await caught(bot.telegram.callApi('noSuchMethod' as 'getMe', {}));
    expect(error.response).toEqual({ ok: false, error_code: 404, description: 'Not Found' });
  });

  it('enforces rate limits when asked: 429 when exceeded, none when respected', async () => {
    fake.enforceLimits({ perSecond: 3, perChatPerSecond: 1 });
    await Promise.all([1, 2, 3].map((chat) => bot.telegram.sendMessage(chat, 'a')));
    expect(fake.tooManyRequests).toBe(0);

    const overall = await caught(bot.telegram.sendMessage(4, 'a'));
    expect(overall.code).toBe(429);
    expect(overall.parameters?.retry_after).toBe(1);
    const perChat = await caught(bot.telegram.sendMessage(1, 'b'));
    expect(perChat.parameters?.retry_after).toBe(1);
    expect(fake.tooManyRequests).toBe(2);
    expect(fake.sent()).toHaveLength(3);

    // A second later the window has room again.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await bot.telegram.sendMessage(1, 'b');
    await new Promise((resolve) => setTimeout(resolve, 400));
    await Promise.all([2, 3].map((chat) => bot.telegram.sendMessage(chat, 'b')));
    expect(fake.tooManyRequests).toBe(2);
    expect(fake.sent()).toHaveLength(6);
  });

  it('does not limit anything by default', async () => {
    await Promise.all(Array.from({ length: 40 }, () => bot.telegram.sendMessage(alice.id, 'burst')));
    expect(fake.tooManyRequests).toBe(0);
    expect(fake.sent(alice.id)).toHaveLength(40);
  });

  it('builds updates that telegraf routes like real ones (webhook mode)', async () => {
    const seen: string[] = [];
    bot.start(async (ctx) => {
      seen.push(`start:${ctx.payload}`);
      await ctx.reply('welcome', Markup.inlineKeyboard([Markup.button.callback('Yes', 'yes')]));
    });
    bot.on('photo', async (ctx) => {
      const largest = ctx.message.photo[ctx.message.photo.length - 1];
      const link = await ctx.telegram.getFileLink(largest?.file_id ?? '');
      seen.push(`photo:${largest?.file_id}:${ctx.message.caption}:${link.pathname.endsWith('.jpg')}`);
    });
    bot.on('location', (ctx) => {
      seen.push(`location:${ctx.message.location.latitude},${ctx.message.location.longitude}`);
    });
    bot.on('callback_query', async (ctx) => {
      seen.push(`callback:${'data' in ctx.callbackQuery ? ctx.callbackQuery.data : ''}:${ctx.chat?.id}`);
      await ctx.answerCbQuery();
      await ctx.editMessageReplyMarkup(undefined);
    });
    bot.on('text', (ctx) => {
      seen.push(`text:${ctx.message.text}`);
    });

    const start = fake.updates.command(alice, 'start', 'shop_12');
    expect(start.message.text).toBe('/start shop_12');
    expect(start.message.entities).toEqual([{ offset: 0, length: 6, type: 'bot_command' }]);
    await bot.handleUpdate(start);
    const welcome = fake.sent(alice.id)[0]?.result as { message_id: number };

    fake.addFile('small', Buffer.from([0xff, 0xd8, 1]));
    fake.addFile('large', Buffer.from([0xff, 0xd8, 1, 2, 3, 4]));
    const photo = fake.updates.photo(alice, ['small', 'large'], '門口');
    expect(photo.message.photo.map((size) => size.file_size)).toEqual([3, 6]);
    expect(photo.update_id).toBeGreaterThan(start.update_id);
    expect(photo.message.message_id).toBeGreaterThan(start.message.message_id);
    await bot.handleUpdate(photo);
    await bot.handleUpdate(fake.updates.location(alice, 22.3193, 114.1694));
    const callback = fake.updates.callback(alice, 'yes', welcome);
    expect(callback.callback_query.message).toMatchObject({ message_id: welcome.message_id, chat: { id: alice.id, type: 'private' }, text: 'welcome' });
    await bot.handleUpdate(callback);
    await bot.handleUpdate(fake.updates.text(bob, 'no command /here'));

    expect(seen).toEqual([
      'start:shop_12',
      'photo:large:門口:true',
      'location:22.3193,114.1694',
      `callback:yes:${alice.id}`,
      'text:no command /here',
    ]);
    expect(fake.callsOf('answerCallbackQuery')[0]?.params).toEqual({ callback_query_id: callback.callback_query.id });
    const edit = fake.callsOf('editMessageReplyMarkup')[0];
    expect(edit).toMatchObject({ ok: true, params: { chat_id: alice.id, message_id: welcome.message_id } });
    expect(edit?.result).toMatchObject({ message_id: welcome.message_id, text: 'welcome', edit_date: expect.any(Number) });
    expect(edit?.result).not.toHaveProperty('reply_markup');

    // Removing a keyboard that is already gone is "not modified", as on the real server.
    await expect(bot.telegram.editMessageReplyMarkup(alice.id, welcome.message_id, undefined, undefined)).rejects.toMatchObject({
      code: 400,
      description: expect.stringContaining('message is not modified'),
    });
    // An inline message edit answers true.
    await expect(bot.telegram.editMessageReplyMarkup(undefined, undefined, 'inline-1', undefined)).resolves.toBe(true);
  });

  it('serves queued updates to getUpdates, honouring offset', async () => {
    const first = fake.updates.text(alice, 'one');
    const second = fake.updates.text(alice, 'two');
    fake.queueUpdate(first);
    fake.queueUpdate(second);
    expect(await bot.telegram.getUpdates(0, 100, 0, [])).toEqual([first, second]);
    expect(await bot.telegram.getUpdates(0, 100, second.update_id, [])).toEqual([second]);
    // Confirmed updates are forgotten.
    expect(await bot.telegram.getUpdates(0, 100, 0, [])).toEqual([second]);

    const startedAt = Date.now();
    expect(await bot.telegram.getUpdates(50, 100, second.update_id + 1, [])).toEqual([]);
    expect(Date.now() - startedAt).toBeLessThan(1000);

    // A waiting long poll answers as soon as an update is queued.
    const waiting = bot.telegram.getUpdates(50, 100, second.update_id + 1, []);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const third = fake.updates.text(alice, 'three');
    fake.queueUpdate(third);
    expect(await waiting).toEqual([third]);
  });

  it('runs a polling bot (launch/stop)', async () => {
    const replies: string[] = [];
    bot.on('text', async (ctx) => {
      replies.push(ctx.message.text);
      await ctx.reply(`echo ${ctx.message.text}`);
    });
    const running = bot.launch();
    fake.queueUpdate(fake.updates.text(alice, 'hello'));
    const deadline = Date.now() + 5000;
    while (fake.sent(alice.id).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    bot.stop('test');
    await running;

    expect(replies).toEqual(['hello']);
    expect(fake.sent(alice.id)[0]?.params).toMatchObject({ text: 'echo hello' });
    expect(fake.callsOf('deleteWebhook')).toHaveLength(1);
    expect(fake.callsOf('getUpdates').length).toBeGreaterThanOrEqual(2);
  });

  it('refuses getUpdates while a webhook is set, like Telegram', async () => {
    await expect(bot.telegram.setWebhook('https://example.test/telegram', { secret_token: 's3cret' })).resolves.toBe(true);
    expect(fake.webhookUrl).toBe('https://example.test/telegram');
    await expect(bot.telegram.getUpdates(0, 1, 0, [])).rejects.toMatchObject({ code: 409 });
    await expect(bot.telegram.deleteWebhook()).resolves.toBe(true);
    await expect(bot.telegram.getUpdates(0, 1, 0, [])).resolves.toEqual([]);
  });

  it('accepts application/x-www-form-urlencoded bodies and GET query strings', async () => {
    const form = new URLSearchParams({ chat_id: String(bob.id), text: 'form', reply_markup: JSON.stringify({ inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] }) });
    const response = await fetch(`${fake.url}/bot${fake.token}/sendMessage`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { ok: boolean; result: { chat: { id: number }; text: string; reply_markup: unknown } };
    expect(body).toMatchObject({ ok: true, result: { chat: { id: bob.id }, text: 'form', reply_markup: { inline_keyboard: [[{ text: 'A', callback_data: 'a' }]] } } });
    expect(fake.sent(bob.id)[0]?.params).toMatchObject({ chat_id: String(bob.id), reply_markup: { inline_keyboard: expect.any(Array) } });

    const get = await fetch(`${fake.url}/bot${fake.token}/GETME`);
    expect(await get.json()).toEqual({ ok: true, result: fake.botInfo });

    const bad = await fetch(`${fake.url}/bot${fake.token}/sendMessage`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"chat_id":1}' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ ok: false, error_code: 400, description: 'Bad Request: message text is empty' });
  });
});
