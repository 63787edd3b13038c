import type { CaseType, Script, Want } from '../domain/case';
import type { IncidentPrecision } from './incident-time';
import type { Locale } from './messages';

/** The questions of the intake, in order. Names, never numbers: stored states survive new steps. */
export const INTAKE_STEPS = [
  'chooseType',
  'chooseCategory',
  'describe',
  'when',
  'where',
  'involved',
  'wants',
  'wantsOther',
  'contactMode',
  'name',
  'phone',
  'review',
] as const;
export type IntakeStep = (typeof INTAKE_STEPS)[number];

/** Fields of the summary the complainant can change before submitting. */
export const EDITABLE_FIELDS = ['type', 'category', 'description', 'when', 'where', 'involved', 'wants', 'contact'] as const;
export type EditableField = (typeof EDITABLE_FIELDS)[number];

/** When it happened, as stored: plain JSON, so instants are ISO strings. */
export type StoredIncidentTime = { kind: 'known'; at: string; precision: IncidentPrecision } | { kind: 'unknown' };

export type Contact = { anonymous: true } | { anonymous: false; name: string; phone: string };

export interface Draft {
  /** When the intake began; with the conversation it identifies this submission, so a retry cannot file it twice. */
  startedAt: string;
  type?: CaseType;
  category?: string;
  description?: string;
  descriptionScript?: Script;
  photos: string[];
  when?: StoredIncidentTime;
  whenText?: string;
  where?: string;
  /** Pre-filled from a /start payload or QR scene: offered, not yet confirmed. */
  suggestedWhere?: string;
  involved?: string | null;
  wants?: Want[];
  wantsOther?: string;
  contact?: Contact;
  /** Typed before the phone number; kept when the number is refused. */
  pendingName?: string;
}

/** A question asked by staff or the lifecycle that the next message answers. */
export type Pending =
  | { kind: 'rating'; caseId: string; number: string }
  | { kind: 'ratingReason'; caseId: string; number: string; score: number | null }
  | { kind: 'information'; caseId: string; number: string };

export interface ConversationState {
  /** Bumped when the shape changes, so stored conversations can be migrated or dropped. */
  version: 1;
  locale: Locale;
  step: IntakeStep | 'idle' | 'chooseLanguage';
  draft: Draft | null;
  /** Steps answered so far, for "back". */
  history: IntakeStep[];
  /** Set while changing one field from the summary: the next answer returns to the review. */
  editing: boolean;
  pending: Pending | null;
  /** From /start or a QR scene before any intake began. */
  suggestedWhere: string | null;
  updatedAt: string;
  remindedAt: string | null;
}

export function newConversation(locale: Locale, now: Date): ConversationState {
  return {
    version: 1,
    locale,
    step: 'idle',
    draft: null,
    history: [],
    editing: false,
    pending: null,
    suggestedWhere: null,
    updatedAt: now.toISOString(),
    remindedAt: null,
  };
}
