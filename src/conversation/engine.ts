import { findCaseNumbers } from '../domain/case-number';
import type { CaseSummary, EngineContext, EngineInput, StepResult } from './engine-io';
import { advance, answerStep, ask, type Answer } from './intake';
import { isKeyword, matchChoice, normalize, type Keyword } from './matching';
import type { InboundMessage, Locale } from './messages';
import { newConversation, type ConversationState, type Draft, type IntakeStep } from './state';
import { date, literal, quote, raw, say, t, type Say, type Text } from './text';

type Result = StepResult<ConversationState>;

const LOCALES: readonly Locale[] = ['zh-Hans', 'zh-Hant', 'en'];

/**
 * The whole dialog: given where a person is, what arrived and the time, returns where they are
 * now, what to say and what the application must do. Pure: no I/O, no clock of its own.
 */
export function step(previous: ConversationState | null, input: EngineInput, ctx: EngineContext): Result {
  const base = previous ?? newConversation(initialLocale(input, ctx), ctx.now);
  const state: ConversationState = { ...base, locale: localeAfter(base.locale, input), updatedAt: ctx.now.toISOString() };
  const result = dispatch(state, input, ctx);
  // Remembered with the person's identity too, for when this conversation has expired.
  const localeChanged = previous ? result.state.locale !== previous.locale : input.kind === 'message' && input.script !== 'unknown';
  const remembers = result.effects.some((effect) => effect.kind === 'rememberLocale');
  const effects = localeChanged && !remembers ? [...result.effects, { kind: 'rememberLocale' as const, locale: result.state.locale }] : result.effects;
  return { ...result, effects };
}

function initialLocale(input: EngineInput, ctx: EngineContext): Locale {
  if (input.kind === 'message') {
    if (input.script !== 'unknown') return input.script;
    if (input.languageHint) return input.languageHint;
  }
  return ctx.catalog.defaultLocale;
}

/** Answer in the script the person just wrote in; keep the last one when a message does not tell. */
function localeAfter(current: Locale, input: EngineInput): Locale {
  return input.kind === 'message' && input.script !== 'unknown' ? input.script : current;
}

function dispatch(state: ConversationState, input: EngineInput, ctx: EngineContext): Result {
  switch (input.kind) {
    case 'message':
      return onMessage(state, input.message, { simplified: input.simplified, script: input.script }, ctx);
    case 'caseSubmitted':
      return {
        state: { ...state, step: 'idle', draft: null, history: [], editing: false, remindedAt: null },
        replies: [say(t('intake.submitted', { number: raw(input.number), ackBy: date(input.acknowledgeBy) }))],
        effects: [],
      };
    case 'submitFailed':
      return { state, replies: [say(t('intake.submitFailed'))], effects: [] };
    case 'caseFound':
      return { state, replies: [caseCard(input.summary), ...draftReminder(state)], effects: [] };
    case 'caseNotFound':
      return { state, replies: [say(t('lookup.notFound', { number: raw(input.number) })), ...draftReminder(state)], effects: [] };
    case 'casesListed':
      return {
        state,
        replies: input.cases.length === 0 ? [say(t('lookup.none'))] : [say(t('lookup.listTitle')), ...input.cases.map(caseCard), ...draftReminder(state)],
        effects: [],
      };
    case 'ratingRequested':
      return {
        state: { ...state, pending: { kind: 'rating', caseId: input.caseId, number: input.number } },
        replies: [ratingQuestion(input.number)],
        effects: [],
      };
    case 'informationRequested':
      return {
        state: { ...state, pending: { kind: 'information', caseId: input.caseId, number: input.number } },
        replies: [say(t('info.request', { number: raw(input.number), question: quote(input.question) }))],
        effects: [],
      };
    case 'reminderDue':
      if (!state.draft || state.remindedAt) return { state, replies: [], effects: [] };
      return {
        state: { ...state, remindedAt: state.updatedAt },
        replies: [say(t('intake.reminder', { type: typeOf(state.draft), hours: ctx.catalog.limits.intakeExpiryHours }))],
        effects: [],
      };
  }
}

interface Typed {
  simplified: string;
  script: Answer['script'];
}

