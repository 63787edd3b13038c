import type { Choice, Reply } from '../../conversation/messages';
import { CASE_NUMBER_PATTERN } from '../../domain/case-number';
import { APP_TEXT_BYTES, TEXTCARD_DESCRIPTION_BYTES, type WecomAppMessage } from './api-client';
import { COMMAND_PLACEHOLDERS, COMMAND_WORDS, type CaseVerb, type CommandScript } from './commands';
import { splitUtf8, truncateUtf8, utf8Bytes } from './utf8';

export interface WecomRenderOptions {
  /**
   * The case's page for staff; with it an assignment becomes a text card (shown in WeChat too)
   * whose button opens the page, without it a markdown message.
   */
  caseUrl?: (caseId: string) => string;
  /**
   * `text` for organisations whose staff read WeCom inside WeChat (微信插件), which shows
   * markdown as "unsupported". Default `markdown`.
   */
  cards?: 'markdown' | 'text';
}

/** The assignment card's buttons (notification-says.ts) and the command each one becomes. */
const ACTION_VERBS: Readonly<Record<string, CaseVerb>> = { accept: 'accept', needInfo: 'ask', resolve: 'resolve', transfer: 'transfer' };
const STAFF_ACTION = /^staff:(\w+):([0-9a-f-]{36})$/;
// A line cut shorter than this says nothing; it is left out instead.
const MIN_LINE_BYTES = 24;

/** How a command is written, per script: WeCom has no buttons, so staff type the command. */
const HINTS: Readonly<Record<CommandScript, { reply: string; details: string }>> = {
  'zh-Hans': { reply: '回复：', details: '详情' },
  'zh-Hant': { reply: '回覆：', details: '詳情' },
  en: { reply: 'Reply: ', details: 'Open' },
};

// Traditional characters of the card's button labels (接單, 需補充資料, 處理完畢, 轉派) and their variants.
const TRADITIONAL_LABEL = /[單補資訊辦轉處畢]/u;

interface Assignment {
  caseId: string;
  title: string | null;
  lines: ReadonlyArray<{ label: string; value: string }>;
  lead: string;
  /** As staff type them, e.g. `补充 TS-202611-0001 （问题）`. */
  commands: string[];
  script: CommandScript;
}

/** Replies for one member as application messages, in order; an assignment card and its buttons become one message. */
export function toWecomMessages(replies: readonly Reply[], options: WecomRenderOptions = {}): WecomAppMessage[] {
  const messages: WecomAppMessage[] = [];
  for (let index = 0; index < replies.length; index += 1) {
    const reply = replies[index]!;
    const next = replies[index + 1];
    if (reply.kind === 'caseCard' && next?.kind === 'choices') {
      const assignment = assignmentOf(next, reply.card);
      if (assignment) {
        messages.push(...assignmentMessages(assignment, options));
        index += 1;
        continue;
      }
    }
    if (reply.kind === 'choices') {
      const assignment = assignmentOf(reply, null);
      if (assignment) {
        messages.push(...assignmentMessages(assignment, options));
        continue;
      }
    }
    if (reply.kind === 'caseCard' && options.cards !== 'text') {
      messages.push(...markdown([`**${escapeMarkdown(reply.card.title)}**`, ...reply.card.lines.map((line) => `> ${escapeMarkdown(line.label)}：${escapeMarkdown(line.value)}`)]));
      continue;
    }
    messages.push(...texts(toWecomText(reply)));
  }
  return messages;
}

/** One reply as plain text: the passive answer to a callback, and the `text` message type. */
export function toWecomText(reply: Reply): string {
  switch (reply.kind) {
    case 'text':
      return reply.text;
    case 'choices': {
      const assignment = assignmentOf(reply, null);
      if (assignment) return [reply.text, ...assignment.commands.map((command) => hintLine(assignment.script, command))].join('\n');
      return [reply.text, ...reply.choices.map((choice) => `· ${choice.label}`)].join('\n');
    }
    case 'caseCard':
      return [`【${reply.card.title}】`, ...reply.card.lines.map((line) => `${line.label}：${line.value}`)].join('\n');
  }
}

/** All replies as one text (a passive answer carries one message). Empty when there is nothing to say. */
export function toWecomPassiveText(replies: readonly Reply[]): string {
  return replies
    .map(toWecomText)
    .filter((text) => text.trim() !== '')
    .join('\n\n');
}

