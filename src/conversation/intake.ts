import { WANTS, type Want } from '../domain/case';
import { checkPhone } from './phone';
import { parseIncidentTime } from './incident-time';
import type { CompleteDraft, EngineContext, StepResult } from './engine-io';
import { isKeyword, matchChoice } from './matching';
import type { ConversationState, Draft, EditableField, IntakeStep } from './state';
import { EDITABLE_FIELDS } from './state';
import { date, literal, raw, say, t, type Say, type Text } from './text';

/** An answer to the current question, as the engine hands it to a step. */
export interface Answer {
  choiceId?: string;
  text: string;
  simplified: string;
  script: CompleteDraft['descriptionScript'] | 'unknown';
  location?: { latitude: number; longitude: number; label?: string };
}

type Result = StepResult<ConversationState>;
type Choice = { id: string; label: Text };

const BACK: Choice = { id: 'nav:back', label: t('nav.back') };
const CANCEL: Choice = { id: 'nav:cancel', label: t('nav.cancel') };
const SKIP: Choice = { id: 'nav:skip', label: t('nav.skip') };
const YES: Choice = { id: 'nav:yes', label: t('nav.yes') };

const typeLabel = (draft: Draft | null): Text => t(`caseType.${draft?.type ?? 'complaint'}`);

/** Steps whose answer is typed; their buttons are shortcuts and numbers are not choices. */
const FREE_TEXT_STEPS: ReadonlySet<IntakeStep> = new Set(['describe', 'when', 'where', 'involved', 'wantsOther', 'name', 'phone']);

/** The question of a step, with its choices. */
export function ask(step: IntakeStep, state: ConversationState, ctx: EngineContext): Say[] {
  const draft = state.draft!;
  const { catalog } = ctx;
  const nav = state.history.length > 0 || state.editing ? [BACK, CANCEL] : [CANCEL];
  const question = (text: Text, choices: Choice[] = []): Say => ({
    kind: 'choices',
    text,
    choices: [...choices, ...nav],
    ...(FREE_TEXT_STEPS.has(step) ? { freeText: true } : {}),
  });
  switch (step) {
    case 'chooseType':
      return [question(t('intake.askType'), catalog.caseTypes.map((type) => ({ id: `type:${type}`, label: t(`caseType.${type}`) })))];
    case 'chooseCategory':
      return [
        question(
          t('intake.askCategory', { type: typeLabel(draft) }),
          catalog.categories.map((c) => ({ id: `category:${c.id}`, label: literal(c.label) })),
        ),
      ];
    case 'describe':
      return [question(t('intake.askDescription', { min: catalog.limits.minDescriptionLength }))];
    case 'when':
      return [question(t('intake.askWhen'), [{ id: 'when:unknown', label: t('field.notRemembered') }])];
    case 'where':
      return draft.suggestedWhere
        ? [question(t('intake.wherePrefilled', { where: raw(draft.suggestedWhere) }), [YES])]
        : [question(t('intake.askWhere'))];
    case 'involved':
      return [question(t('intake.askInvolved'), [SKIP])];
    case 'wants':
      return [question(t('intake.askWants'), WANTS.map((want) => ({ id: `want:${want}`, label: t(`want.${want}`) })))];
    case 'wantsOther':
      return [question(t('intake.askWantsOther'))];
    case 'contactMode': {
      const protection = draft.type === 'report' ? [say(t('intake.reportProtection'))] : [];
      return [
        ...protection,
        question(t('intake.askContact'), [
          { id: 'contact:give', label: t('intake.contactGive') },
          { id: 'contact:anonymous', label: t('field.anonymous') },
        ]),
      ];
    }
    case 'name':
      return [question(t('intake.askName'))];
    case 'phone':
      return [question(t('intake.askPhone'))];
    case 'review':
      return [summaryCard(draft, ctx), reviewChoices()];
  }
}

function reviewChoices(): Say {
  return {
    kind: 'choices',
    text: t('intake.summaryHint'),
    choices: [
      { id: 'review:submit', label: t('nav.submit') },
      ...EDITABLE_FIELDS.map((field) => ({ id: `edit:${field}`, label: t('intake.edit', { field: t(`field.${field}`) }) })),
      CANCEL,
    ],
  };
}

export function summaryCard(draft: Draft, ctx: EngineContext): Say {
  const category = ctx.catalog.categories.find((c) => c.id === draft.category);
  const none = t('field.none');
  const when: Text =
    draft.when === undefined
      ? none
      : draft.when.kind === 'unknown'
        ? t('field.notRemembered')
        : date(new Date(draft.when.at), draft.when.precision === 'day' || draft.when.precision === 'month' ? 'date' : 'dateTime');
  const contact: Text = !draft.contact ? none : draft.contact.anonymous ? t('field.anonymous') : raw(`${draft.contact.name} ${draft.contact.phone}`);
  const lines: Array<{ label: Text; value: Text }> = [
    { label: t('field.type'), value: typeLabel(draft) },
    { label: t('field.category'), value: category ? literal(category.label) : none },
    { label: t('field.description'), value: draft.description ? raw(draft.description) : none },
    { label: t('field.when'), value: when },
    { label: t('field.where'), value: draft.where ? raw(draft.where) : none },
    { label: t('field.involved'), value: draft.involved ? raw(draft.involved) : none },
    { label: t('field.wants'), value: draft.wants?.length ? wantsText(draft.wants, draft.wantsOther) : none },
    { label: t('field.contact'), value: contact },
  ];
  if (draft.photos.length > 0) lines.push({ label: t('field.photos'), value: raw(String(draft.photos.length)) });
  return { kind: 'caseCard', title: t('intake.summaryTitle', { type: typeLabel(draft) }), lines };
}

