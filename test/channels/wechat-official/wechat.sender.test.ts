import type { Redis } from 'ioredis';
import { SendError, type ChannelSender } from '../../../src/application/notifications';
import { createWechatApiClient, WechatApiError } from '../../../src/channels/wechat-official/api-client';
import { createServiceWindow, type ServiceWindow } from '../../../src/channels/wechat-official/service-window';
import { createWechatSender, toSendError, WechatSendError, type WechatSenderOptions } from '../../../src/channels/wechat-official/wechat.sender';
import type { Reply } from '../../../src/conversation/messages';
import { startFakeWechatApi, type FakeWechatApi } from '../../support/fake-wechat-api';
import { openTestRedis } from '../../support/redis';

const HOUR = 3_600_000;

const text = (value: string): Reply => ({ kind: 'text', text: value });
const renderText = (reply: Reply): string => (reply.kind === 'text' || reply.kind === 'choices' ? reply.text : reply.card.title);

/** The status template: the first reply is the summary; every notification has one. */
const templates: NonNullable<WechatSenderOptions['templates']> = {
  toTemplate: (replies) => {
    const first = replies[0];
    return first ? { templateId: 'tpl-status', data: { first: { value: renderText(first) }, count: { value: String(replies.length) } } } : null;
  },
};

interface LogLine {
  level: string;
  fields: Record<string, unknown>;
  message: string;
}

describe('WeChat sender', () => {
  let fake: FakeWechatApi;
  let redis: { client: Redis; destroy(): Promise<void> };
  let window: ServiceWindow;
  let logs: LogLine[];

  const senderWith = (options: Partial<WechatSenderOptions> = {}): ChannelSender =>
    createWechatSender({
      client: createWechatApiClient({ apiBase: fake.url, appId: fake.appId, appSecret: fake.appSecret, redis: redis.client, now: () => fake.now, timeoutMs: 1_000 }),
      window,
      renderText,
      log: {
        info: (fields, message) => logs.push({ level: 'info', fields, message }),
        warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
        error: (fields, message) => logs.push({ level: 'error', fields, message }),
      },
      now: () => fake.now,
      ...options,
    });

  /** The user writes: WeChat opens its window, and our inbound handler records it. */
  async function userWrote(openid: string): Promise<void> {
    fake.userWrote(openid);
    await window.recordInbound(openid, fake.now, 'message');
  }

  async function failureOf(promise: Promise<unknown>): Promise<WechatSendError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WechatSendError) return error;
      throw error;
    }
    throw new Error('expected a WechatSendError');
  }

  beforeEach(async () => {
    fake = await startFakeWechatApi();
    redis = await openTestRedis();
    window = createServiceWindow({ redis: redis.client });
    logs = [];
  });
  afterEach(async () => {
    await fake.close();
    await redis.destroy();
  });

  it('sends each reply as a customer-service text inside the window', async () => {
    await userWrote('alice');
    const sender = senderWith({ templates });
    expect(sender.channel).toBe('wechat');
    await sender.send('alice', [text('已受理'), { kind: 'choices', text: '请评价', choices: [{ id: 'r:5', label: '满意' }] }, text('')]);
    expect(fake.textsTo('alice')).toEqual(['已受理', '请评价']);
    expect(fake.messages.every((message) => message.kind === 'text')).toBe(true);
  });

  it('sends 5 messages, then falls back to a template for the 6th', async () => {
    await userWrote('alice');
    const sender = senderWith({ templates });
    await sender.send('alice', [text('1'), text('2'), text('3')]);
    await sender.send('alice', [text('4'), text('5'), text('6'), text('7')]);

    expect(fake.messages.map((message) => (message.kind === 'text' ? message.content : `${message.kind}:${JSON.stringify(message.data)}`))).toEqual([
      '1',
      '2',
      '3',
      '4',
      '5',
      // The template carries what was not delivered.
      'template:{"first":{"value":"6"},"count":{"value":"2"}}',
    ]);
    // Our count stopped us: WeChat never had to refuse.
    expect(fake.calls.filter((call) => call.errcode === 45047)).toHaveLength(0);
    expect(logs).toContainEqual(expect.objectContaining({ level: 'info', fields: expect.objectContaining({ templateId: 'tpl-status', replies: 2 }) }));
  });

  it('falls back to a template 48 hours after the user last wrote', async () => {
    await userWrote('alice');
    const sender = senderWith({ templates });
    fake.advance(48 * HOUR - 1);
    await sender.send('alice', [text('still inside')]);
    fake.advance(1);
    await sender.send('alice', [text('your case was closed')]);
    expect(fake.messages.map((message) => message.kind)).toEqual(['text', 'template']);
    expect(fake.messages[1]).toMatchObject({ kind: 'template', touser: 'alice', templateId: 'tpl-status' });
  });

  it('fails as permanent outside the window when no template is configured', async () => {
    const error = await failureOf(senderWith().send('alice', [text('hello')]));
    expect(error).toBeInstanceOf(SendError);
    expect(error.failure).toEqual({ kind: 'permanent' });
    expect(error.code).toBe('WECHAT.WINDOW_CLOSED');
    expect(error.message).toMatch(/^WECHAT\.WINDOW_CLOSED: outside the 48-hour customer-service window .*configure a template message fallback/);
    expect(fake.calls).toHaveLength(0);

    const unmapped = await failureOf(senderWith({ templates: { toTemplate: () => null } }).send('alice', [text('hello')]));
    expect(unmapped).toMatchObject({ code: 'WECHAT.WINDOW_CLOSED', failure: { kind: 'permanent' } });
    expect(unmapped.message).toContain('no template message maps these replies');
  });

  it.each([45015, 45047])('trusts WeChat answering %i: closes the window and falls back to a template', async (errcode) => {
    await userWrote('alice');
    fake.failNext('message/custom/send', { errcode });
    const sender = senderWith({ templates });
    await sender.send('alice', [text('a'), text('b')]);
    expect(fake.messages).toEqual([expect.objectContaining({ kind: 'template', data: { first: { value: 'a' }, count: { value: '2' } } })]);
    expect(await window.remaining('alice', fake.now)).toBe(0);

    // The next notification goes straight to a template.
    await sender.send('alice', [text('c')]);
    expect(fake.calls.filter((call) => call.path === 'message/custom/send')).toHaveLength(1);
    expect(fake.messages.map((message) => message.kind)).toEqual(['template', 'template']);
  });

  it('fails as permanent on 45015 when no template is configured', async () => {
    await userWrote('alice');
    fake.failNext('message/custom/send', { errcode: 45015 });
    const error = await failureOf(senderWith().send('alice', [text('a')]));
    expect(error).toMatchObject({ code: 'WECHAT.WINDOW_CLOSED', failure: { kind: 'permanent' } });
    expect(error.message).toContain('WeChat answered 45015');
  });

  it('reports a user who unfollowed as unreachable (43004 on the template)', async () => {
    fake.userUnfollowed('alice');
    const error = await failureOf(senderWith({ templates }).send('alice', [text('status')]));
    expect(error).toMatchObject({ code: 'WECHAT.NOT_FOLLOWING', failure: { kind: 'unreachable' } });
  });

  it.each([
    ['-1 busy', { errcode: -1 }],
    ['HTTP 500', { status: 500 }],
    ['a dropped connection', { hangUp: true as const }],
  ])('reports %s as transient', async (_name, failure) => {
    await userWrote('alice');
    fake.failNext('message/custom/send', failure);
    const error = await failureOf(senderWith({ templates }).send('alice', [text('a')]));
    expect(error).toMatchObject({ code: 'WECHAT.UNAVAILABLE', failure: { kind: 'transient' } });
    expect(fake.messages).toHaveLength(0);
  });

  it('reports quota errcodes as rate limited, and alerts', async () => {
    await userWrote('alice');
    // 2026-03-02 09:00 UTC is 17:00 in Beijing: seven hours to the daily reset, so an hour at most.
    fake.now = new Date('2026-03-02T09:00:00Z');
    fake.failNext('message/custom/send', { errcode: 45009 });
    const daily = await failureOf(senderWith().send('alice', [text('a')]));
    expect(daily).toMatchObject({ code: 'WECHAT.QUOTA', failure: { kind: 'rateLimited', retryAfterMs: HOUR } });
    fake.failNext('message/custom/send', { errcode: 45011 });
    const perMinute = await failureOf(senderWith().send('alice', [text('a')]));
    expect(perMinute.failure).toEqual({ kind: 'rateLimited', retryAfterMs: 60_000 });
    expect(logs.filter((line) => line.level === 'error')).toHaveLength(2);
  });

  it.each([40164, 48001, 47003])('reports %i as permanent (account setup)', async (errcode) => {
    fake.failNext('message/template/send', { errcode });
    const error = await failureOf(senderWith({ templates }).send('alice', [text('a')]));
    expect(error).toMatchObject({ code: 'WECHAT.ACCOUNT_SETUP', failure: { kind: 'permanent' } });
    expect(logs).toContainEqual(expect.objectContaining({ level: 'error', fields: expect.objectContaining({ code: 'WECHAT.ACCOUNT_SETUP' }) }));
  });
});

