import type { Choice, Reply } from '../../conversation/messages';
import { toWechatTexts } from '../wechat-official/render';

/** Replies as WeChat texts, one message each: the same numbered lists as the Official Account. */
export function toWechatyTexts(replies: readonly Reply[]): string[] {
  return toWechatTexts(replies);
}

/**
 * The choices the last numbered list in these replies showed, so that a typed "2" can be mapped
 * back; null when the replies show none (a free-text question's shortcuts are not numbered).
 */
export function numberedChoices(replies: readonly Reply[]): readonly Choice[] | null {
  for (const reply of [...replies].reverse()) {
    if (reply.kind === 'choices' && !reply.freeText && reply.choices.length > 0) return reply.choices;
  }
  return null;
}
