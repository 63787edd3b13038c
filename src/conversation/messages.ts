/**
 * The contract between the channels and the conversation: channels turn their native updates
 * into `InboundMessage` and render `Reply`; nothing else about the dialog reaches them.
 */

/** What a person sent, in any channel. */
export type InboundMessage =
  | { kind: 'text'; text: string }
  /** A button press (Telegram callback) or any answer a channel already mapped to a choice id. */
  | { kind: 'choice'; choiceId: string }
  /** A photo, already stored as an attachment by the channel. */
  | { kind: 'image'; attachmentId: string; caption?: string }
  | { kind: 'location'; latitude: number; longitude: number; label?: string }
  /** `/start shop_12`, `/status TS-202611-0001`, `/lang`, `/cancel`, `/help`. */
  | { kind: 'command'; command: string; args: string }
  /** follow/unfollow (WeChat subscribe), and menu clicks with their configured key. */
  | { kind: 'event'; event: 'follow' | 'unfollow' | 'menu'; key?: string };

export type Locale = 'zh-Hans' | 'zh-Hant' | 'en';

export interface Choice {
  /** Stable id the answer maps back to, e.g. `category:delivery` or `nav:back`. */
  id: string;
  label: string;
}

/** A summary of one case, rendered by channels as a card or a short block of lines. */
export interface CaseCard {
  title: string;
  lines: ReadonlyArray<{ label: string; value: string }>;
}

/** What the bot says, already in the user's script; channels only render it. */
export type Reply =
  | { kind: 'text'; text: string }
  /**
   * A question with buttons (Telegram) or a numbered list (WeChat); answers: the id, its number,
   * or its label. With `freeText` the answer is typed and the choices are only shortcuts (back,
   * cancel): channels without buttons show them as a hint, not as numbers.
   */
  | { kind: 'choices'; text: string; choices: readonly Choice[]; freeText?: boolean }
  | { kind: 'caseCard'; card: CaseCard };
