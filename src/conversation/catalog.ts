import type { CaseType } from '../domain/case';
import type { Locale } from './messages';
import type { Literal } from './text';

export interface FaqEntry {
  id: string;
  /** Matched against the simplified, lower-cased message, so one list serves both scripts. */
  keywords: readonly string[];
  question: Literal;
  answer: Literal;
}

/** The deployment's wording and limits the dialog needs, as plain data built at start-up. */
export interface Catalog {
  timeZone: string;
  defaultLocale: Locale;
  caseTypes: readonly CaseType[];
  categories: ReadonlyArray<{ id: string; label: Literal }>;
  departments: ReadonlyArray<{ id: string; name: Literal }>;
  /** `/start` payloads and WeChat `qrscene_` keys that pre-fill where it happened. */
  places: Readonly<Record<string, Literal>>;
  faq: readonly FaqEntry[];
  support: { hotline: string; hours: Literal };
  limits: { minDescriptionLength: number; maxNameLength: number; intakeExpiryHours: number };
}
