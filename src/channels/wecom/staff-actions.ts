import { runCaseCommand, type CaseCommandInput } from '../../application/case-commands';
import type { Person } from '../../application/conversation-service';
import type { ChannelIdentity, Staff } from '../../application/ports';
import { bindStaffAccount, type StaffDeskDeps } from '../../application/staff-desk';
import type { Locale, Reply } from '../../conversation/messages';
import { raw, say, t, type Say, type Text } from '../../conversation/text';
import { DomainError } from '../../domain/errors';
import { parseStaffCommand, type StaffCommand } from './commands';
import type { WecomMessage } from './inbound';

// Shown in the usage text when the member typed no number of their own.
const EXAMPLE_NUMBER = 'TS-202611-0001';

interface DepartmentChoice {
  id: string;
  /** Every spelling it answers to: the id and its name in each script, normalised. */
  keys: string[];
  name: Record<Locale, string>;
}

/**
 * One message from a WeCom member. Members bind their account with a code (`绑定 CODE`); a bound
 * staff member acts on a case by typing a command. Every action runs through runCaseCommand, the
 * same use-case entry the admin API uses: it checks that the member may act on the case (the
 * assignee, or a supervisor of its department; never the person complained about), writes the
 * timeline and tells the complainant. The answer is in the script the member writes in.
 */
export async function respondToMember(deps: StaffDeskDeps, person: Person, message: WecomMessage, now: Date): Promise<Reply[]> {
  const { store } = deps.conversations.cases;
  const text = message.kind === 'text' ? message.text : '';
  const command = parseStaffCommand(text);
  const identity = await store.identities.find(person.channel, person.externalId);
  const heard = heardLocale(deps, command, text);
  const locale = heard ?? rememberedLocale(identity) ?? deps.conversations.catalog.defaultLocale;
  const render = (says: Say[]) => deps.conversations.renderer.render(says, locale);

  if (command.kind === 'bind') return bindStaffAccount(deps, person, command.code, locale);
  if (command.kind === 'incomplete' && command.verb === 'bind') return render([say(t('wecom.usage.bind'))]);
  const staff = identity?.kind === 'staff' && identity.staffId ? await store.staff.get(identity.staffId) : null;
  if (!staff?.active) return render([say(t('wecom.notBound'))]);
  if (heard && heard !== identity?.locale) {
    // Notifications go out in the identity's script: the one the member writes in is the best guess.
    await store.identities.upsert({ channel: person.channel, externalId: person.externalId, kind: 'staff', locale: heard });
  }
  return render(await act(deps, staff, command, locale, now));
}

async function act(deps: StaffDeskDeps, staff: Staff, command: StaffCommand, locale: Locale, now: Date): Promise<Say[]> {
  const run = (caseNumber: string, input: CaseCommandInput) => runCaseCommand(deps.conversations, staff, caseNumber, input, now);
  try {
    switch (command.kind) {
      case 'accept': {
        const done = await run(command.caseNumber, { command: 'accept' });
        return [say(t('staff.accepted', { number: raw(done.number) }))];
      }
      case 'ask': {
        const done = await run(command.caseNumber, { command: 'requestInformation', question: command.question });
        return [say(t('staff.questionSent', { number: raw(done.number) }))];
      }
      case 'resolve': {
        const done = await run(command.caseNumber, { command: 'resolve', result: command.result });
        return [say(t('staff.resolved', { number: raw(done.number) }))];
      }
      case 'transfer': {
        const departments = await departmentChoices(deps);
        const target = findDepartment(deps, departments, command.department);
        if (!target) return [say(t('wecom.departmentNotFound', { name: raw(command.department), departments: departmentList(departments, locale) }))];
        const done = await run(command.caseNumber, { command: 'assign', to: { departmentId: target.department.id }, ...(target.reason ? { reason: target.reason } : {}) });
        return [say(t('wecom.transferred', { number: raw(done.number), department: raw(target.department.name[locale]) }))];
      }
      case 'incomplete': {
        const number = raw(command.caseNumber ?? EXAMPLE_NUMBER);
        if (command.verb !== 'transfer') return [say(t(`wecom.usage.${command.verb}`, { number }))];
        const departments = await departmentChoices(deps);
        const example = departments[0]?.name[locale] ?? '';
        return [say(t('wecom.usage.transfer', { number, department: raw(example), departments: departmentList(departments, locale) }))];
      }
      case 'bind':
      case 'unknown':
        return [say(t('wecom.help'))];
    }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
    return [say(t('staff.actionFailed', { reason: reasonOf(error, 'caseNumber' in command ? (command.caseNumber ?? '') : '') }))];
  }
}

