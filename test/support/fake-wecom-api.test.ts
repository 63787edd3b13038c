import { startFakeWecomApi, type FakeWecomApi } from './fake-wecom-api';

interface Answer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  invaliduser?: string;
  unlicenseduser?: string;
  msgid?: string;
}

describe('fake WeCom API', () => {
  let fake: FakeWecomApi;

  beforeEach(async () => {
    fake = await startFakeWecomApi({ secret: 'fake-secret' });
  });
  afterEach(async () => {
    await fake.close();
  });

  async function call(path: string, query: Record<string, string>, body?: unknown): Promise<Answer> {
    const url = new URL(`${fake.url}/cgi-bin/${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const response = await fetch(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return (await response.json()) as Answer;
  }

  const token = async () => (await call('gettoken', { corpid: fake.corpId, corpsecret: 'fake-secret' })).access_token ?? '';
  const text = (touser: string, content: string, extra: Record<string, unknown> = {}) => ({ touser, msgtype: 'text', agentid: Number(fake.agentId), text: { content }, ...extra });

  it('hands out the same token while it lasts, and refuses a wrong corp id or Secret', async () => {
    const first = await call('gettoken', { corpid: fake.corpId, corpsecret: 'fake-secret' });
    expect(first).toMatchObject({ errcode: 0, expires_in: 7200 });
    fake.advance(3_600_000);
    expect(await call('gettoken', { corpid: fake.corpId, corpsecret: 'fake-secret' })).toMatchObject({ access_token: first.access_token, expires_in: 3600 });
    expect(await call('gettoken', { corpid: 'ww-other', corpsecret: 'fake-secret' })).toMatchObject({ errcode: 40013 });
    expect((await call('gettoken', { corpid: fake.corpId, corpsecret: 'wrong' })).errmsg).toMatch(/^invalid secret, hint: /);
  });

  it('answers 41001, 40014 and 42001 for a missing, revoked or expired token', async () => {
    expect(await call('message/send', {}, text('a', 'x'))).toMatchObject({ errcode: 41001 });
    const revoked = await token();
    fake.invalidateToken();
    expect(await call('message/send', { access_token: revoked }, text('a', 'x'))).toMatchObject({ errcode: 40014 });
    const expired = await token();
    fake.expireToken();
    expect(await call('message/send', { access_token: expired }, text('a', 'x'))).toMatchObject({ errcode: 42001 });
  });

  it('delivers to members only: 81013 when none is valid, invaliduser (lower-cased) when some are not', async () => {
    const access_token = await token();
    fake.addMember('WangFang');
    fake.addMember('LiuYang');
    fake.unlicense('liuyang');
    expect(await call('message/send', { access_token }, text('Nobody', 'x'))).toMatchObject({ errcode: 81013 });
    expect(await call('message/send', { access_token }, text('WangFang|LiuYang|Nobody', '新案件'))).toMatchObject({ errcode: 0, invaliduser: 'nobody', unlicenseduser: 'liuyang' });
    expect(fake.delivered.map((message) => message.touser)).toEqual(['WangFang']);
  });

  it('checks the application, the message type and the byte limits', async () => {
    const access_token = await token();
    expect(await call('message/send', { access_token }, { ...text('a', 'x'), agentid: fake.agentId })).toMatchObject({ errcode: 40056 });
    expect(await call('message/send', { access_token }, { ...text('a', 'x'), msgtype: 'voice' })).toMatchObject({ errcode: 40008 });
    expect(await call('message/send', { access_token }, text('a', ''))).toMatchObject({ errcode: 44004 });
    expect(await call('message/send', { access_token }, text('a', '字'.repeat(683)))).toMatchObject({ errcode: 45002 });
    const card = { touser: 'a', msgtype: 'textcard', agentid: Number(fake.agentId), textcard: { title: '新案件', description: '内容', url: 'https://example.test' } };
    expect(await call('message/send', { access_token }, card)).toMatchObject({ errcode: 0 });
    expect(await call('message/send', { access_token }, { ...card, textcard: { title: '新案件', description: '内容' } })).toMatchObject({ errcode: 40058 });
    expect(await call('message/send', { access_token }, { ...card, textcard: { ...card.textcard, description: '字'.repeat(171) } })).toMatchObject({ errcode: 45002 });
  });

  it('drops duplicates and what exceeds 30 messages a minute to a member, answering errcode 0 all the same', async () => {
    const access_token = await token();
    const check = { enable_duplicate_check: 1, duplicate_check_interval: 600 };
    expect(await call('message/send', { access_token }, text('a', '同一条', check))).toMatchObject({ errcode: 0 });
    expect(await call('message/send', { access_token }, text('a', '同一条', check))).toMatchObject({ errcode: 0 });
    // Without the check WeCom sends it again.
    await call('message/send', { access_token }, text('a', '同一条'));
    for (let i = 0; i < 30; i += 1) expect(await call('message/send', { access_token }, text('a', `第${i}条`))).toMatchObject({ errcode: 0 });
    expect(fake.contentsTo('a')).toHaveLength(30);
    expect(fake.dropped.map((drop) => drop.reason)).toEqual(['duplicate', 'rate', 'rate']);
    fake.advance(60_000);
    await call('message/send', { access_token }, text('a', '一分钟后'));
    expect(fake.contentsTo('a').at(-1)).toBe('一分钟后');
  });

  it('fails the next calls of a path on request', async () => {
    const access_token = await token();
    fake.failNext('message/send', { errcode: -1 }, 2);
    fake.failNext('*', { status: 503 });
    expect(await call('message/send', { access_token }, text('a', 'x'))).toMatchObject({ errcode: -1 });
    expect(await call('message/send', { access_token }, text('a', 'x'))).toMatchObject({ errcode: -1 });
    const unavailable = await fetch(`${fake.url}/cgi-bin/gettoken?corpid=${fake.corpId}&corpsecret=fake-secret`);
    expect(unavailable.status).toBe(503);
    expect(await call('message/send', { access_token }, text('a', 'x'))).toMatchObject({ errcode: 0 });
  });
});
