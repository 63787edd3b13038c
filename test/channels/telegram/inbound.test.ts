import type { Update } from 'telegraf/types';
import { toInbound } from '../../../src/channels/telegram/inbound';
import { toTelegram } from '../../../src/channels/telegram/render';

const from = { id: 42, is_bot: false, first_name: '小明', last_name: '陈', language_code: 'zh-hant' };
const chat = { id: 42, type: 'private' as const, first_name: '小明' };
const message = (extra: object) => ({ update_id: 1, message: { message_id: 7, date: 1, chat, from, ...extra } }) as unknown as Update;

describe('Telegram updates as inbound messages', () => {
  it.each([
    ['text', message({ text: '快遞沒送到' }), { kind: 'text', text: '快遞沒送到' }],
    ['a /start payload', message({ text: '/start renmin_rd', entities: [{ type: 'bot_command', offset: 0, length: 6 }] }), { kind: 'command', command: 'start', args: 'renmin_rd' }],
    ['a command addressed to the bot', message({ text: '/status@ComplaintBot TS-202611-0001', entities: [{ type: 'bot_command', offset: 0, length: 20 }] }), { kind: 'command', command: 'status', args: 'TS-202611-0001' }],
    ['a slash that is not a command', message({ text: '/ 這不是命令' }), { kind: 'text', text: '/ 這不是命令' }],
    ['the largest size of a photo', message({ photo: [{ file_id: 'small', file_unique_id: 's', width: 90, height: 90, file_size: 1000 }, { file_id: 'large', file_unique_id: 'l', width: 1280, height: 1280, file_size: 90000 }], caption: '垃圾' }), { kind: 'photo', fileId: 'large', fileSize: 90000, caption: '垃圾' }],
    ['a shared location', message({ location: { latitude: 25.033, longitude: 121.5654 } }), { kind: 'location', latitude: 25.033, longitude: 121.5654 }],
  ])('maps %s', (_, update, expected) => {
    expect(toInbound(update)?.message).toEqual(expected);
  });

  it('knows the person, their chat and their language', () => {
    expect(toInbound(message({ text: 'hi' }))?.person).toEqual({ channel: 'telegram', externalId: '42', displayName: '小明 陈', languageHint: 'zh-Hant' });
  });

  it('maps a button press to its choice id and remembers to answer it', () => {
    const update = { update_id: 2, callback_query: { id: 'cb1', from, chat_instance: 'x', data: 'category:delivery', message: { message_id: 9, date: 1, chat } } } as unknown as Update;
    expect(toInbound(update)).toMatchObject({ message: { kind: 'choice', choiceId: 'category:delivery' }, callback: { id: 'cb1', messageId: 9 } });
  });

  it('ignores group chats, edits and stickers', () => {
    const group = { update_id: 3, message: { message_id: 1, date: 1, chat: { id: -5, type: 'group', title: 'g' }, from, text: 'hi' } } as unknown as Update;
    expect(toInbound(group)).toBeNull();
    expect(toInbound({ update_id: 4, edited_message: {} } as unknown as Update)).toBeNull();
    expect(toInbound(message({ sticker: { file_id: 'x' } }))).toBeNull();
  });
});

describe('replies as Telegram messages', () => {
  it('turns choices into an inline keyboard whose buttons carry the choice ids', () => {
    const [sent] = toTelegram({
      kind: 'choices',
      text: '請選擇：',
      choices: [
        { id: 'want:refund', label: '退款' },
        { id: 'want:repair', label: '維修' },
        { id: 'edit:description', label: '修改事情經過以及更多說明文字' },
      ],
    });
    expect(sent).toEqual({
      text: '請選擇：',
      reply_markup: {
        inline_keyboard: [
          [
            { text: '退款', callback_data: 'want:refund' },
            { text: '維修', callback_data: 'want:repair' },
          ],
          [{ text: '修改事情經過以及更多說明文字', callback_data: 'edit:description' }],
        ],
      },
    });
  });

  it('splits a text longer than Telegram allows', () => {
    const parts = toTelegram({ kind: 'text', text: '字'.repeat(5000) });
    expect(parts.map((p) => [...p.text].length)).toEqual([4096, 904]);
  });

  it('writes a case card as lines', () => {
    expect(toTelegram({ kind: 'caseCard', card: { title: '案件 TS-202611-0001', lines: [{ label: '狀態', value: '已登記' }] } })).toEqual([{ text: '案件 TS-202611-0001\n狀態：已登記' }]);
  });
});
