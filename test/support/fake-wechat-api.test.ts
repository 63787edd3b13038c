import { startFakeWechatApi, type FakeWechatApi } from './fake-wechat-api';

interface Answer {
  errcode?: number;
  errmsg?: string;
  access_token?: string;
  expires_in?: number;
  msgid?: number;
}

describe('fake WeChat Official Account API', () => {
  let fake: FakeWechatApi;

  beforeEach(async () => {
    fake = await startFakeWechatApi({ appSecret: 'fake-secret' });
  });
  afterEach(async () => {
    await fake.close();
  });

  async function post(path: string, body: unknown, token?: string): Promise<{ status: number; json: Answer; text: string }> {
    const url = new URL(`${fake.url}/cgi-bin/${path}`);
    if (token !== undefined) url.searchParams.set('access_token', token);
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    const text = await response.text();
    let json: Answer = {};
    try {
      json = JSON.parse(text) as Answer;
    } catch {
      // a plain-text answer
    }
    return { status: response.status, json, text };
  }

  async function token(): Promise<string> {
    const { json } = await post('stable_token', { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
    return json.access_token ?? '';
  }

  const text = (touser: string, content: string) => ({ touser, msgtype: 'text', text: { content } });

  it('hands out the same stable token while it lasts, with the seconds left', async () => {
    const first = await post('stable_token', { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
    expect(first.status).toBe(200);
    expect(first.json).toEqual({ errcode: 0, errmsg: 'ok', access_token: expect.stringMatching(/^\d+_[\w-]{100,}$/), expires_in: 7200 });
    fake.advance(1000 * 1000);
    const second = await post('stable_token', { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
    expect(second.json.access_token).toBe(first.json.access_token);
    expect(second.json.expires_in).toBe(6200);
    expect(fake.currentToken).toBe(first.json.access_token);
    expect(fake.tokenFetches).toBe(2);

    fake.advance(6200 * 1000);
    expect(fake.currentToken).toBeNull();
    const third = await token();
    expect(third).not.toBe(first.json.access_token);

    const forced = await post('stable_token', { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret, force_refresh: true });
    expect(forced.json.access_token).not.toBe(third);
    expect(fake.forcedRefreshes).toBe(1);
    expect((await post('message/custom/send', text('u', 'x'), third)).json.errcode).toBe(40001);
  });

  it('refuses wrong credentials at stable_token', async () => {
    expect((await post('stable_token', { grant_type: 'client_credential', appid: 'wx-other', secret: fake.appSecret })).json.errcode).toBe(40013);
    expect((await post('stable_token', { grant_type: 'client_credential', appid: fake.appId, secret: 'wrong' })).json.errcode).toBe(40125);
    expect((await post('stable_token', { grant_type: 'password', appid: fake.appId, secret: fake.appSecret })).json.errcode).toBe(40002);
    expect((await post('stable_token', '{not json')).json.errcode).toBe(47001);
    expect(fake.tokenFetches).toBe(4);
    expect(fake.currentToken).toBeNull();
  });

  it('answers 41001, 40001 and 42001 for a missing, revoked and expired token', async () => {
    fake.userWrote('alice');
    expect((await post('message/custom/send', text('alice', 'x'))).json.errcode).toBe(41001);
    expect((await post('message/custom/send', text('alice', 'x'), 'made-up')).json.errcode).toBe(40001);

    const expiring = await token();
    fake.expireToken();
    const expired = await post('message/custom/send', text('alice', 'x'), expiring);
    expect(expired.json).toEqual({ errcode: 42001, errmsg: expect.stringMatching(/^access_token expired rid: [0-9a-f-]+$/) });

    const revoked = await token();
    expect(revoked).not.toBe(expiring);
    fake.invalidateToken();
    expect((await post('message/custom/send', text('alice', 'x'), revoked)).json.errcode).toBe(40001);
    expect(await token()).not.toBe(revoked);
  });

  it('allows 5 customer-service messages within 48 hours of a user message', async () => {
    const access = await token();
    expect((await post('message/custom/send', text('alice', 'too early'), access)).json.errcode).toBe(45015);

    fake.userWrote('alice');
    for (let i = 1; i <= 5; i++) expect((await post('message/custom/send', text('alice', `m${i}`), access)).json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect((await post('message/custom/send', text('alice', 'm6'), access)).json.errcode).toBe(45047);
    expect(fake.textsTo('alice')).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);

    // A new message from the user starts a fresh quota; 48 hours after it the window is shut.
    fake.advance(60 * 60_000);
    fake.userWrote('alice');
    fake.advance(48 * 3_600_000 - 1);
    const later = await token();
    expect((await post('message/custom/send', text('alice', 'just in time'), later)).json.errcode).toBe(0);
    fake.advance(1);
    expect((await post('message/custom/send', text('alice', 'late'), later)).json.errcode).toBe(45015);
  });

  it('allows 3 messages within a minute of a menu click, and refuses empty or non-text ones', async () => {
    const access = await token();
    fake.userClicked('bob');
    for (let i = 1; i <= 3; i++) expect((await post('message/custom/send', text('bob', `c${i}`), access)).json.errcode).toBe(0);
    expect((await post('message/custom/send', text('bob', 'c4'), access)).json.errcode).toBe(45047);
    fake.userClicked('carol');
    fake.advance(60_000);
    expect((await post('message/custom/send', text('carol', 'late'), access)).json.errcode).toBe(45015);

    fake.userWrote('dave');
    expect((await post('message/custom/send', text('dave', ''), access)).json.errcode).toBe(44004);
    expect((await post('message/custom/send', { touser: 'dave', msgtype: 'image', image: { media_id: 'm' } }, access)).json.errcode).toBe(40008);
    expect((await post('message/custom/send', { msgtype: 'text', text: { content: 'x' } }, access)).json.errcode).toBe(40003);
    fake.userUnfollowed('dave');
    expect((await post('message/custom/send', text('dave', 'x'), access)).json.errcode).toBe(45015);
  });

  it('sends template messages with a 64-bit msgid, but not to users who unfollowed', async () => {
    const access = await token();
    const message = { touser: 'alice', template_id: 'tpl-status', url: 'https://example.test/c/1', data: { case: { value: 'TS-1' } } };
    const sent = await post('message/template/send', message, access);
    expect(sent.json.errcode).toBe(0);
    const msgId = /"msgid":(\d+)/.exec(sent.text)?.[1];
    expect(msgId).toMatch(/^\d{19}$/);
    expect(Number(msgId) > Number.MAX_SAFE_INTEGER).toBe(true);
    expect(fake.messages).toEqual([
      { kind: 'template', touser: 'alice', at: fake.now, templateId: 'tpl-status', data: { case: { value: 'TS-1' } }, url: 'https://example.test/c/1', msgId, body: message },
    ]);

    fake.userUnfollowed('alice');
    expect((await post('message/template/send', message, access)).json.errcode).toBe(43004);
    expect((await post('message/template/send', { ...message, touser: 'bob', data: { case: 'TS-1' } }, access)).json.errcode).toBe(47003);

    fake.addTemplate('tpl-known', ['case', 'status']);
    expect((await post('message/template/send', { ...message, touser: 'bob' }, access)).json.errcode).toBe(40037);
    expect((await post('message/template/send', { ...message, touser: 'bob', template_id: 'tpl-known' }, access)).json.errcode).toBe(47003);
    const complete = { ...message, touser: 'bob', template_id: 'tpl-known', data: { case: { value: 'TS-1' }, status: { value: '处理中' } } };
    expect((await post('message/template/send', complete, access)).json.errcode).toBe(0);
    expect(fake.messages.map((m) => m.touser)).toEqual(['alice', 'bob']);
  });

  it('sends one subscription notice per acceptance', async () => {
    const access = await token();
    const notice = { touser: 'alice', template_id: 'sub-1', page: 'pages/case', data: { thing1: { value: '已受理' } } };
    expect((await post('message/subscribe/bizsend', notice, access)).json.errcode).toBe(43101);
    fake.userAccepted('alice', 'sub-1', 2);
    expect((await post('message/subscribe/bizsend', notice, access)).json.errcode).toBe(0);
    fake.userRefused('alice');
    expect((await post('message/subscribe/bizsend', notice, access)).json.errcode).toBe(43101);
    expect(fake.messages).toEqual([expect.objectContaining({ kind: 'subscription', touser: 'alice', templateId: 'sub-1', data: notice.data })]);
  });

  it('serves media for 3 days, and a JSON error for unknown media', async () => {
    const access = await token();
    const bytes = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    fake.addMedia('media-1', bytes, 'image/jpeg');
    const response = await fetch(`${fake.url}/cgi-bin/media/get?access_token=${access}&media_id=media-1`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/jpeg');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);

    const unknown = await fetch(`${fake.url}/cgi-bin/media/get?access_token=${access}&media_id=nope`);
    expect(unknown.headers.get('content-type')).toContain('application/json');
    expect(await unknown.json()).toMatchObject({ errcode: 40007 });

    fake.advance(3 * 24 * 3_600_000);
    const fresh = await token();
    expect(((await (await fetch(`${fake.url}/cgi-bin/media/get?access_token=${fresh}&media_id=media-1`)).json()) as Answer).errcode).toBe(40007);
  });

  it('injects errcodes, HTTP statuses, hang-ups and delays, once per failNext', async () => {
    const access = await token();
    fake.userWrote('alice');
    fake.failNext('/cgi-bin/message/custom/send', { errcode: -1 });
    fake.failNext('*', { status: 502 });
    expect((await post('message/custom/send', text('alice', 'a'), access)).json).toEqual({ errcode: -1, errmsg: expect.stringMatching(/^system error rid: /) });
    expect((await post('message/template/send', {}, access)).status).toBe(502);

    fake.failNext('message/custom/send', { errcode: 45009, errmsg: 'quota' }, 2);
    expect((await post('message/custom/send', text('alice', 'b'), access)).json.errmsg).toMatch(/^quota rid: /);
    expect((await post('message/custom/send', text('alice', 'c'), access)).json.errcode).toBe(45009);

    fake.failNext('message/custom/send', { hangUp: true });
    await expect(post('message/custom/send', text('alice', 'd'), access)).rejects.toThrow();

    fake.failNext('message/custom/send', { delayMs: 150 });
    const startedAt = Date.now();
    expect((await post('message/custom/send', text('alice', 'e'), access)).json.errcode).toBe(0);
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(140);

    expect(fake.textsTo('alice')).toEqual(['e']);
    expect(fake.calls.map((call) => [call.path, call.status, call.errcode])).toEqual([
      ['stable_token', 200, 0],
      ['message/custom/send', 200, -1],
      ['message/template/send', 502, undefined],
      ['message/custom/send', 200, 45009],
      ['message/custom/send', 200, 45009],
      ['message/custom/send', undefined, undefined],
      ['message/custom/send', 200, 0],
    ]);
    expect((await fetch(`${fake.url}/cgi-bin/no/such/api`)).status).toBe(404);
  });
});