function wantsText(wants: readonly Want[], other: string | undefined): Text {
  const [first] = wants;
  if (first === 'other' && other) return raw(other);
  return t(`want.${first ?? 'other'}`);
}

/** The step after `step`, skipping what the draft already holds. */
export function nextStep(step: IntakeStep, draft: Draft): IntakeStep {
  switch (step) {
    case 'chooseType':
      return 'chooseCategory';
    case 'chooseCategory':
      return draft.description ? 'when' : 'describe';
    case 'describe':
      return 'when';
    case 'when':
      return 'where';
    case 'where':
      return 'involved';
    case 'involved':
      return 'wants';
    case 'wants':
      return draft.wants?.includes('other') ? 'wantsOther' : 'contactMode';
    case 'wantsOther':
      return 'contactMode';
    case 'contactMode':
      return draft.contact?.anonymous === false || draft.pendingName !== undefined ? 'name' : 'review';
    case 'name':
      return 'phone';
    case 'phone':
    case 'review':
      return 'review';
  }
}

/** Moves on after a valid answer: to the next question, or back to the summary when editing. */
export function advance(state: ConversationState, answered: IntakeStep, draft: Draft, ctx: EngineContext, prefix: Say[] = []): Result {
  const next = state.editing && !followUpNeeded(answered, draft) ? 'review' : nextStep(answered, draft);
  const moved: ConversationState = {
    ...state,
    draft,
    step: next,
    editing: next === 'review' ? false : state.editing,
    history: [...state.history, answered],
  };
  return { state: moved, replies: [...prefix, ...ask(next, moved, ctx)], effects: [] };
}

/** While editing, some answers need their follow-up question before the summary. */
function followUpNeeded(answered: IntakeStep, draft: Draft): boolean {
  return (
    (answered === 'wants' && !!draft.wants?.includes('other')) ||
    (answered === 'contactMode' && draft.pendingName !== undefined) ||
    answered === 'name'
  );
}

function again(state: ConversationState, ctx: EngineContext, problem: Text): Result {
  return { state, replies: [say(problem), ...ask(state.step as IntakeStep, state, ctx)], effects: [] };
}

