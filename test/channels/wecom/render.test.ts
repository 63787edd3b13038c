import { parseStaffCommand } from '../../../src/channels/wecom/commands';
import { toWecomMessages, toWecomPassiveText } from '../../../src/channels/wecom/render';
import { splitUtf8, truncateUtf8, utf8Bytes } from '../../../src/channels/wecom/utf8';
import type { Locale, Reply } from '../../../src/conversation/messages';
import { notificationSays } from '../../../src/conversation/notification-says';
import { languageKit } from '../../support/dialog';

const CASE_ID = '0b6f3c9e-1d2a-4e5f-8a7b-9c0d1e2f3a4b';

function assignmentPayload(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    number: 'TS-202611-0001',
    caseId: CASE_ID,
    type: 'complaint',
    category: 'delivery',
    severity: 'general',
    summary: '快递三天都没有送到，客服电话一直打不通',
    complainant: '李* 138****8000',
    deadline: '2026-11-26T10:00:00.000Z',
    ...overrides,
  };
}

/** The assignment notification exactly as the outbox relay renders it for a staff member. */
async function assignment(locale: Locale, overrides: Record<string, unknown> = {}): Promise<Reply[]> {
  const kit = await languageKit();
  return kit.renderer.render(notificationSays('case_assigned', assignmentPayload(overrides), kit.catalog)!, locale);
}

const contentOf = (message: ReturnType<typeof toWecomMessages>[number]) => (message.msgtype === 'textcard' ? `${message.title}\n${message.description}` : message.content);