function onMessage(state: ConversationState, message: InboundMessage, typed: Typed, ctx: EngineContext): Result {
  switch (message.kind) {
    case 'command':
      return onCommand(state, message.command.toLowerCase(), message.args.trim(), ctx);
    case 'event':
      return onEvent(state, message, ctx);
    case 'image':
      return onImage(state, message.attachmentId, message.caption ?? '', typed, ctx);
    case 'location':
      return onAnswer(state, { text: message.label ?? '', simplified: typed.simplified, script: typed.script, location: message }, ctx);
    case 'choice':
      return onChoice(state, message.choiceId, typed, ctx);
    case 'text':
      return onText(state, message.text, typed, ctx);
  }
}

/** Words that work anywhere: cancel, back, help, status, my cases, a person. */
function onText(state: ConversationState, text: string, typed: Typed, ctx: EngineContext): Result {
  const simplified = typed.simplified || text;
  const numbers = findCaseNumbers(text);
  const firstNumber = numbers[0];
  if (firstNumber && isStatusQuery(simplified, firstNumber.caseNumber)) {
    return { state, replies: [], effects: [{ kind: 'lookupCase', number: firstNumber.caseNumber }] };
  }
  const global = (['cancel', 'back', 'help', 'status', 'myCases', 'human'] as const).find((word) => isKeyword(simplified, word));
  if (global) return onGlobal(state, global, ctx);
  return onAnswer(state, { text, simplified, script: typed.script }, ctx);
}

function isStatusQuery(simplified: string, caseNumber: string): boolean {
  const rest = normalize(simplified).replace(normalize(caseNumber), '');
  return rest === '' || isKeyword(rest, 'status');
}

function onChoice(state: ConversationState, choiceId: string, typed: Typed, ctx: EngineContext): Result {
  const nav: Record<string, Keyword> = { 'nav:cancel': 'cancel', 'nav:back': 'back', 'menu:status': 'status', 'menu:myCases': 'myCases', 'menu:human': 'human' };
  const global = nav[choiceId];
  if (global) return onGlobal(state, global, ctx);
  return onAnswer(state, { choiceId, text: '', simplified: '', script: typed.script }, ctx);
}

function onGlobal(state: ConversationState, word: Keyword, ctx: EngineContext): Result {
  const inIntake = state.draft !== null && isIntakeStep(state.step);
  switch (word) {
    case 'cancel':
      if (!state.draft && !state.pending) return welcome(state, ctx);
      return {
        state: { ...state, step: 'idle', draft: null, history: [], editing: false, pending: null, remindedAt: null },
        replies: [say(t('intake.cancelled'))],
        effects: [],
      };
    case 'back': {
      if (!inIntake) return welcome(state, ctx);
      if (state.editing) return goTo(state, 'review', state.history, ctx);
      const previous = state.history.at(-1);
      if (!previous) return { state, replies: [say(t('intake.nothingToGoBack')), ...ask(state.step as IntakeStep, state, ctx)], effects: [] };
      return goTo(state, previous, state.history.slice(0, -1), ctx);
    }
    case 'help':
      return {
        state,
        replies: inIntake ? [say(t('help.intake')), ...ask(state.step as IntakeStep, state, ctx)] : [say(t('help.general'))],
        effects: [],
      };
    case 'status':
      return { state, replies: [say(t('lookup.askNumber'))], effects: [] };
    case 'myCases':
      return { state, replies: [], effects: [{ kind: 'listCases' }] };
    case 'human':
      return {
        state,
        replies: [say(t('human', { hotline: raw(ctx.catalog.support.hotline), hours: literal(ctx.catalog.support.hours) })), ...draftReminder(state)],
        effects: [],
      };
    default:
      return welcome(state, ctx);
  }
}

function goTo(state: ConversationState, target: IntakeStep, history: IntakeStep[], ctx: EngineContext): Result {
  const moved: ConversationState = { ...state, step: target, history, editing: false };
  return { state: moved, replies: ask(target, moved, ctx), effects: [] };
}