/** The use cases' refusals in the member's words; codes without a text keep the use case's own message. */
function reasonOf(error: DomainError, caseNumber: string): Text {
  switch (error.code) {
    case 'CASE.NOT_FOUND':
      return t('wecom.reason.notFound', { number: raw(caseNumber) });
    case 'CASE.FORBIDDEN':
      return t('staff.notYours');
    case 'CASE.ILLEGAL_TRANSITION':
    case 'CASE.FINISHED': {
      const status = error.details.from ?? error.details.status;
      // The status names are written for complainants ("等待您补充信息"): this one needs staff's words.
      if (status === 'awaiting_complainant') return t('wecom.reason.awaitingComplainant');
      return typeof status === 'string' ? t('wecom.reason.wrongStatus', { status: t(`status.${status}`) }) : raw(error.message);
    }
    case 'CASE.ALREADY_ASSIGNED':
      return t('wecom.reason.sameAssignee');
    case 'CASE.NO_ELIGIBLE_STAFF':
      return t('wecom.reason.noStaff');
    default:
      return raw(error.message);
  }
}

/** The script this message shows: the command word's, else what the text is written in; null when it shows none. */
function heardLocale(deps: StaffDeskDeps, command: StaffCommand, text: string): Locale | null {
  if ('script' in command && command.script) return command.script;
  const detected = text.trim() ? deps.conversations.analysis.detect(text) : 'unknown';
  return detected === 'unknown' ? null : detected;
}

function rememberedLocale(identity: ChannelIdentity | null): Locale | null {
  return identity?.locale && identity.locale !== 'unknown' ? identity.locale : null;
}

/** Active departments in the configured order, with the catalog's names in every script (the store keeps what config or an admin gave). */
async function departmentChoices(deps: StaffDeskDeps): Promise<DepartmentChoice[]> {
  const { catalog, analysis } = deps.conversations;
  const order = (id: string) => {
    const index = catalog.departments.findIndex((known) => known.id === id);
    return index < 0 ? catalog.departments.length : index;
  };
  const departments = (await deps.conversations.cases.store.departments.list()).filter((department) => department.active).sort((a, b) => order(a.id) - order(b.id));
  return departments.map((department) => {
    const literal = catalog.departments.find((known) => known.id === department.id)?.name;
    const fallback = department.name['zh-Hans'] ?? Object.values(department.name)[0] ?? department.id;
    const name: Record<Locale, string> = {
      'zh-Hans': literal?.['zh-Hans'] ?? department.name['zh-Hans'] ?? fallback,
      'zh-Hant': literal?.['zh-Hant'] ?? department.name['zh-Hant'] ?? fallback,
      en: literal?.en ?? department.name.en ?? fallback,
    };
    const keys = [department.id, ...Object.values(name), ...Object.values(department.name)].map((key) => normalise(analysis.simplify, key));
    return { id: department.id, keys: [...new Set(keys)], name };
  });
}

/**
 * The department a member typed: an exact id or name; else one whose name opens the text (the
 * rest is the reason for the timeline); else the only one whose name contains it (质量 → 质量管理部).
 */
function findDepartment(deps: StaffDeskDeps, departments: readonly DepartmentChoice[], typed: string): { department: DepartmentChoice; reason: string } | null {
  const wanted = normalise(deps.conversations.analysis.simplify, typed);
  const exact = departments.find((department) => department.keys.includes(wanted));
  if (exact) return { department: exact, reason: '' };
  const opening = departments
    .flatMap((department) => department.keys.filter((key) => wanted.startsWith(key) && /^[\s:：,，、]/u.test(wanted.slice(key.length))).map((key) => ({ department, key })))
    .sort((a, b) => b.key.length - a.key.length)[0];
  if (opening) return { department: opening.department, reason: typed.trim().slice(opening.key.length).replace(/^[\s:：,，、]+/u, '').trim() };
  const containing = departments.filter((department) => department.keys.some((key) => key.includes(wanted)));
  return containing.length === 1 && wanted.length > 0 ? { department: containing[0]!, reason: '' } : null;
}

function normalise(simplify: (text: string) => string, text: string): string {
  return simplify(text.normalize('NFKC').trim()).toLowerCase();
}

function departmentList(departments: readonly DepartmentChoice[], locale: Locale): Text {
  return raw(departments.map((department) => department.name[locale]).join(locale === 'en' ? ', ' : '、'));
}
