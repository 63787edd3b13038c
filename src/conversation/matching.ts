import type { EngineContext } from './engine-io';
import type { Text } from './text';

/** Compare answers by content: width, case, spaces and punctuation do not matter. */
export function normalize(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
}

/**
 * Words that mean the same thing in any step, in simplified Chinese and English; traditional
 * input is matched through its simplified copy.
 */
export const KEYWORDS = {
  cancel: ['取消', '算了', '不填了', '退出', 'cancel', 'stop', 'quit'],
  back: ['返回', '上一步', '返回上一步', '后退', 'back', 'previous'],
  help: ['帮助', '怎么用', '说明', 'help', '?'],
  status: ['查询', '查进度', '查询进度', '进度', 'status', 'progress', 'checkprogress'],
  myCases: ['我的案件', '我的投诉', '案件列表', 'mycases', 'cases'],
  human: ['人工', '人工服务', '转人工', '真人', 'human', 'person', 'talktoaperson', 'agent'],
  complaint: ['投诉', '我要投诉', 'complaint', 'complain', 'makeacomplaint'],
  suggestion: ['建议', '我要提建议', '提建议', 'suggestion', 'makeasuggestion'],
  // 檢舉 is the Taiwan word for 举报; it reaches here simplified, as 检举.
  report: ['举报', '我要举报', '检举', '我要检举', 'report', 'reportmisconduct'],
  skip: ['跳过', '没有', '无', '不用', 'skip', 'none', 'no'],
  yes: ['是', '是的', '对', '对的', '没错', '确认', 'yes', 'y', 'ok', 'correct', 'right'],
  submit: ['提交', '确认提交', '确认', 'submit', 'send'],
  satisfied: ['满意', '非常满意', '基本满意', 'satisfied', 'good'],
  unsatisfied: ['不满意', '很不满意', 'unsatisfied', 'notsatisfied', 'dissatisfied', 'bad'],
} as const satisfies Record<string, readonly string[]>;

export type Keyword = keyof typeof KEYWORDS;

export function isKeyword(simplified: string, keyword: Keyword): boolean {
  const answer = normalize(simplified);
  return answer !== '' && KEYWORDS[keyword].some((word) => normalize(word) === answer);
}

/** The choice an answer means: a pressed button's id, its number in the list, or its label in any script. */
export function matchChoice(
  answer: { choiceId?: string; text?: string; simplified?: string },
  choices: ReadonlyArray<{ id: string; label: Text }>,
  options: { byNumber: boolean; ctx: EngineContext },
): string | null {
  if (answer.choiceId !== undefined) return choices.some((c) => c.id === answer.choiceId) ? answer.choiceId : null;
  const text = (answer.text ?? '').normalize('NFKC').trim();
  if (options.byNumber && /^\d{1,2}$/.test(text)) {
    return choices[Number(text) - 1]?.id ?? null;
  }
  const typed = new Set([normalize(text), normalize(answer.simplified ?? '')].filter(Boolean));
  for (const choice of choices) {
    if (options.ctx.spell(choice.label).some((spelling) => typed.has(normalize(spelling)))) return choice.id;
  }
  return null;
}
