import { toPassiveText, toWechatText, toWechatTexts } from '../../../src/channels/wechat-official/render';
import type { Reply } from '../../../src/conversation/messages';

const question: Reply = {
  kind: 'choices',
  text: '请选择投诉类别：',
  choices: [
    { id: 'category:delivery', label: '配送' },
    { id: 'category:billing', label: '账单' },
  ],
};
const typed: Reply = {
  kind: 'choices',
  text: '请描述发生了什么。',
  choices: [
    { id: 'nav:back', label: '返回' },
    { id: 'nav:cancel', label: '取消' },
  ],
  freeText: true,
};
const card: Reply = { kind: 'caseCard', card: { title: 'TS-202611-0001', lines: [{ label: '状态', value: '处理中' }, { label: '提交时间', value: '2026年11月3日' }] } };

describe('rendering replies for WeChat', () => {
  it('numbers choices so they can be answered with a digit', () => {
    expect(toWechatText(question)).toBe('请选择投诉类别：\n1. 配送\n2. 账单');
  });

  it('shows the shortcuts of a typed answer as a hint, not as numbers', () => {
    expect(toWechatText(typed)).toBe('请描述发生了什么。\n（返回 · 取消）');
  });

  it('shows a case card as lines', () => {
    expect(toWechatText(card)).toBe('【TS-202611-0001】\n状态：处理中\n提交时间：2026年11月3日');
  });

  it('joins several replies into the one passive reply, and keeps them apart for the customer-service API', () => {
    const replies: Reply[] = [{ kind: 'text', text: '已收到。' }, { kind: 'text', text: '' }, question];
    expect(toPassiveText(replies)).toBe('已收到。\n\n请选择投诉类别：\n1. 配送\n2. 账单');
    expect(toWechatTexts(replies)).toEqual(['已收到。', '请选择投诉类别：\n1. 配送\n2. 账单']);
    expect(toPassiveText([])).toBe('');
  });
});