function onCommand(state: ConversationState, command: string, args: string, ctx: EngineContext): Result {
  switch (command) {
    case 'start': {
      const place = ctx.catalog.places[args];
      const where = place ? place[state.locale] : null;
      const withPlace: ConversationState = where
        ? { ...state, suggestedWhere: where, draft: state.draft ? { ...state.draft, suggestedWhere: state.draft.where ? undefined : where } : null }
        : state;
      return state.draft && isIntakeStep(state.step) ? resume(withPlace, ctx) : welcome(withPlace, ctx);
    }
    case 'cancel':
    case 'back':
    case 'help':
      return onGlobal(state, command, ctx);
    case 'status': {
      const number = findCaseNumbers(args)[0];
      return number ? { state, replies: [], effects: [{ kind: 'lookupCase', number: number.caseNumber }] } : onGlobal(state, 'status', ctx);
    }
    case 'mycases':
      return onGlobal(state, 'myCases', ctx);
    case 'human':
      return onGlobal(state, 'human', ctx);
    case 'lang':
    case 'language':
      return chooseLanguage(state, args, ctx);
    case 'complaint':
    case 'suggestion':
    case 'report':
      return startIntake(state, { type: command }, ctx);
    default:
      return welcome(state, ctx);
  }
}

function onEvent(state: ConversationState, event: Extract<InboundMessage, { kind: 'event' }>, ctx: EngineContext): Result {
  if (event.event === 'unfollow') return { state, replies: [], effects: [] };
  if (event.event === 'follow') {
    const scene = event.key?.replace(/^qrscene_/, '');
    return onCommand(state, 'start', scene ?? '', ctx);
  }
  switch (event.key) {
    case 'complaint':
    case 'suggestion':
    case 'report':
      return startIntake(state, { type: event.key }, ctx);
    case 'status':
      return onGlobal(state, 'status', ctx);
    case 'myCases':
      return onGlobal(state, 'myCases', ctx);
    case 'human':
      return onGlobal(state, 'human', ctx);
    default:
      return welcome(state, ctx);
  }
}

function onImage(state: ConversationState, attachmentId: string, caption: string, typed: Typed, ctx: EngineContext): Result {
  if (state.pending?.kind === 'information') {
    const { caseId, number } = state.pending;
    return {
      state: { ...state, pending: null },
      replies: [say(t('info.received', { number: raw(number) }))],
      effects: [{ kind: 'answerInformationRequest', caseId, number, text: caption.trim() || null, attachmentIds: [attachmentId] }],
    };
  }
  if (!state.draft || !isIntakeStep(state.step)) {
    // A photo is often how a complaint begins: keep it and start the intake.
    return startIntake(state, { photos: [attachmentId] }, ctx, [say(t('intake.photoReceived', { count: 1 }))]);
  }
  const draft: Draft = { ...state.draft, photos: [...state.draft.photos, attachmentId] };
  const withPhoto: ConversationState = { ...state, draft };
  const received = say(t('intake.photoReceived', { count: draft.photos.length }));
  if (state.step === 'describe' && caption.trim()) {
    const answered = answerStep(withPhoto, { text: caption, simplified: typed.simplified, script: typed.script }, ctx);
    return { ...answered, replies: [received, ...answered.replies] };
  }
  return { state: withPhoto, replies: [received], effects: [] };
}

/** An answer to whatever is being asked: a pending question first, then the intake, else the menu. */
function onAnswer(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  if (state.pending) return answerPending(state, answer, ctx);
  if (state.step === 'chooseLanguage') return answerLanguage(state, answer, ctx);
  if (state.draft && isIntakeStep(state.step)) return answerStep(state, answer, ctx);
  return answerIdle(state, answer, ctx);
}

const MENU = ['complaint', 'suggestion', 'report', 'status', 'myCases', 'human'] as const;

/** The entry menu, with the FAQ questions after it in the same numbered list. */
function menuChoices(ctx: EngineContext) {
  return [
    ...MENU.map((item) => ({ id: item === 'status' || item === 'myCases' || item === 'human' ? `menu:${item}` : `start:${item}`, label: t(`menu.${item}`) })),
    ...ctx.catalog.faq.map((entry) => ({ id: `faq:${entry.id}`, label: literal(entry.question) })),
  ];
}

