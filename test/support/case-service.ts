import type { CaseServiceDeps } from '../../src/application/case-service';
import { createEventBus } from '../../src/application/event-bus';
import type { Store } from '../../src/application/ports';
import type { DomainEvent, DomainEventType } from '../../src/domain/domain-events';
import { createSimplifier } from '../../src/i18n/simplify';
import { defaultConfig } from './app-config';

const simplify = createSimplifier();

const DOMAIN_EVENT_TYPES = [
  'CaseSubmitted',
  'CaseAssigned',
  'CaseStatusChanged',
  'CaseEscalated',
  'CaseNoteAdded',
  'CaseDeadlinesChanged',
  'CaseSlaTimerFired',
  'CaseReplied',
  'CaseSeverityChanged',
  'CaseProgressReported',
] as const satisfies readonly DomainEventType[];
// Does not compile while an event type is missing from the list: the error names it.
type Unlisted = Exclude<DomainEventType, (typeof DOMAIN_EVENT_TYPES)[number]>;
const everyTypeListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyTypeListed;

/** The use-case dependencies on the shipped policy, recording every published domain event. */
export function caseServiceFor(store: Store): CaseServiceDeps & { published: DomainEvent[] } {
  const config = defaultConfig();
  const published: DomainEvent[] = [];
  const events = createEventBus((error) => {
    throw error;
  });
  for (const type of DOMAIN_EVENT_TYPES) {
    events.subscribe(type, (event) => {
      published.push(event);
    });
  }
  return { store, policy: config.policy, calendar: config.calendar, simplify, events, published };
}
