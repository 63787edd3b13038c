import type { Redis } from 'ioredis';
import { createWecomApiClient, WecomApiError, type WecomApiClient, type WecomApiClientOptions } from '../../../src/channels/wecom/api-client';
import { startFakeWecomApi, type FakeWecomApi } from '../../support/fake-wecom-api';
import { openTestRedis } from '../../support/redis';

describe('WeCom API client', () => {
  let fake: FakeWecomApi;
  let redis: { client: Redis; destroy(): Promise<void> };
  let client: WecomApiClient;

  const clientFor = (overrides: Partial<WecomApiClientOptions> = {}) =>
    createWecomApiClient({
      apiBase: fake.url,
      corpId: fake.corpId,
      secret: fake.secret,
      agentId: fake.agentId,
      redis: redis.client,
      now: () => fake.now,
      timeoutMs: 1_000,
      ...overrides,
    });

  async function caught(promise: Promise<unknown>): Promise<WecomApiError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof WecomApiError) return error;
      throw error;
    }
    throw new Error('expected a WecomApiError');
  }

  beforeEach(async () => {
    fake = await startFakeWecomApi();
    redis = await openTestRedis();
    client = clientFor();
  });
  afterEach(async () => {
    await fake.close();
    await redis.destroy();
  });

  it('sends text, markdown and text cards as the application, with the duplicate check on', async () => {
    const { msgId } = await client.sendAppMessage('wangfang', { msgtype: 'text', content: '案件 TS-202611-0001 已分派给您' });
    await client.sendAppMessage('wangfang', { msgtype: 'markdown', content: '**新案件**' });
    await client.sendAppMessage('wangfang', { msgtype: 'textcard', title: '新案件', description: '<div class="normal">内容</div>', url: 'https://example.test/c/1', btntxt: '查看详情页' });

    expect(msgId).toMatch(/^msg1_/);
    expect(fake.delivered.map((message) => message.body)).toEqual([
      { touser: 'wangfang', msgtype: 'text', agentid: 1000002, text: { content: '案件 TS-202611-0001 已分派给您' }, enable_duplicate_check: 1, duplicate_check_interval: 1800 },
      { touser: 'wangfang', msgtype: 'markdown', agentid: 1000002, markdown: { content: '**新案件**' }, enable_duplicate_check: 1, duplicate_check_interval: 1800 },
      {
        touser: 'wangfang',
        msgtype: 'textcard',
        agentid: 1000002,
        // btntxt is cut to WeCom's 4 characters rather than refused.
        textcard: { title: '新案件', description: '<div class="normal">内容</div>', url: 'https://example.test/c/1', btntxt: '查看详情' },
        enable_duplicate_check: 1,
        duplicate_check_interval: 1800,
      },
    ]);
    expect(fake.tokenFetches).toBe(1);
    expect(fake.calls[0]).toMatchObject({ path: 'gettoken', httpMethod: 'GET', query: { corpid: fake.corpId, corpsecret: fake.secret } });
  });

  it('lets WeCom drop a repeat of a message the member already has (a retried job)', async () => {
    await client.sendAppMessage('wangfang', { msgtype: 'text', content: '请处理案件 TS-202611-0001' });
    await client.sendAppMessage('wangfang', { msgtype: 'text', content: '请处理案件 TS-202611-0001' });
    expect(fake.contentsTo('wangfang')).toEqual(['请处理案件 TS-202611-0001']);
    expect(fake.dropped.map((drop) => drop.reason)).toEqual(['duplicate']);
    fake.advance(31 * 60_000);
    await client.sendAppMessage('wangfang', { msgtype: 'text', content: '请处理案件 TS-202611-0001' });
    expect(fake.contentsTo('wangfang')).toHaveLength(2);
  });

  it('fetches the token once for 20 concurrent sends from two processes sharing Redis', async () => {
    const otherProcess = redis.client.duplicate();
    try {
      const other = clientFor({ redis: otherProcess });
      const members = Array.from({ length: 20 }, (_, i) => `member-${i}`);
      await Promise.all(members.map((member, i) => (i % 2 === 0 ? client : other).sendAppMessage(member, { msgtype: 'text', content: '新案件' })));
      expect(fake.tokenFetches).toBe(1);
      expect(fake.delivered.map((message) => message.touser).sort()).toEqual([...members].sort());
    } finally {
      await otherProcess.quit();
    }
  });

  it.each([
    ['expired (42001)', (f: FakeWecomApi) => f.expireToken()],
    ['revoked (40014)', (f: FakeWecomApi) => f.invalidateToken()],
  ])('fetches a new token once and retries when the cached one is %s', async (_name, spoil) => {
    await client.sendAppMessage('wangfang', { msgtype: 'text', content: '第一条' });
    spoil(fake);
    await client.sendAppMessage('wangfang', { msgtype: 'text', content: '第二条' });
    expect(fake.contentsTo('wangfang')).toEqual(['第一条', '第二条']);
    expect(fake.tokenFetches).toBe(2);
  });

  it('gives up after one retry when WeCom keeps rejecting the token', async () => {
    fake.failNext('message/send', { errcode: 42001 }, 2);
    const error = await caught(client.sendAppMessage('wangfang', { msgtype: 'text', content: '新案件' }));
    expect(error).toMatchObject({ code: 'WECOM.API_ERROR', errcode: 42001, method: 'message/send' });
    expect(fake.tokenFetches).toBe(2);
  });

  it('never puts the Secret, the token or a robot key into an error', async () => {
    const wrongSecret = clientFor({ secret: 'not-the-secret-but-still-secret' });
    const refused = await caught(wrongSecret.sendAppMessage('wangfang', { msgtype: 'text', content: 'x' }));
    expect(refused).toMatchObject({ code: 'WECOM.API_ERROR', errcode: 40001, method: 'gettoken' });
    expect(refused.message).toContain('WECOM_SECRET');
    expect(refused.message).not.toContain('not-the-secret-but-still-secret');

    await client.sendAppMessage('wangfang', { msgtype: 'text', content: 'warm-up' });
    const token = fake.currentToken!;
    fake.failNext('message/send', { errcode: 40058, errmsg: `invalid Request Parameter, access_token=${token} corpsecret=${fake.secret}` });
    const echoed = await caught(client.sendAppMessage('wangfang', { msgtype: 'text', content: 'y' }));
    expect(echoed.message).not.toContain(token);
    expect(echoed.message).not.toContain(fake.secret);
    expect(echoed.message).toContain('access_token=***');

    const robot = await caught(client.sendRobotMarkdown('robot-key-0123456789', '**告警**'));
    expect(robot).toMatchObject({ code: 'WECOM.API_ERROR', errcode: 93000, method: 'webhook/send' });
    expect(`${robot.message} ${robot.errmsg}`).not.toContain('robot-key-0123456789');
  });

  it('reports a member WeCom did not deliver to, although it answered errcode 0', async () => {
    fake.unlicense('liuyang');
    expect(await caught(client.sendAppMessage('LiuYang', { msgtype: 'text', content: '新案件' }))).toMatchObject({ code: 'WECOM.NOT_DELIVERED', errcode: null });
    fake.addMember('wangfang');
    fake.removeMember('chenchen');
    expect(await caught(client.sendAppMessage('chenchen', { msgtype: 'text', content: '新案件' }))).toMatchObject({ code: 'WECOM.API_ERROR', errcode: 81013 });
    expect(fake.delivered).toEqual([]);
  });

  it('tells transport failures apart from WeCom answers', async () => {
    fake.failNext('message/send', { status: 502 });
    expect(await caught(client.sendAppMessage('wangfang', { msgtype: 'text', content: 'a' }))).toMatchObject({ code: 'WECOM.HTTP_STATUS', status: 502 });
    fake.failNext('message/send', { hangUp: true });
    expect(await caught(client.sendAppMessage('wangfang', { msgtype: 'text', content: 'b' }))).toMatchObject({ code: 'WECOM.UNREACHABLE' });
    fake.failNext('message/send', { delayMs: 1_500 });
    const slow = await caught(client.sendAppMessage('wangfang', { msgtype: 'text', content: 'c' }));
    expect(slow).toMatchObject({ code: 'WECOM.UNREACHABLE' });
    expect(slow.message).toContain('no answer within 1000 ms');
  });

  it('refuses an AgentId that is not a number before sending anything', () => {
    expect(() => clientFor({ agentId: 'complaints-app' })).toThrow(expect.objectContaining({ code: 'WECOM.BAD_CONFIG' }));
  });

  describe('group robot', () => {
    beforeEach(() => fake.addRobot('robot-key'));

    it('posts markdown and text, cut at a character boundary to 4096 and 2048 bytes', async () => {
      await client.sendRobotMarkdown('robot-key', '**案件 TS-202611-0001 已超时**');
      // 1365 × 3 bytes + a 4-byte emoji straddles the 4096-byte limit.
      const long = `${'超'.repeat(1365)}😀${'时'.repeat(100)}`;
      await client.sendRobotMarkdown('robot-key', long);
      await client.sendRobotText('robot-key', long);
      const [short, markdown, text] = fake.robotPosts;
      expect(short).toMatchObject({ msgtype: 'markdown', content: '**案件 TS-202611-0001 已超时**' });
      expect(markdown?.msgtype).toBe('markdown');
      expect(Buffer.byteLength(markdown!.content)).toBeLessThanOrEqual(4096);
      expect(markdown!.content).toMatch(/^超+…$/);
      expect(text?.msgtype).toBe('text');
      expect(Buffer.byteLength(text!.content)).toBeLessThanOrEqual(2048);
      expect(fake.tokenFetches).toBe(0);
    });

    it('is limited to 20 posts a minute', async () => {
      for (let i = 0; i < 20; i += 1) await client.sendRobotText('robot-key', `第${i}条`);
      expect(await caught(client.sendRobotText('robot-key', '第21条'))).toMatchObject({ errcode: 45009 });
      fake.advance(60_000);
      await client.sendRobotText('robot-key', '第21条');
      expect(fake.robotPosts).toHaveLength(21);
    });
  });
});
