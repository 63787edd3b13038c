import { bindCodeOf, personOf, pickChoice, roomAccount, roomIdOf, toInbound } from '../../../src/channels/wechaty/inbound';
import { numberedChoices, toWechatyTexts } from '../../../src/channels/wechaty/render';
import type { Reply } from '../../../src/conversation/messages';

describe('wechaty messages as inbound messages', () => {
  it.each([
    ['text', { kind: 'text', text: ' 快递没送到 ' }, { kind: 'text', text: '快递没送到' }],
    ['a slash command', { kind: 'text', text: '/status TS-202611-0001' }, { kind: 'command', command: 'status', args: 'TS-202611-0001' }],
    ['a shared location', { kind: 'location', latitude: 31.23, longitude: 121.47, label: '人民广场' }, { kind: 'location', latitude: 31.23, longitude: 121.47, label: '人民广场' }],
  ] as const)('maps %s', (_, content, expected) => {
    expect(toInbound(content)).toEqual(expected);
  });

  it('leaves photos to the channel and drops empty text and what the dialog cannot take', () => {
    expect(toInbound({ kind: 'image' })).toBeNull();
    expect(toInbound({ kind: 'text', text: '  ' })).toBeNull();
    expect(toInbound({ kind: 'other', type: 'Audio' })).toBeNull();
  });

  it('reads a binding code in English or Chinese, but not ordinary words after 绑定', () => {
    expect(bindCodeOf('/bind ABCD2345')).toBe('ABCD2345');
    expect(bindCodeOf('/bind')).toBe('');
    expect(bindCodeOf('绑定 abcd2345')).toBe('abcd2345');
    expect(bindCodeOf('綁定：ABCD2345')).toBe('ABCD2345');
    expect(bindCodeOf('绑定 银行卡失败')).toBeNull();
    expect(bindCodeOf('我要投诉')).toBeNull();
  });

  it('keeps people and rooms apart in account ids', () => {
    expect(personOf({ id: 'wxid_abc', name: '李雷' })).toEqual({ channel: 'wechaty', externalId: 'wxid_abc', displayName: '李雷' });
    const room = roomAccount({ id: '123@chatroom', topic: '物流部值班群' });
    expect(room).toEqual({ channel: 'wechaty', externalId: 'room:123@chatroom', displayName: '物流部值班群' });
    expect(roomIdOf(room.externalId)).toBe('123@chatroom');
    expect(roomIdOf('wxid_abc')).toBeNull();
  });

  it('picks a choice by number, full-width number or label', () => {
    const choices = [
      { id: 'staff:accept:1', label: '接单' },
      { id: 'staff:resolve:1', label: '办结' },
    ];
    expect(pickChoice('2', choices)).toBe('staff:resolve:1');
    expect(pickChoice('１', choices)).toBe('staff:accept:1');
    expect(pickChoice(' 办结 ', choices)).toBe('staff:resolve:1');
    expect(pickChoice('3', choices)).toBeNull();
    expect(pickChoice('已联系快递公司', choices)).toBeNull();
  });
});

describe('replies as wechaty texts', () => {
  const card: Reply[] = [
    { kind: 'caseCard', card: { title: '新案件 TS-202611-0001（一般）', lines: [{ label: '类别', value: '配送' }] } },
    { kind: 'choices', text: '请处理：', choices: [{ id: 'a', label: '接单' }, { id: 'b', label: '办结' }] },
  ];

  it('numbers the choices, one message per reply', () => {
    expect(toWechatyTexts(card)).toEqual(['【新案件 TS-202611-0001（一般）】\n类别：配送', '请处理：\n1. 接单\n2. 办结']);
  });

  it('remembers what the numbers stand for, but not the shortcuts of a typed answer', () => {
    expect(numberedChoices(card)).toEqual([{ id: 'a', label: '接单' }, { id: 'b', label: '办结' }]);
    expect(numberedChoices([{ kind: 'choices', text: '请描述：', choices: [{ id: 'nav:back', label: '返回' }], freeText: true }])).toBeNull();
    expect(numberedChoices([{ kind: 'text', text: '好的' }])).toBeNull();
  });
});