function welcome(state: ConversationState, ctx: EngineContext, prefix: Say[] = []): Result {
  const idle: ConversationState = { ...state, step: 'idle', pending: null };
  return { state: idle, replies: [...prefix, { kind: 'choices', text: t('menu.welcome'), choices: menuChoices(ctx) }], effects: [] };
}

function answerIdle(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  const id = matchChoice(answer, menuChoices(ctx), { byNumber: true, ctx });
  if (id?.startsWith('start:')) return startIntake(state, { type: id.slice('start:'.length) as Draft['type'] }, ctx);
  if (id === 'menu:status') return onGlobal(state, 'status', ctx);
  if (id === 'menu:myCases') return onGlobal(state, 'myCases', ctx);
  if (id === 'menu:human') return onGlobal(state, 'human', ctx);
  if (id?.startsWith('faq:')) return answerFaq(state, id.slice('faq:'.length), ctx);

  const keywordType = (['complaint', 'suggestion', 'report'] as const).find((type) => isKeyword(answer.simplified || answer.text, type));
  if (keywordType) return startIntake(state, { type: keywordType }, ctx);

  const faq = matchFaq(answer.simplified || answer.text, ctx);
  if (faq) return answerFaq(state, faq, ctx);

  // Someone who opens with the complaint itself: keep what they wrote and ask the rest.
  const text = answer.text.trim();
  if ([...text.replace(/\s/g, '')].length >= ctx.catalog.limits.minDescriptionLength) {
    const script = answer.script === 'unknown' ? state.locale : answer.script;
    return startIntake(state, { description: text, descriptionScript: script }, ctx);
  }
  return welcome(state, ctx);
}

function matchFaq(simplified: string, ctx: EngineContext): string | null {
  const text = normalize(simplified);
  if (!text) return null;
  return ctx.catalog.faq.find((entry) => entry.keywords.some((keyword) => text.includes(normalize(keyword))))?.id ?? null;
}

function answerFaq(state: ConversationState, id: string, ctx: EngineContext): Result {
  const entry = ctx.catalog.faq.find((e) => e.id === id);
  if (!entry) return welcome(state, ctx);
  return { state, replies: [say(literal(entry.answer)), { kind: 'choices', text: t('menu.welcome'), choices: menuChoices(ctx) }], effects: [] };
}

function startIntake(state: ConversationState, prefill: Partial<Draft>, ctx: EngineContext, prefix: Say[] = []): Result {
  const draft: Draft = {
    photos: [],
    ...(state.draft ?? {}),
    ...prefill,
    startedAt: state.draft?.startedAt ?? ctx.now.toISOString(),
    ...(state.suggestedWhere && !state.draft?.where ? { suggestedWhere: state.suggestedWhere } : {}),
  };
  const fresh: ConversationState = { ...state, draft, step: 'chooseType', history: [], editing: false, pending: null, remindedAt: null };
  if (draft.type) {
    const protection = draft.type === 'report' ? [say(t('intake.reportProtection'))] : [];
    return advance(fresh, 'chooseType', draft, ctx, [...prefix, ...protection]);
  }
  return { state: fresh, replies: [...prefix, ...ask('chooseType', fresh, ctx)], effects: [] };
}

function resume(state: ConversationState, ctx: EngineContext): Result {
  return { state, replies: [say(t('intake.resume', { type: typeOf(state.draft) })), ...ask(state.step as IntakeStep, state, ctx)], effects: [] };
}

function chooseLanguage(state: ConversationState, args: string, ctx: EngineContext): Result {
  const direct = LOCALES.find((locale) => locale.toLowerCase() === args.toLowerCase());
  if (direct) return switchLanguage(state, direct, ctx);
  return {
    state: { ...state, step: state.draft ? state.step : 'chooseLanguage' },
    replies: [{ kind: 'choices', text: t('lang.ask'), choices: LOCALES.map((locale) => ({ id: `lang:${locale}`, label: t(`lang.${locale}`) })) }],
    effects: [],
  };
}

function answerLanguage(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  const id = matchChoice(answer, LOCALES.map((locale) => ({ id: `lang:${locale}`, label: t(`lang.${locale}`) })), { byNumber: true, ctx });
  if (!id) return welcome(state, ctx);
  return switchLanguage(state, id.slice('lang:'.length) as Locale, ctx);
}

