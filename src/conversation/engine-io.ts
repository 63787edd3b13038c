import type { CaseStatus } from '../domain/case-lifecycle';
import type { CaseType, Script, Want } from '../domain/case';
import type { Catalog } from './catalog';
import type { IncidentTime } from './incident-time';
import type { InboundMessage, Locale } from './messages';
import type { Contact } from './state';
import type { Say, Text } from './text';

/** A case as the complainant may see it. */
export interface CaseSummary {
  number: string;
  type: CaseType;
  status: CaseStatus;
  submittedAt: Date;
  nextDeadline: Date | null;
}

/** What the engine reacts to: a message from the person, or the result of an effect it asked for. */
export type EngineInput =
  | {
      kind: 'message';
      message: InboundMessage;
      /** Script of the text (or caption), detected at the edge. */
      script: Script | 'unknown';
      /** Simplified copy of the text, for matching keywords and labels whatever the script. */
      simplified: string;
      /** A channel's guess of the user's language (Telegram language_code), for the first message. */
      languageHint?: Locale;
    }
  | { kind: 'caseSubmitted'; number: string; acknowledgeBy: Date }
  | { kind: 'submitFailed' }
  | { kind: 'caseFound'; summary: CaseSummary }
  | { kind: 'caseNotFound'; number: string }
  | { kind: 'casesListed'; cases: readonly CaseSummary[] }
  | { kind: 'ratingRequested'; caseId: string; number: string }
  | { kind: 'informationRequested'; caseId: string; number: string; question: string }
  | { kind: 'reminderDue' };

export interface CompleteDraft {
  type: CaseType;
  category: string;
  description: string;
  descriptionScript: Script;
  photos: string[];
  when: IncidentTime;
  whenText: string | null;
  where: string;
  involved: string | null;
  wants: Want[];
  wantsOther: string | null;
  contact: Contact;
}

/** What the engine asks the application to do; results come back as `EngineInput`s. */
export type Effect =
  /** `draftKey` is the same for every retry of one intake: the application files it at most once. */
  | { kind: 'submitCase'; draftKey: string; draft: CompleteDraft; locale: Locale }
  | { kind: 'lookupCase'; number: string }
  | { kind: 'listCases' }
  | { kind: 'rateCase'; caseId: string; number: string; satisfied: boolean; score: number | null; reason: string | null }
  | { kind: 'answerInformationRequest'; caseId: string; number: string; text: string | null; attachmentIds: string[] }
  | { kind: 'rememberLocale'; locale: Locale };

export interface StepResult<S> {
  state: S;
  replies: Say[];
  effects: Effect[];
}

export interface EngineContext {
  now: Date;
  catalog: Catalog;
  /** Every rendering of a text in every locale, to match an answer typed as a label. */
  spell: (text: Text) => readonly string[];
}