/** Handles the answer to the current intake question. */
export function answerStep(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  const step = state.step as IntakeStep;
  const draft = state.draft!;
  const byNumber = !FREE_TEXT_STEPS.has(step);
  const choose = (choices: Choice[]) => matchChoice(answer, choices, { byNumber, ctx });
  const text = answer.text.trim();

  switch (step) {
    case 'chooseType': {
      const id = choose(ctx.catalog.caseTypes.map((type) => ({ id: `type:${type}`, label: t(`caseType.${type}`) })));
      const keyword = ctx.catalog.caseTypes.find((type) => isKeyword(answer.simplified || text, type));
      const type = id ? (id.slice('type:'.length) as Draft['type']) : keyword;
      if (!type) return again(state, ctx, t('intake.pickFromList'));
      return advance(state, step, { ...draft, type }, ctx);
    }
    case 'chooseCategory': {
      const id = choose(ctx.catalog.categories.map((c) => ({ id: `category:${c.id}`, label: literal(c.label) })));
      if (!id) return again(state, ctx, t('intake.pickFromList'));
      return advance(state, step, { ...draft, category: id.slice('category:'.length) }, ctx);
    }
    case 'describe': {
      const min = ctx.catalog.limits.minDescriptionLength;
      if ([...text.replace(/\s/g, '')].length < min) return again(state, ctx, t('intake.descriptionTooShort', { min }));
      return advance(state, step, { ...draft, description: text, descriptionScript: answer.script === 'unknown' ? state.locale : answer.script }, ctx);
    }
    case 'when': {
      if (choose([{ id: 'when:unknown', label: t('field.notRemembered') }])) {
        return advance(state, step, { ...draft, when: { kind: 'unknown' }, whenText: text || undefined }, ctx);
      }
      const parsed = parseIncidentTime(answer.text, ctx.now, ctx.catalog.timeZone);
      if (parsed.kind === 'future') return again(state, ctx, t('intake.whenInFuture'));
      if (parsed.kind === 'unparsed') return again(state, ctx, t('intake.whenNotUnderstood'));
      const when: Draft['when'] = parsed.kind === 'known' ? { kind: 'known', at: parsed.at.toISOString(), precision: parsed.precision } : { kind: 'unknown' };
      return advance(state, step, { ...draft, when, whenText: text }, ctx);
    }
    case 'where': {
      if (answer.location) {
        const where = answer.location.label?.trim() || `${answer.location.latitude.toFixed(5)}, ${answer.location.longitude.toFixed(5)}`;
        return advance(state, step, { ...draft, where, suggestedWhere: undefined }, ctx, [say(t('intake.locationReceived', { where: raw(where) }))]);
      }
      if (draft.suggestedWhere && (choose([YES]) || isKeyword(answer.simplified, 'yes'))) {
        return advance(state, step, { ...draft, where: draft.suggestedWhere, suggestedWhere: undefined }, ctx);
      }
      if (!text) return again(state, ctx, t('intake.notUnderstood'));
      return advance(state, step, { ...draft, where: text, suggestedWhere: undefined }, ctx);
    }
    case 'involved': {
      if (choose([SKIP]) || isKeyword(answer.simplified, 'skip')) return advance(state, step, { ...draft, involved: null }, ctx);
      if (!text) return again(state, ctx, t('intake.notUnderstood'));
      return advance(state, step, { ...draft, involved: text }, ctx);
    }
    case 'wants': {
      const id = choose(WANTS.map((want) => ({ id: `want:${want}`, label: t(`want.${want}`) })));
      if (!id) return again(state, ctx, t('intake.pickFromList'));
      const want = id.slice('want:'.length) as Want;
      return advance(state, step, { ...draft, wants: [want], wantsOther: want === 'other' ? draft.wantsOther : undefined }, ctx);
    }
    case 'wantsOther': {
      if (!text) return again(state, ctx, t('intake.notUnderstood'));
      return advance(state, step, { ...draft, wantsOther: text }, ctx);
    }
    case 'contactMode': {
      const id = choose([
        { id: 'contact:give', label: t('intake.contactGive') },
        { id: 'contact:anonymous', label: t('field.anonymous') },
      ]);
      if (id === 'contact:anonymous') {
        return advance(state, step, { ...draft, contact: { anonymous: true }, pendingName: undefined }, ctx, [say(t('intake.anonymousNote'))]);
      }
      if (id === 'contact:give') return advance(state, step, { ...draft, contact: undefined, pendingName: '' }, ctx);
      return again(state, ctx, t('intake.pickFromList'));
    }
    case 'name': {
      const max = ctx.catalog.limits.maxNameLength;
      if (!text) return again(state, ctx, t('intake.notUnderstood'));
      if ([...text].length > max) return again(state, ctx, t('intake.nameTooLong', { max }));
      return advance(state, step, { ...draft, pendingName: text }, ctx);
    }
    case 'phone': {
      const checked = checkPhone(text);
      if (!checked.ok) {
        return again(state, ctx, checked.reason === 'unsupportedRegion' ? t('intake.phoneUnsupported') : t('intake.phoneInvalid', { phone: raw(text) }));
      }
      const contact = { anonymous: false as const, name: draft.pendingName ?? '', phone: checked.e164 };
      return advance({ ...state, editing: false }, step, { ...draft, contact, pendingName: undefined }, ctx);
    }
    case 'review':
      return answerReview(state, answer, ctx);
  }
}

function answerReview(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  const choices: Choice[] = [
    { id: 'review:submit', label: t('nav.submit') },
    ...EDITABLE_FIELDS.map((field) => ({ id: `edit:${field}`, label: t('intake.edit', { field: t(`field.${field}`) }) })),
  ];
  const id = matchChoice(answer, choices, { byNumber: true, ctx }) ?? (isKeyword(answer.simplified, 'submit') ? 'review:submit' : null);
  if (id === 'review:submit') {
    const draft = state.draft!;
    const complete = completeDraft(draft);
    if (!complete) return again(state, ctx, t('intake.notUnderstood'));
    return { state, replies: [], effects: [{ kind: 'submitCase', draftKey: draft.startedAt, draft: complete, locale: state.locale }] };
  }
  if (id?.startsWith('edit:')) {
    const field = id.slice('edit:'.length) as EditableField;
    const step = stepForField(field);
    const editing: ConversationState = { ...state, step, editing: true };
    return { state: editing, replies: ask(step, editing, ctx), effects: [] };
  }
  return again(state, ctx, t('intake.pickFromList'));
}

function stepForField(field: EditableField): IntakeStep {
  switch (field) {
    case 'type':
      return 'chooseType';
    case 'category':
      return 'chooseCategory';
    case 'description':
      return 'describe';
    case 'contact':
      return 'contactMode';
    default:
      return field;
  }
}

export function completeDraft(draft: Draft): CompleteDraft | null {
  const { type, category, description, descriptionScript, when, where, wants, contact } = draft;
  if (!type || !category || !description || !descriptionScript || !when || !where || !wants?.length || !contact) return null;
  return {
    type,
    category,
    description,
    descriptionScript,
    photos: draft.photos,
    when: when.kind === 'known' ? { kind: 'known', at: new Date(when.at), precision: when.precision } : { kind: 'unknown' },
    whenText: draft.whenText ?? null,
    where,
    involved: draft.involved ?? null,
    wants,
    wantsOther: draft.wantsOther ?? null,
    contact,
  };
}
