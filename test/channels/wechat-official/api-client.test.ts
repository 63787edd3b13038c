import { createServer, type AddressInfo } from 'node:net';
import type { Redis } from 'ioredis';
import { createWechatApiClient, WechatApiError, type WechatApiClient, type WechatApiClientOptions } from '../../../src/channels/wechat-official/api-client';
import { startFakeWechatApi, type FakeWechatApi } from '../../support/fake-wechat-api';
import { openTestRedis } from '../../support/redis';

/** A local URL where nothing listens. */
async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

const template = { templateId: 'tpl-status', url: 'https://example.test/c/1', data: { case: { value: 'TS-202603-0001' } } };

describe('WeChat API client', () => {
  let fake: FakeWechatApi;
  let redis: { client: Redis; destroy(): Promise<void> };
  let client: WechatApiClient;

  const clientFor = (overrides: Partial<WechatApiClientOptions> = {}) =>
    createWechatApiClient({
      apiBase: fake.url,
      appId: fake.appId,
      appSecret: fake.appSecret,
      redis: redis.client,
      now: () => fake.now,
      timeoutMs: 1_000,
      ...overrides,
    });

  async function caught(promise: Promise<unknown>): Promise<WechatApiError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WechatApiError) return error;
      throw error;
    }
    throw new Error('expected a WechatApiError');
  }

  beforeEach(async () => {
    fake = await startFakeWechatApi();
    redis = await openTestRedis();
    client = clientFor();
  });
  afterEach(async () => {
    await fake.close();
    await redis.destroy();
  });

  it('sends customer-service text, templates and subscription notices', async () => {
    fake.userWrote('alice');
    fake.userAccepted('alice', 'sub-1');
    await client.sendText('alice', '您的投诉已受理');
    const { msgId } = await client.sendTemplate('alice', { ...template, clientMsgId: 'outbox-7' });
    await client.sendSubscription('alice', { templateId: 'sub-1', page: 'pages/case?id=1', data: { thing1: { value: '已受理' } } });

    expect(fake.messages.map((message) => message.body)).toEqual([
      { touser: 'alice', msgtype: 'text', text: { content: '您的投诉已受理' } },
      { touser: 'alice', template_id: 'tpl-status', url: 'https://example.test/c/1', data: template.data, client_msg_id: 'outbox-7' },
      { touser: 'alice', template_id: 'sub-1', page: 'pages/case?id=1', data: { thing1: { value: '已受理' } } },
    ]);
    // All 19 digits, which JSON.parse would have rounded.
    expect(msgId).toBe(fake.messages[1]?.kind === 'template' ? fake.messages[1].msgId : 'missing');
    expect(msgId).toMatch(/^\d{19}$/);
    expect(fake.tokenFetches).toBe(1);
    expect(fake.calls[0]?.body).toEqual({ grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
  });

  it('fetches the token once for 20 concurrent calls from two processes sharing Redis', async () => {
    const otherProcess = redis.client.duplicate();
    try {
      const other = clientFor({ redis: otherProcess });
      const users = Array.from({ length: 20 }, (_, i) => `user-${i}`);
      await Promise.all(users.map((user, i) => (i % 2 === 0 ? client : other).sendTemplate(user, template)));
      expect(fake.tokenFetches).toBe(1);
      expect(fake.messages.map((message) => message.touser).sort()).toEqual([...users].sort());
      expect(new Set(fake.calls.filter((call) => call.path !== 'stable_token').map((call) => call.query.access_token))).toEqual(new Set([fake.currentToken]));
    } finally {
      await otherProcess.quit();
    }
  });

  it('keeps the token in Redis until shortly before it ends', async () => {
    await client.sendTemplate('alice', template);
    const ttl = await redis.client.pttl(`wx-token:${fake.appId}`);
    expect(ttl).toBeGreaterThan((7200 - 300 - 5) * 1000);
    expect(ttl).toBeLessThanOrEqual((7200 - 300) * 1000);

    // A new client (a restarted process) reuses it.
    await clientFor().sendTemplate('alice', template);
    expect(fake.tokenFetches).toBe(1);

    fake.advance((7200 - 300) * 1000);
    await client.sendTemplate('alice', template);
    expect(fake.tokenFetches).toBe(2);
  });

  it.each([
    ['revoked', 40001, (f: FakeWechatApi) => f.invalidateToken()],
    ['expired', 42001, (f: FakeWechatApi) => f.expireToken()],
  ])('drops a %s token, fetches once more and retries the call once', async (_name, errcode, spoil) => {
    await client.sendTemplate('alice', template);
    const first = fake.currentToken;
    spoil(fake);

    await client.sendTemplate('bob', template);
    expect(fake.tokenFetches).toBe(2);
    expect(fake.currentToken).not.toBe(first);
    expect(fake.calls.map((call) => [call.path, call.errcode])).toEqual([
      ['stable_token', 0],
      ['message/template/send', 0],
      ['message/template/send', errcode],
      ['stable_token', 0],
      ['message/template/send', 0],
    ]);
    expect(fake.messages.map((message) => message.touser)).toEqual(['alice', 'bob']);
  });

  it('gives up after one retry when the token is rejected again', async () => {
    fake.failNext('message/template/send', { errcode: 40014 }, 2);
    const error = await caught(client.sendTemplate('alice', template));
    expect(error).toMatchObject({ code: 'WECHAT.API_ERROR', errcode: 40014, method: 'message/template/send' });
    expect(fake.tokenFetches).toBe(2);
    expect(fake.calls.filter((call) => call.path === 'message/template/send')).toHaveLength(2);
  });

  it('does not drop a token another process already replaced', async () => {
    await client.sendTemplate('alice', template);
    fake.failNext('message/template/send', { errcode: 40001 });
    // Another process stores a newer token meanwhile: the failed one is gone from Redis already.
    const replaced = { token: 'newer-token-from-elsewhere', expiresAt: String(fake.now.getTime() + 3_600_000) };
    const realSend = client.sendTemplate('bob', template);
    await redis.client.hset(`wx-token:${fake.appId}`, replaced);
    await expect(realSend).rejects.toMatchObject({ errcode: 40001 });
    // The retry used the newer token, which the fake does not know (40001 again), and it is still cached.
    expect(await redis.client.hget(`wx-token:${fake.appId}`, 'token')).toBe('newer-token-from-elsewhere');
    expect(fake.tokenFetches).toBe(1);
  });

  it('waits for the process holding the token lock instead of fetching too', async () => {
    await redis.client.set(`wx-token-lock:${fake.appId}`, 'another-process', 'PX', 5_000);
    const waiting = client.sendTemplate('alice', template);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(fake.calls).toHaveLength(0);
    // The other process stores a token it fetched.
    const access = await (
      await fetch(`${fake.url}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret }),
      })
    ).json();
    await redis.client.hset(`wx-token:${fake.appId}`, { token: (access as { access_token: string }).access_token, expiresAt: String(fake.now.getTime() + 3_600_000) });
    await waiting;
    expect(fake.tokenFetches).toBe(1);
    expect(fake.messages).toHaveLength(1);
  });

  it('takes over the token lock of a process that died holding it', async () => {
    const quick = clientFor({ timeoutMs: 200 });
    await redis.client.set(`wx-token-lock:${fake.appId}`, 'crashed-process', 'PX', 300);
    await quick.sendTemplate('alice', template);
    expect(fake.tokenFetches).toBe(1);
    expect(fake.messages).toHaveLength(1);
  });

  it('downloads media bytes with their content type', async () => {
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46]);
    fake.addMedia('evidence-1', bytes, 'image/jpeg');
    await expect(client.downloadMedia('evidence-1')).resolves.toEqual({ content: bytes, contentType: 'image/jpeg' });

    const error = await caught(client.downloadMedia('expired-or-unknown'));
    expect(error).toMatchObject({ code: 'WECHAT.API_ERROR', errcode: 40007, method: 'media/get', status: 200 });
    expect(error.errmsg).toMatch(/^invalid media_id rid: /);
  });

  it('retries media downloads with a fresh token too', async () => {
    fake.addMedia('evidence-1', Buffer.from('abc'), 'image/png');
    await client.sendTemplate('alice', template);
    fake.expireToken();
    await expect(client.downloadMedia('evidence-1')).resolves.toMatchObject({ contentType: 'image/png' });
    expect(fake.tokenFetches).toBe(2);
  });

  it('turns errcodes, HTTP errors, hang-ups and timeouts into WechatApiError', async () => {
    fake.userWrote('alice');
    fake.failNext('message/custom/send', { errcode: 45047 });
    expect(await caught(client.sendText('alice', 'x'))).toMatchObject({ code: 'WECHAT.API_ERROR', errcode: 45047, method: 'message/custom/send' });

    fake.failNext('message/custom/send', { errcode: 40164 });
    expect((await caught(client.sendText('alice', 'x'))).message).toMatch(/^WeChat message\/custom\/send answered errcode 40164 \(invalid ip .*\)\. Add this server's outbound IP/);

    fake.failNext('message/custom/send', { status: 503 });
    expect(await caught(client.sendText('alice', 'x'))).toMatchObject({ code: 'WECHAT.HTTP_STATUS', errcode: null, status: 503 });

    fake.failNext('message/custom/send', { hangUp: true });
    expect(await caught(client.sendText('alice', 'x'))).toMatchObject({ code: 'WECHAT.UNREACHABLE', errcode: null, status: null });

    fake.failNext('message/custom/send', { delayMs: 400 });
    const timeout = await caught(clientFor({ timeoutMs: 100 }).sendText('alice', 'x'));
    expect(timeout).toMatchObject({ code: 'WECHAT.UNREACHABLE', errmsg: 'no answer within 100 ms' });

    await redis.client.del(`wx-token:${fake.appId}`);
    const nowhere = await caught(clientFor({ apiBase: await closedPortUrl() }).sendText('alice', 'x'));
    expect(nowhere).toMatchObject({ code: 'WECHAT.UNREACHABLE', method: 'stable_token', errmsg: 'ECONNREFUSED' });
  });

  it('never puts the access token or the AppSecret in an error', async () => {
    await client.sendTemplate('alice', template);
    const token = fake.currentToken ?? 'missing';
    const errors: WechatApiError[] = [];

    // An errmsg that echoes the token, or a URL with it, is scrubbed.
    fake.failNext('message/template/send', { errcode: 47003, errmsg: `argument invalid! token ${token} in /cgi-bin/x?access_token=${token}&a=1` });
    errors.push(await caught(client.sendTemplate('alice', template)));
    fake.failNext('message/template/send', { errcode: 40001, errmsg: `invalid credential ${token}` }, 2);
    errors.push(await caught(client.sendTemplate('alice', template)));
    fake.failNext('media/get', { status: 500 });
    errors.push(await caught(client.downloadMedia('m')));
    fake.failNext('message/template/send', { hangUp: true });
    errors.push(await caught(client.sendTemplate('alice', template)));

    await redis.client.del(`wx-token:${fake.appId}`);
    fake.failNext('stable_token', { errcode: 40125, errmsg: `invalid appsecret ${fake.appSecret}` });
    errors.push(await caught(client.sendTemplate('alice', template)));
    errors.push(await caught(clientFor({ appSecret: 'not-the-secret' }).sendTemplate('alice', template)));

    expect(errors.map((error) => error.errcode)).toEqual([47003, 40001, null, null, 40125, 40125]);
    expect(errors[0]?.errmsg).toMatch(/^argument invalid! token \*\*\* in \/cgi-bin\/x\?access_token=\*\*\*&a=1 rid: /);
    expect(errors[4]?.message).toContain('Check WECHAT_APPSECRET');
    for (const error of errors) {
      const everything = `${error.message} ${error.errmsg} ${error.stack ?? ''} ${JSON.stringify(error)}`;
      expect(everything).not.toContain(token);
      expect(everything).not.toContain(fake.appSecret);
      expect(everything).not.toContain('not-the-secret');
    }
  });
});