function assignmentOf(reply: Extract<Reply, { kind: 'choices' }>, card: { title: string; lines: ReadonlyArray<{ label: string; value: string }> } | null): Assignment | null {
  const actions = reply.choices.map((choice) => ({ match: STAFF_ACTION.exec(choice.id) }));
  if (actions.length === 0 || actions.some(({ match }) => !match || !ACTION_VERBS[match[1]!])) return null;
  const caseId = actions[0]!.match![2]!;
  // The buttons carry the case id; staff type the number, which the card and its question show.
  const number = CASE_NUMBER_PATTERN.exec(reply.text)?.[0] ?? (card ? CASE_NUMBER_PATTERN.exec(card.title)?.[0] : undefined);
  if (!number) return null;
  const script = scriptOf(reply.choices);
  const commands = actions.map(({ match }) => {
    const verb = ACTION_VERBS[match![1]!]!;
    const word = `${COMMAND_WORDS[script][verb]} ${number}`;
    return verb === 'accept' ? word : `${word} ${COMMAND_PLACEHOLDERS[script][verb]}`;
  });
  return { caseId, title: card?.title ?? null, lines: card?.lines ?? [], lead: reply.text, commands, script };
}

function scriptOf(choices: readonly Choice[]): CommandScript {
  const labels = choices.map((choice) => choice.label).join('');
  if (/^[\x20-\x7e]*$/.test(labels)) return 'en';
  return TRADITIONAL_LABEL.test(labels) ? 'zh-Hant' : 'zh-Hans';
}

const hintLine = (script: CommandScript, command: string) => `${HINTS[script].reply}${command}`;

function assignmentMessages(assignment: Assignment, options: WecomRenderOptions): WecomAppMessage[] {
  const { script } = assignment;
  const url = options.caseUrl?.(assignment.caseId);
  if (url) return [textCard(assignment, url)];
  if (options.cards === 'text') {
    const card = assignment.title ? [`【${assignment.title}】`, ...assignment.lines.map((line) => `${line.label}：${line.value}`), ''] : [];
    return texts([...card, assignment.lead, ...assignment.commands.map((command) => hintLine(script, command))].join('\n'));
  }
  return markdown([
    ...(assignment.title ? [`**${escapeMarkdown(assignment.title)}**`] : []),
    ...assignment.lines.map((line) => `> ${escapeMarkdown(line.label)}：<font color="comment">${escapeMarkdown(line.value)}</font>`),
    '',
    escapeMarkdown(assignment.lead),
    // Inline code sets the command apart from the prose around it.
    ...assignment.commands.map((command) => `${HINTS[script].reply}\`${command.replaceAll('`', '')}\``),
  ]);
}

/**
 * A text card: the title, the card's lines and the commands, within 512 bytes of description.
 * The description takes a little HTML (div classes gray / normal / highlight); the staff's and
 * complainant's words are made inert by full-width brackets, which also keeps the byte count known.
 */
function textCard(assignment: Assignment, url: string): WecomAppMessage {
  const { reply } = HINTS[assignment.script];
  // The lead-in is written once: 512 bytes hold little Chinese.
  const commands = assignment.commands.map((command, index) => div('highlight', index === 0 ? `${reply}${command}` : command));
  const lines = assignment.lines.map((line) => inert(`${line.label}：${line.value}`));
  const size = () => [...lines.map((line) => div('normal', line)), ...commands].reduce((sum, part) => sum + utf8Bytes(part), 0);
  // The longest line (the summary) gives way first, so the short ones (the deadline) all stay.
  for (let overflow = size() - TEXTCARD_DESCRIPTION_BYTES; overflow > 0 && lines.length > 0; overflow = size() - TEXTCARD_DESCRIPTION_BYTES) {
    const longest = lines.reduce((best, line, index) => (utf8Bytes(line) > utf8Bytes(lines[best]!) ? index : best), 0);
    const room = utf8Bytes(lines[longest]!) - overflow;
    if (room >= MIN_LINE_BYTES) lines[longest] = truncateUtf8(lines[longest]!, room);
    else lines.splice(longest, 1);
  }
  return {
    msgtype: 'textcard',
    title: assignment.title ?? assignment.lead,
    description: [...lines.map((line) => div('normal', line)), ...commands].join(''),
    url,
    btntxt: HINTS[assignment.script].details,
  };
}

function div(kind: 'normal' | 'highlight', text: string): string {
  return `<div class="${kind}">${inert(text)}</div>`;
}

function inert(text: string): string {
  return text.replaceAll('<', '＜').replaceAll('>', '＞').replaceAll('&', '＆').replace(/\s*\n\s*/g, ' ');
}

/**
 * WeCom's markdown has no escape character: characters that would start bold, code, links or
 * tags become their full-width twins, and line breaks inside a value become spaces.
 */
function escapeMarkdown(text: string): string {
  return text
    .replace(/\s*\n\s*/g, ' ')
    .replace(/[*`[\]<>_#]/g, (character) => String.fromCharCode(character.charCodeAt(0) + 0xfee0));
}

function markdown(lines: readonly string[]): WecomAppMessage[] {
  return splitUtf8(lines.join('\n'), APP_TEXT_BYTES).map((content) => ({ msgtype: 'markdown', content }));
}

function texts(text: string): WecomAppMessage[] {
  if (text.trim() === '') return [];
  return splitUtf8(text, APP_TEXT_BYTES).map((content) => ({ msgtype: 'text', content }));
}
