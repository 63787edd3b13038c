import type { Reply } from '../../conversation/messages';

export interface TelegramOutgoing {
  text: string;
  reply_markup?: { inline_keyboard: Array<Array<{ text: string; callback_data: string }>> };
}

// Telegram refuses longer messages; complaint texts echoed in a summary can approach it.
const MAX_TEXT = 4096;
// Short labels sit two to a row; long ones get a row of their own so they are not cut off.
const SHORT_LABEL = 12;

/** A reply as Telegram messages: choices become an inline keyboard whose callback data is the choice id. */
export function toTelegram(reply: Reply): TelegramOutgoing[] {
  switch (reply.kind) {
    case 'text':
      return split(reply.text).map((text) => ({ text }));
    case 'choices': {
      const parts = split(reply.text);
      const last = parts.pop()!;
      return [...parts.map((text) => ({ text })), { text: last, reply_markup: { inline_keyboard: keyboard(reply.choices) } }];
    }
    case 'caseCard':
      return split([reply.card.title, ...reply.card.lines.map((line) => `${line.label}：${line.value}`)].join('\n')).map((text) => ({ text }));
  }
}

function keyboard(choices: ReadonlyArray<{ id: string; label: string }>) {
  const rows: Array<Array<{ text: string; callback_data: string }>> = [];
  for (const choice of choices) {
    const button = { text: choice.label, callback_data: choice.id };
    const row = rows.at(-1);
    if (row && row.length === 1 && [...row[0]!.text].length <= SHORT_LABEL && [...choice.label].length <= SHORT_LABEL) row.push(button);
    else rows.push([button]);
  }
  return rows;
}

function split(text: string): string[] {
  const chars = [...text];
  if (chars.length <= MAX_TEXT) return [text];
  const parts: string[] = [];
  for (let i = 0; i < chars.length; i += MAX_TEXT) parts.push(chars.slice(i, i + MAX_TEXT).join(''));
  return parts;
}
