import type { Reply } from '../../conversation/messages';

/**
 * Reply → lines for a terminal, the way WeChat shows them: choices as a numbered list,
 * shortcuts of a typed answer as a hint.
 */
export function renderForTerminal(reply: Reply): string[] {
  switch (reply.kind) {
    case 'text':
      return [reply.text];
    case 'choices':
      if (reply.freeText) return [reply.text, `  (${reply.choices.map((c) => c.label).join(' · ')})`];
      return [reply.text, ...reply.choices.map((choice, index) => `  ${index + 1}. ${choice.label}`)];
    case 'caseCard':
      return [`【${reply.card.title}】`, ...reply.card.lines.map((line) => `  ${line.label}: ${line.value}`)];
  }
}
