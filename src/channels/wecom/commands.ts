import { CASE_NUMBER_PATTERN, parseCaseNumber } from '../../domain/case-number';

/** What staff can do to a case by typing in WeCom, named after the use cases they run. */
export const CASE_VERBS = ['accept', 'ask', 'resolve', 'transfer'] as const;
export type CaseVerb = (typeof CASE_VERBS)[number];

/** The script the command word was typed in: the staff member's script for the answer. */
export type CommandScript = 'zh-Hans' | 'zh-Hant' | 'en';

export type StaffCommand =
  /** `script` is null for `/bind`, which says nothing about the person's script. */
  | { kind: 'bind'; code: string; script: CommandScript | null }
  | { kind: 'accept'; caseNumber: string; script: CommandScript }
  | { kind: 'ask'; caseNumber: string; question: string; script: CommandScript }
  | { kind: 'resolve'; caseNumber: string; result: string; script: CommandScript }
  /** `department`: an id or a name, as typed. */
  | { kind: 'transfer'; caseNumber: string; department: string; script: CommandScript }
  /** A command word without what it needs; the answer shows how to write it. */
  | { kind: 'incomplete'; verb: CaseVerb | 'bind'; missing: 'caseNumber' | 'text' | 'code'; caseNumber: string | null; script: CommandScript | null }
  | { kind: 'unknown' };

/**
 * The command words as shown to staff (render.ts), one spelling per script. zh-Hant follows the
 * generated locale (Taiwan usage: 處理完畢, 繫結), so the card and the help text agree.
 */
export const COMMAND_WORDS: Readonly<Record<CommandScript, Readonly<Record<CaseVerb | 'bind', string>>>> = {
  'zh-Hans': { accept: '接单', ask: '补充', resolve: '办结', transfer: '转派', bind: '绑定' },
  'zh-Hant': { accept: '接單', ask: '補充', resolve: '處理完畢', transfer: '轉派', bind: '繫結' },
  en: { accept: 'accept', ask: 'ask', resolve: 'resolve', transfer: 'transfer', bind: 'bind' },
};

/** What the hints under an assignment put where the staff member's own words go (render.ts). */
export const COMMAND_PLACEHOLDERS: Readonly<Record<CommandScript, Readonly<Record<Exclude<CaseVerb, 'accept'>, string>>>> = {
  'zh-Hans': { ask: '（问题）', resolve: '（办理结果）', transfer: '（部门）' },
  'zh-Hant': { ask: '（問題）', resolve: '（辦理結果）', transfer: '（部門）' },
  en: { ask: '(question)', resolve: '(result)', transfer: '(department)' },
};

// A hint copied without filling it in would send "（问题）" to the complainant.
const PLACEHOLDERS = new Set(Object.values(COMMAND_PLACEHOLDERS).flatMap((byVerb) => Object.values(byVerb)));

interface Word {
  text: string;
  verb: CaseVerb | 'bind';
  script: CommandScript;
}

// The assignment card's button labels are accepted too: staff type what they see.
const EXTRA_WORDS: readonly Word[] = [
  { text: '需补充信息', verb: 'ask', script: 'zh-Hans' },
  { text: '补充信息', verb: 'ask', script: 'zh-Hans' },
  { text: '需補充資料', verb: 'ask', script: 'zh-Hant' },
  { text: '補充資料', verb: 'ask', script: 'zh-Hant' },
  { text: '需補充資訊', verb: 'ask', script: 'zh-Hant' },
  { text: '補充資訊', verb: 'ask', script: 'zh-Hant' },
  { text: '需補充信息', verb: 'ask', script: 'zh-Hant' },
  { text: '補充信息', verb: 'ask', script: 'zh-Hant' },
  { text: '处理完毕', verb: 'resolve', script: 'zh-Hans' },
  { text: '辦結', verb: 'resolve', script: 'zh-Hant' },
  { text: '綁定', verb: 'bind', script: 'zh-Hant' },
  { text: 'need info', verb: 'ask', script: 'en' },
];

