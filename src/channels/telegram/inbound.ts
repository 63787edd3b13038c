import type { Update } from 'telegraf/types';
import type { Person } from '../../application/conversation-service';
import type { InboundMessage } from '../../conversation/messages';
import { localeFromLanguageCode } from '../../i18n/translator';

/** A Telegram update as the conversation sees it; photos still need downloading. */
export interface TelegramInbound {
  person: Person;
  chatId: number;
  message: InboundMessage | { kind: 'photo'; fileId: string; fileSize: number | undefined; caption?: string };
  /** Set for a button press: it must be answered, and its keyboard removed. */
  callback?: { id: string; messageId: number | undefined };
}

/** Maps an update to an inbound message; null for what the bot ignores (groups, edits, joins). */
export function toInbound(update: Update): TelegramInbound | null {
  if ('callback_query' in update) {
    const query = update.callback_query;
    const chat = query.message?.chat;
    if (!chat || chat.type !== 'private' || !('data' in query)) return null;
    return {
      person: personOf(chat.id, query.from),
      chatId: chat.id,
      message: { kind: 'choice', choiceId: query.data },
      callback: { id: query.id, messageId: query.message?.message_id },
    };
  }
  if (!('message' in update)) return null;
  const message = update.message;
  if (message.chat.type !== 'private') return null;
  const person = personOf(message.chat.id, message.from);
  const base = { person, chatId: message.chat.id };
  if ('text' in message) {
    const command = /^\/([A-Za-z0-9_]+)(?:@\w+)?(?:\s+([\s\S]*))?$/.exec(message.text);
    if (command && message.entities?.[0]?.type === 'bot_command' && message.entities[0].offset === 0) {
      return { ...base, message: { kind: 'command', command: command[1]!.toLowerCase(), args: (command[2] ?? '').trim() } };
    }
    return { ...base, message: { kind: 'text', text: message.text } };
  }
  if ('photo' in message) {
    // Sizes come smallest first: the last is the original.
    const largest = message.photo.at(-1);
    if (!largest) return null;
    return { ...base, message: { kind: 'photo', fileId: largest.file_id, fileSize: largest.file_size, ...(message.caption ? { caption: message.caption } : {}) } };
  }
  if ('location' in message) {
    const venue = 'venue' in message ? message.venue : undefined;
    return {
      ...base,
      message: { kind: 'location', latitude: message.location.latitude, longitude: message.location.longitude, ...(venue ? { label: `${venue.title} ${venue.address}`.trim() } : {}) },
    };
  }
  return null;
}

function personOf(chatId: number, from: { first_name: string; last_name?: string; language_code?: string } | undefined): Person {
  const languageHint = localeFromLanguageCode(from?.language_code);
  return {
    channel: 'telegram',
    externalId: String(chatId),
    displayName: from ? [from.first_name, from.last_name].filter(Boolean).join(' ') : null,
    ...(languageHint ? { languageHint } : {}),
  };
}