describe('toSendError', () => {
  const at = new Date('2026-03-02T15:59:30Z');
  const api = (errcode: number) => new WechatApiError('WECHAT.API_ERROR', errcode, 'x', 'message/custom/send', 200);

  it('waits at least a minute for the daily quota, even just before midnight in Beijing', () => {
    expect(toSendError(api(45009), at).failure).toEqual({ kind: 'rateLimited', retryAfterMs: 60_000 });
    expect(toSendError(api(45009), new Date('2026-03-02T15:30:00Z')).failure).toEqual({ kind: 'rateLimited', retryAfterMs: 30 * 60_000 });
  });

  it('maps the other errcodes', () => {
    expect(toSendError(api(43101), at)).toMatchObject({ code: 'WECHAT.SUBSCRIPTION_REFUSED', failure: { kind: 'unreachable' } });
    expect(toSendError(api(40003), at)).toMatchObject({ code: 'WECHAT.REJECTED', failure: { kind: 'permanent' } });
    expect(toSendError(api(42001), at).failure).toEqual({ kind: 'transient' });
    expect(toSendError(api(-2), at).failure).toEqual({ kind: 'transient' });
    expect(toSendError(new WechatApiError('WECHAT.TOKEN_BUSY', null, 'busy', 'stable_token'), at).failure).toEqual({ kind: 'transient' });
    expect(toSendError(new Error('boom'), at)).toMatchObject({ code: 'WECHAT.UNAVAILABLE', failure: { kind: 'transient' }, message: 'WECHAT.UNAVAILABLE: boom' });
  });
});