// Longest first, so that 需补充信息 wins over 补充.
const WORDS: readonly Word[] = [
  ...EXTRA_WORDS,
  ...(Object.entries(COMMAND_WORDS) as Array<[CommandScript, Record<CaseVerb | 'bind', string>]>).flatMap(([script, words]) =>
    (Object.entries(words) as Array<[CaseVerb | 'bind', string]>).map(([verb, text]) => ({ text, verb, script })),
  ),
].sort((a, b) => b.text.length - a.text.length);

// Staff copy the hint under an assignment ("回复：接单 TS-…") with its lead-in.
const REPLY_PREFIX = /^(?:回复|回覆|回復|reply)\s*[:：]\s*/iu;
// Chinese input methods type full-width colons and commas, and U+3000 for a space.
const SEPARATORS = /^[\s:：,，、;；]+/u;
const CASE_NUMBER_AT_START = new RegExp(`^(?:${CASE_NUMBER_PATTERN.source})`, 'u');
const ASCII_WORD = /^[a-z]/i;
const BIND_CODE = /^[A-Za-z0-9]{4,32}$/;

/** Reads one message from a staff member; free text that is no command is `unknown`. */
export function parseStaffCommand(message: string): StaffCommand {
  const unprefixed = message.trim().replace(REPLY_PREFIX, '');
  // Telegram habits: "/bind CODE", "/accept TS-…".
  const slashed = /^[/／]/u.test(unprefixed);
  const text = slashed ? unprefixed.slice(1) : unprefixed;
  const word = WORDS.find((candidate) => startsWithWord(text, candidate.text));
  if (!word) return { kind: 'unknown' };
  const rest = text.slice(word.text.length).replace(SEPARATORS, '');
  if (word.verb === 'bind') {
    // "/bind" is what an admin's instructions say: it tells nothing of the person's script.
    const bindScript = slashed && word.script === 'en' ? null : word.script;
    // NFKC: a code typed with a full-width keyboard is the same code.
    const code = rest.normalize('NFKC').split(/\s+/u)[0] ?? '';
    return BIND_CODE.test(code)
      ? { kind: 'bind', code, script: bindScript }
      : { kind: 'incomplete', verb: 'bind', missing: 'code', caseNumber: null, script: bindScript };
  }
  const { script } = word;
  const number = CASE_NUMBER_AT_START.exec(rest);
  const caseNumber = number ? parseCaseNumber(number[0])?.caseNumber : undefined;
  if (!number || !caseNumber) return { kind: 'incomplete', verb: word.verb, missing: 'caseNumber', caseNumber: null, script };
  // The free text goes to the complainant as typed: only the separators after the number are dropped.
  const typed = rest.slice(number[0].length).replace(SEPARATORS, '').trimEnd();
  const tail = PLACEHOLDERS.has(typed) ? '' : typed;
  switch (word.verb) {
    case 'accept':
      return { kind: 'accept', caseNumber, script };
    case 'ask':
      return tail ? { kind: 'ask', caseNumber, question: tail, script } : incomplete(word.verb, caseNumber, script);
    case 'resolve':
      return tail ? { kind: 'resolve', caseNumber, result: tail, script } : incomplete(word.verb, caseNumber, script);
    case 'transfer':
      return tail ? { kind: 'transfer', caseNumber, department: tail, script } : incomplete(word.verb, caseNumber, script);
  }
}

function incomplete(verb: CaseVerb, caseNumber: string, script: CommandScript): StaffCommand {
  return { kind: 'incomplete', verb, missing: 'text', caseNumber, script };
}

/**
 * Whether `text` opens with the command word. Chinese words may run straight into the case
 * number ("接单TS-…"); an English word must end where a word ends ("accepted" is no command).
 */
function startsWithWord(text: string, word: string): boolean {
  if (text.length < word.length || text.slice(0, word.length).toLowerCase() !== word.toLowerCase()) return false;
  if (!ASCII_WORD.test(word)) return true;
  const next = text.charAt(word.length);
  return next === '' || !/[A-Za-z]/.test(next);
}