describe('WeCom rendering', () => {
  it('turns an assignment card and its buttons into one markdown message with the commands to type', async () => {
    const messages = toWecomMessages(await assignment('zh-Hans'));
    expect(messages).toHaveLength(1);
    const [message] = messages;
    expect(message?.msgtype).toBe('markdown');
    const content = contentOf(message!);
    expect(content).toContain('**新案件 TS-202611-0001（一般）**');
    expect(content).toContain('> 内容：<font color="comment">快递三天都没有送到，客服电话一直打不通</font>');
    expect(content.split('\n').slice(-4)).toEqual([
      '回复：`接单 TS-202611-0001`',
      '回复：`补充 TS-202611-0001 （问题）`',
      '回复：`办结 TS-202611-0001 （办理结果）`',
      '回复：`转派 TS-202611-0001 （部门）`',
    ]);
    expect(content).not.toContain('staff:');
    expect(utf8Bytes(content)).toBeLessThanOrEqual(2048);
  });

  it('writes the commands in the script of the card, each reading back as that command still to be filled in', async () => {
    for (const [locale, expected] of [
      ['zh-Hant', ['回覆：`接單 TS-202611-0001`', '回覆：`處理完畢 TS-202611-0001 （辦理結果）`']],
      ['en', ['Reply: `accept TS-202611-0001`', 'Reply: `resolve TS-202611-0001 (result)`']],
    ] as const) {
      const content = contentOf(toWecomMessages(await assignment(locale))[0]!);
      for (const line of expected) expect(content).toContain(line);
      const commands = content.split('\n').filter((line) => line.includes('`'));
      expect(commands.map((line) => parseStaffCommand(line.replaceAll('`', '')))).toMatchObject([
        { kind: 'accept', caseNumber: 'TS-202611-0001', script: locale },
        { kind: 'incomplete', verb: 'ask', missing: 'text', caseNumber: 'TS-202611-0001' },
        { kind: 'incomplete', verb: 'resolve', missing: 'text', caseNumber: 'TS-202611-0001' },
        { kind: 'incomplete', verb: 'transfer', missing: 'text', caseNumber: 'TS-202611-0001' },
      ]);
    }
  });

  it('makes a text card linking to the case when there is a case page, within 512 bytes of description', async () => {
    const longSummary = `${'包裹破损<b>&严重</b>'.repeat(15)}…`;
    const [card, ...rest] = toWecomMessages(await assignment('zh-Hans', { summary: longSummary }), {
      caseUrl: (caseId) => `https://complaints.example.test/admin/cases/${caseId}`,
    });
    expect(rest).toEqual([]);
    expect(card).toMatchObject({ msgtype: 'textcard', title: '新案件 TS-202611-0001（一般）', url: `https://complaints.example.test/admin/cases/${CASE_ID}`, btntxt: '详情' });
    if (card?.msgtype !== 'textcard') throw new Error('expected a text card');
    expect(utf8Bytes(card.description)).toBeLessThanOrEqual(512);
    // The commands and the short lines are kept whole; the long summary gives way.
    expect(card.description).toContain('<div class="highlight">回复：接单 TS-202611-0001</div>');
    expect(card.description).toContain('<div class="highlight">转派 TS-202611-0001 （部门）</div>');
    expect(card.description).toContain('<div class="normal">办结期限：2026年11月26日 18:00</div>');
    expect(card.description).toMatch(/<div class="normal">内容：包裹破损＜b＞[^<]*…<\/div>/);
    expect(card.description).not.toMatch(/<b>|&严/);
  });

  it('can render assignments as plain text for staff reading WeCom inside WeChat', async () => {
    const messages = toWecomMessages(await assignment('zh-Hans'), { cards: 'text' });
    expect(messages.map((message) => message.msgtype)).toEqual(['text']);
    expect(contentOf(messages[0]!)).toMatch(/^【新案件 TS-202611-0001（一般）】\n类型：投诉\n/);
    expect(contentOf(messages[0]!)).toContain('\n回复：接单 TS-202611-0001\n');
  });

  it('neutralises markdown in the complainant’s words', async () => {
    const content = contentOf(toWecomMessages(await assignment('zh-Hans', { summary: '**退款** [链接](http://x) <font color="warning">急</font>\n# 标题' }))[0]!);
    expect(content).toContain('＊＊退款＊＊ ［链接］(http://x) ＜font color="warning"＞急＜/font＞ ＃ 标题');
  });

  it('sends other notifications as text, split at 2048 bytes without breaking a character', () => {
    const long = `${'投诉处理进度更新。'.repeat(300)}😀`;
    const messages = toWecomMessages([{ kind: 'text', text: '案件 TS-202611-0001 的投诉人已回复。' }, { kind: 'text', text: long }]);
    expect(messages[0]).toEqual({ msgtype: 'text', content: '案件 TS-202611-0001 的投诉人已回复。' });
    expect(messages.length).toBeGreaterThan(2);
    for (const message of messages) expect(utf8Bytes(contentOf(message))).toBeLessThanOrEqual(2048);
    expect(messages.slice(1).map(contentOf).join('')).toBe(long);
  });

  it('joins replies into one passive text, with the commands for a card', async () => {
    const text = toWecomPassiveText([{ kind: 'text', text: '已接单。' }, ...(await assignment('zh-Hans'))]);
    expect(text).toMatch(/^已接单。\n\n【新案件 TS-202611-0001（一般）】\n/);
    expect(text).toContain('\n回复：补充 TS-202611-0001 （问题）\n');
    expect(toWecomPassiveText([])).toBe('');
  });
});

describe('UTF-8 limits', () => {
  it('truncates at a character boundary, never inside an emoji sequence', () => {
    const family = '👨‍👩‍👧';
    const text = `处理${family}${family}完毕`;
    for (let max = 4; max <= utf8Bytes(text); max += 1) {
      const cut = truncateUtf8(text, max);
      expect(utf8Bytes(cut)).toBeLessThanOrEqual(max);
      expect(cut).not.toContain('\uFFFD');
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
      if (cut !== text) expect(cut.endsWith('…')).toBe(true);
      expect(cut.replace(/…$/, '').replaceAll(family, '')).not.toMatch(/[\u200d\ud800-\udfff]/);
    }
    expect(truncateUtf8('短', 10)).toBe('短');
  });

  it('splits preferring line ends and loses nothing', () => {
    const lines = Array.from({ length: 50 }, (_, i) => `第${i}行：${'内容'.repeat(10)}`).join('\n');
    const pieces = splitUtf8(lines, 300);
    for (const piece of pieces) {
      expect(utf8Bytes(piece)).toBeLessThanOrEqual(300);
      expect(piece.startsWith('第')).toBe(true);
    }
    expect(pieces.join('\n')).toBe(lines);
  });
});
