import type { Reply } from '../../conversation/messages';

/**
 * One reply as WeChat text. WeChat has no buttons: choices become a numbered list the person
 * answers with the number or the label; the shortcuts of a typed answer are only a hint.
 */
export function toWechatText(reply: Reply): string {
  switch (reply.kind) {
    case 'text':
      return reply.text;
    case 'choices':
      if (reply.freeText) return `${reply.text}\n（${reply.choices.map((choice) => choice.label).join(' · ')}）`;
      return [reply.text, ...reply.choices.map((choice, index) => `${index + 1}. ${choice.label}`)].join('\n');
    case 'caseCard':
      return [`【${reply.card.title}】`, ...reply.card.lines.map((line) => `${line.label}：${line.value}`)].join('\n');
  }
}

/** Separate texts, one per reply, for the customer-service API. */
export function toWechatTexts(replies: readonly Reply[]): string[] {
  return replies.map(toWechatText).filter((text) => text.length > 0);
}

/** All replies in one text: WeChat takes a single passive reply per message. Empty when there is nothing to say. */
export function toPassiveText(replies: readonly Reply[]): string {
  return toWechatTexts(replies).join('\n\n');
}
