import type { Person } from '../../application/conversation-service';
import type { Choice, InboundMessage } from '../../conversation/messages';

export const WECHATY_CHANNEL = 'wechaty';

/**
 * What a wechaty message is to us, read off the puppet's message. `other` covers voice, video,
 * files, stickers, links and mini-programs: the dialog takes none of them.
 */
export type WechatyContent =
  | { kind: 'text'; text: string }
  | { kind: 'image' }
  | { kind: 'location'; latitude: number; longitude: number; label: string }
  | { kind: 'other'; type: string };

/** A chat account on this channel: a person's contact id, or `room:<id>` for a staff room. */
export function personOf(contact: { id: string; name: string }): Person {
  return { channel: WECHATY_CHANNEL, externalId: contact.id, displayName: contact.name || null };
}

/**
 * Puppets draw contact and room ids from overlapping shapes (wechat4u: `@…` and `@@…`), so a room
 * bound as a staff account is stored with a prefix: a notification then knows which to look up.
 */
const ROOM_PREFIX = 'room:';

export function roomAccount(room: { id: string; topic: string }): Person {
  return { channel: WECHATY_CHANNEL, externalId: `${ROOM_PREFIX}${room.id}`, displayName: room.topic || null };
}

/** The room id of a `room:<id>` account; null for a person. */
export function roomIdOf(externalId: string): string | null {
  return externalId.startsWith(ROOM_PREFIX) ? externalId.slice(ROOM_PREFIX.length) : null;
}

// Codes are the 8 letters and digits staff-desk issues; `绑定` alone, or before ordinary words,
// is something a complainant may well write, so only a code-shaped word after it counts.
const BIND = /^(?:\/bind(?:\s+(\S+))?|[绑綁]定\s*[:：]?\s*([A-Za-z0-9]{6,12}))\s*$/i;

/** The code of `/bind CODE`, `绑定 CODE` or `綁定 CODE` ('' for a bare `/bind`); null for anything else. */
export function bindCodeOf(text: string): string | null {
  const match = BIND.exec(text.trim());
  if (!match) return null;
  return match[1] ?? match[2] ?? '';
}

/** What the dialog sees of a message; null for what it does not take. */
export function toInbound(content: WechatyContent): InboundMessage | null {
  switch (content.kind) {
    case 'text': {
      const text = content.text.trim();
      if (!text) return null;
      // The same slash commands as Telegram and the terminal (`/status TS-…`, `/lang`, `/cancel`).
      const command = /^\/(\w+)(?:\s+([\s\S]*))?$/.exec(text);
      if (command) return { kind: 'command', command: command[1]!.toLowerCase(), args: (command[2] ?? '').trim() };
      return { kind: 'text', text };
    }
    case 'location':
      return { kind: 'location', latitude: content.latitude, longitude: content.longitude, ...(content.label ? { label: content.label } : {}) };
    case 'image':
    case 'other':
      return null;
  }
}

const FULL_WIDTH_DIGIT = /[０-９]/g;

/**
 * A staff member's answer to the numbered list they were shown last (an assignment card's
 * actions, the departments to transfer to): its number or its label. Null when it is neither.
 */
export function pickChoice(text: string, choices: readonly Choice[]): string | null {
  // Chinese keyboards often type full-width digits.
  const answer = text.trim().replace(FULL_WIDTH_DIGIT, (digit) => String.fromCharCode(digit.charCodeAt(0) - 0xfee0));
  if (/^\d{1,2}$/.test(answer)) return choices[Number(answer) - 1]?.id ?? null;
  return choices.find((choice) => choice.label === answer)?.id ?? null;
}
