import { toInbound, WECHAT_MENU_KEYS, type InboundResult, type WechatInbound } from '../../../src/channels/wechat-official/inbound';

const base = { ToUserName: 'gh_account', FromUserName: 'o_user_1', CreateTime: '1700000000' };
const inboundOf = (result: InboundResult): WechatInbound => {
  if (!result.ok) throw new Error(`invalid: ${result.invalid.join(', ')}`);
  return result.inbound;
};
const map = (fields: Record<string, string>) => inboundOf(toInbound({ ...base, ...fields }));

describe('WeChat messages as the dialog sees them', () => {
  it('maps text to the person by openid, keyed by the exact 64-bit MsgId', () => {
    const inbound = map({ MsgType: 'text', Content: '我要投诉', MsgId: '23456789012345678901' });
    expect(inbound).toMatchObject({
      person: { channel: 'wechat', externalId: 'o_user_1' },
      accountId: 'gh_account',
      dedupeKey: '23456789012345678901',
      message: { kind: 'text', text: '我要投诉' },
      opensWindow: 'message',
    });
    expect(inbound.sentAt.toISOString()).toBe('2023-11-14T22:13:20.000Z');
  });

  it('keeps a photo to be downloaded by the channel', () => {
    expect(map({ MsgType: 'image', MediaId: 'media-1', PicUrl: 'http://mmbiz.qpic.cn/x', MsgId: '1' }).message).toEqual({
      kind: 'photo',
      mediaId: 'media-1',
      picUrl: 'http://mmbiz.qpic.cn/x',
    });
  });

  it('takes a voice note as its recognised text, and says so when there is none', () => {
    expect(map({ MsgType: 'voice', MediaId: 'm', Format: 'amr', Recognition: '包裹没到。', MsgId: '2' }).message).toEqual({ kind: 'text', text: '包裹没到。' });
    const silent = map({ MsgType: 'voice', MediaId: 'm', Format: 'amr', Recognition: '', MsgId: '3' });
    expect(silent).toMatchObject({ message: null, unsupported: 'voiceNotRecognized', opensWindow: 'message' });
  });

  it('reads Location_X as latitude and Location_Y as longitude', () => {
    expect(map({ MsgType: 'location', Location_X: '31.2304', Location_Y: '121.4737', Scale: '15', Label: '上海市人民路', MsgId: '4' }).message).toEqual({
      kind: 'location',
      latitude: 31.2304,
      longitude: 121.4737,
      label: '上海市人民路',
    });
    expect(toInbound({ ...base, MsgType: 'location', Location_X: 'north', Location_Y: '121.4', MsgId: '5' })).toEqual({ ok: false, invalid: ['Location_X'] });
  });

  it('turns a follow through a QR code into a follow with the bare scene key', () => {
    const follow = map({ MsgType: 'event', Event: 'subscribe', EventKey: 'qrscene_renmin_rd' });
    expect(follow).toMatchObject({ message: { kind: 'event', event: 'follow', key: 'renmin_rd' }, opensWindow: 'menu' });
    expect(follow.dedupeKey).toBe('o_user_1|1700000000|subscribe|qrscene_renmin_rd');
    expect(map({ MsgType: 'event', Event: 'subscribe', EventKey: '' }).message).toEqual({ kind: 'event', event: 'follow' });
    expect(map({ MsgType: 'event', Event: 'SCAN', EventKey: 'airport_t2' }).message).toEqual({ kind: 'event', event: 'follow', key: 'airport_t2' });
  });

  it('maps unfollow, menu clicks, and ignores menu links and other events', () => {
    expect(map({ MsgType: 'event', Event: 'unsubscribe' })).toMatchObject({ message: { kind: 'event', event: 'unfollow' }, opensWindow: null });
    expect(map({ MsgType: 'event', Event: 'CLICK', EventKey: 'complaint' }).message).toEqual({ kind: 'event', event: 'menu', key: 'complaint' });
    expect(map({ MsgType: 'event', Event: 'VIEW', EventKey: 'https://example.com' }).message).toBeNull();
    expect(map({ MsgType: 'event', Event: 'subscribe_msg_popup_event' }).message).toBeNull();
  });

  it('tells two events apart by time, event and key', () => {
    const click = (key: string, at: string) => map({ MsgType: 'event', Event: 'CLICK', EventKey: key, CreateTime: at }).dedupeKey;
    expect(new Set([click('complaint', '1700000000'), click('status', '1700000000'), click('complaint', '1700000001')]).size).toBe(3);
  });

  it('marks message types the dialog cannot take', () => {
    expect(map({ MsgType: 'video', MediaId: 'v', MsgId: '6' })).toMatchObject({ message: null, unsupported: 'messageType' });
  });

  it('lists the fields WeChat always sends when they are missing', () => {
    expect(toInbound({ MsgType: 'text', Content: 'hi' })).toEqual({ ok: false, invalid: ['ToUserName', 'FromUserName', 'CreateTime'] });
    expect(toInbound({ ...base, CreateTime: 'yesterday', MsgType: 'text' })).toEqual({ ok: false, invalid: ['CreateTime'] });
  });

  it('publishes the menu keys the dialog acts on', () => {
    expect(WECHAT_MENU_KEYS).toEqual(['complaint', 'suggestion', 'report', 'status', 'myCases', 'human']);
  });
});
