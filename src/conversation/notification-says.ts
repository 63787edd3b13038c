import type { CaseStatus } from '../domain/case-lifecycle';
import type { Catalog } from './catalog';
import { date, literal, quote, raw, say, t, type Say, type Text } from './text';

/** Staff actions offered on an assignment; the id carries the case so a press needs no other state. */
export const STAFF_ACTIONS = ['accept', 'needInfo', 'resolve', 'transfer'] as const;
export type StaffAction = (typeof STAFF_ACTIONS)[number];
export const staffActionId = (action: StaffAction, caseId: string) => `staff:${action}:${caseId}`;

/**
 * What to tell someone about a change, by outbox kind. Null: nothing to say in chat for that kind.
 * Payloads come from the use cases that wrote the outbox rows.
 */
export function notificationSays(kind: string, payload: Record<string, unknown>, catalog?: Pick<Catalog, 'categories'>): Say[] | null {
  const number = raw(String(payload.number ?? ''));
  const text = (name: string) => quote(typeof payload[name] === 'string' ? (payload[name] as string) : '');
  const instant = (name: string) => (typeof payload[name] === 'string' ? date(new Date(payload[name] as string)) : raw('—'));
  switch (kind) {
    case 'chat_replies':
      return null; // already rendered: the payload carries the replies themselves
    case 'case_received':
      return [
        say(
          t('notify.caseReceived', {
            type: t(`caseType.${String(payload.type ?? 'complaint')}`),
            number,
            ackBy: typeof payload.acknowledgeBy === 'string' ? date(new Date(payload.acknowledgeBy)) : raw('—'),
          }),
        ),
      ];
    case 'status_changed': {
      const status = t(`status.${payload.status as CaseStatus}`);
      // A reason the system gives is a key, said in the reader's language; staff's own words are quoted.
      const reason = typeof payload.reasonKey === 'string' ? t(`notify.statusReason.${payload.reasonKey}`) : payload.reason ? text('reason') : null;
      return [say(reason ? t('notify.statusChangedWithReason', { number, status, reason }) : t('notify.statusChanged', { number, status }))];
    }
    case 'staff_reply':
      return [say(t('notify.staffReply', { number, text: text('text') }))];
    case 'sla_warning':
      return [say(t('notify.slaWarning', { number, limit: t(`slaLimit.${String(payload.clock)}`), deadline: instant('deadline') }))];
    case 'sla_breached':
      return [
        say(
          t('notify.slaBreached', { number, limit: t(`slaLimit.${String(payload.clock)}`), deadline: instant('deadline'), level: t(`escalation.${String(payload.level)}`) }),
        ),
      ];
    case 'progress_update': {
      const status = t(`status.${payload.status as CaseStatus}`);
      return [say(typeof payload.resolveBy === 'string' ? t('notify.progressUpdate', { number, status, resolveBy: instant('resolveBy') }) : t('notify.progressUpdateNoDate', { number, status }))];
    }
    case 'deadline_extended':
      return [
        say(
          typeof payload.deadline === 'string'
            ? t('notify.deadlineExtended', { number, deadline: instant('deadline'), reason: text('reason') })
            : t('notify.deadlineExtendedNoDate', { number, reason: text('reason') }),
        ),
      ];
    case 'case_assigned':
      return typeof payload.caseId === 'string' ? assignmentCard(payload, payload.caseId, catalog) : [say(t('notify.caseAssigned', { number }))];
    case 'case_reassigned_away':
      return [say(t('notify.caseReassignedAway', { number }))];
    case 'monthly_report':
    case 'weekly_brief': {
      const figure = (name: string) => raw(String(payload[name] ?? '—'));
      return [
        say(
          t(kind === 'monthly_report' ? 'notify.monthlyReport' : 'notify.weeklyBrief', {
            period: figure('period'),
            received: figure('received'),
            ack: figure('acknowledgedWithin24hRate'),
            onTime: figure('resolvedOnTimeRate'),
            resolution: figure('resolutionRate'),
            satisfaction: figure('satisfactionRate'),
            repeat: figure('repeatRate'),
            overdue: figure('overdue'),
            link: raw(typeof payload.link === 'string' ? payload.link : ''),
          }),
        ),
      ];
    }
    case 'major_case':
      return [say(t('notify.majorCase', { number }))];
    case 'case_rated':
      return [say(payload.satisfied ? t('notify.caseRatedSatisfied', { number }) : t('notify.caseRatedUnsatisfied', { number, reason: text('reason') }))];
    case 'information_received':
      return [say(t('notify.informationReceived', { number, text: text('text') }))];
    case 'complainant_unreachable':
      return [say(t('notify.complainantUnreachable', { number }))];
    default:
      return null;
  }
}

function assignmentCard(payload: Record<string, unknown>, caseId: string, catalog: Pick<Catalog, 'categories'> | undefined): Say[] {
  const category = catalog?.categories.find((c) => c.id === payload.category);
  const value = (name: string): Text => raw(typeof payload[name] === 'string' ? (payload[name] as string) : '—');
  return [
    {
      kind: 'caseCard',
      title: t('staff.cardTitle', { number: raw(String(payload.number)), severity: t(`severity.${String(payload.severity ?? 'general')}`) }),
      lines: [
        { label: t('field.type'), value: t(`caseType.${String(payload.type ?? 'complaint')}`) },
        { label: t('staff.category'), value: category ? literal(category.label) : value('category') },
        { label: t('staff.summary'), value: value('summary') },
        { label: t('staff.complainant'), value: typeof payload.complainant === 'string' ? raw(payload.complainant) : t('staff.confidential') },
        { label: t('staff.deadline'), value: typeof payload.deadline === 'string' ? date(new Date(payload.deadline)) : raw('—') },
      ],
    },
    {
      kind: 'choices',
      text: t('notify.caseAssigned', { number: raw(String(payload.number)) }),
      choices: STAFF_ACTIONS.map((action) => ({ id: staffActionId(action, caseId), label: t(`staff.${action}`) })),
    },
  ];
}