function switchLanguage(state: ConversationState, locale: Locale, ctx: EngineContext): Result {
  const switched: ConversationState = { ...state, locale, step: state.step === 'chooseLanguage' ? 'idle' : state.step };
  const replies = [say(t('lang.switched'))];
  if (switched.draft && isIntakeStep(switched.step)) replies.push(...ask(switched.step, switched, ctx));
  return { state: switched, replies, effects: [{ kind: 'rememberLocale', locale }] };
}

function answerPending(state: ConversationState, answer: Answer, ctx: EngineContext): Result {
  const pending = state.pending!;
  const rest: ConversationState = { ...state, pending: null };
  switch (pending.kind) {
    case 'information':
      return {
        state: rest,
        replies: [say(t('info.received', { number: raw(pending.number) })), ...draftReminder(rest)],
        effects: [{ kind: 'answerInformationRequest', caseId: pending.caseId, number: pending.number, text: answer.text.trim() || null, attachmentIds: [] }],
      };
    case 'rating': {
      const score = /^[1-5]$/.test(answer.text.normalize('NFKC').trim()) ? Number(answer.text.normalize('NFKC').trim()) : null;
      const choice = matchChoice(answer, ratingChoices(), { byNumber: false, ctx });
      const satisfied =
        score !== null ? score >= 3 : choice === 'rate:satisfied' || isKeyword(answer.simplified, 'satisfied') ? true : choice === 'rate:unsatisfied' || isKeyword(answer.simplified, 'unsatisfied') ? false : null;
      if (satisfied === null) return { state, replies: [say(t('rating.invalid')), ratingQuestion(pending.number)], effects: [] };
      if (satisfied) {
        return {
          state: rest,
          replies: [say(t('rating.thanks', { number: raw(pending.number) })), ...draftReminder(rest)],
          effects: [{ kind: 'rateCase', caseId: pending.caseId, number: pending.number, satisfied: true, score, reason: null }],
        };
      }
      return { state: { ...state, pending: { kind: 'ratingReason', caseId: pending.caseId, number: pending.number, score } }, replies: [say(t('rating.askReason'))], effects: [] };
    }
    case 'ratingReason': {
      const reason = answer.text.trim();
      if (!reason) return { state, replies: [say(t('rating.askReason'))], effects: [] };
      return {
        state: rest,
        replies: [say(t('rating.reopened', { number: raw(pending.number) })), ...draftReminder(rest)],
        effects: [{ kind: 'rateCase', caseId: pending.caseId, number: pending.number, satisfied: false, score: pending.score, reason }],
      };
    }
  }
}

function ratingChoices() {
  return [
    { id: 'rate:satisfied', label: t('rating.satisfied') },
    { id: 'rate:unsatisfied', label: t('rating.unsatisfied') },
  ];
}

function ratingQuestion(number: string): Say {
  return { kind: 'choices', text: t('rating.ask', { number: raw(number) }), choices: ratingChoices() };
}

function caseCard(summary: CaseSummary): Say {
  return {
    kind: 'caseCard',
    title: t('lookup.cardTitle', { number: raw(summary.number) }),
    lines: [
      { label: t('field.type'), value: t(`caseType.${summary.type}`) },
      { label: t('lookup.state'), value: t(`status.${summary.status}`) },
      { label: t('lookup.submittedAt'), value: date(summary.submittedAt) },
      ...(summary.nextDeadline ? [{ label: t('lookup.deadline'), value: date(summary.nextDeadline) }] : []),
    ],
  };
}

/** After an aside (a status query, a rating), remind the person of the draft they left open. */
function draftReminder(state: ConversationState): Say[] {
  return state.draft && isIntakeStep(state.step) ? [say(t('lookup.backToDraft', { type: typeOf(state.draft) }))] : [];
}

function typeOf(draft: Draft | null): Text {
  return t(`caseType.${draft?.type ?? 'complaint'}`);
}

function isIntakeStep(step: ConversationState['step']): step is IntakeStep {
  return step !== 'idle' && step !== 'chooseLanguage';
}
