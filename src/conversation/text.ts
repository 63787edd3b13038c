import type { Locale } from './messages';

/** Wording given in every locale, e.g. a category label from config. */
export type Literal = Readonly<Record<Locale, string>>;

/**
 * Something to say, not yet in any script: a locale key with parameters, a literal from
 * config, or the user's own words echoed back as they wrote them.
 */
export type Text =
  | { key: string; params?: Readonly<Record<string, string | number | Text>> }
  | { literal: Literal }
  | { raw: string }
  /** Someone else's words (staff answering a complainant): shown in the reader's script. */
  | { quote: string }
  /** An instant, formatted for the locale in the deployment's time zone. */
  | { date: string; style: 'date' | 'dateTime' };

export const t = (key: string, params?: Record<string, string | number | Text>): Text => (params ? { key, params } : { key });
export const literal = (value: Literal): Text => ({ literal: value });
export const raw = (value: string): Text => ({ raw: value });
export const quote = (value: string): Text => ({ quote: value });
export const date = (value: Date, style: 'date' | 'dateTime' = 'dateTime'): Text => ({ date: value.toISOString(), style });

/** What the bot says; rendered into a channel-facing `Reply` in the user's script. */
export type Say =
  | { kind: 'text'; text: Text }
  | { kind: 'choices'; text: Text; choices: ReadonlyArray<{ id: string; label: Text }>; freeText?: boolean }
  | { kind: 'caseCard'; title: Text; lines: ReadonlyArray<{ label: Text; value: Text }> };

export const say = (text: Text): Say => ({ kind: 'text', text });
