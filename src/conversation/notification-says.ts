import type { CaseStatus } from '../domain/case-lifecycle';
import { date, raw, say, t, type Say } from './text';

/**
 * What to tell someone about a change, by outbox kind. Null: nothing to say in chat for that kind.
 * Payloads come from the use cases that wrote the outbox rows.
 */
export function notificationSays(kind: string, payload: Record<string, unknown>): Say[] | null {
  const number = raw(String(payload.number ?? ''));
  const text = (name: string) => raw(typeof payload[name] === 'string' ? (payload[name] as string) : '');
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
      return [say(payload.reason ? t('notify.statusChangedWithReason', { number, status, reason: text('reason') }) : t('notify.statusChanged', { number, status }))];
    }
    case 'case_assigned':
      return [say(t('notify.caseAssigned', { number }))];
    case 'case_reassigned_away':
      return [say(t('notify.caseReassignedAway', { number }))];
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
