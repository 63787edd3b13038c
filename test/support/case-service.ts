import type { CaseServiceDeps } from '../../src/application/case-service';
import { createEventBus } from '../../src/application/event-bus';
import type { Store } from '../../src/application/ports';
import type { DomainEvent } from '../../src/domain/domain-events';
import { createSimplifier } from '../../src/i18n/simplify';
import { defaultConfig } from './app-config';

const simplify = createSimplifier();

/** The use-case dependencies on the shipped policy, recording every published domain event. */
export function caseServiceFor(store: Store): CaseServiceDeps & { published: DomainEvent[] } {
  const config = defaultConfig();
  const published: DomainEvent[] = [];
  const events = createEventBus((error) => {
    throw error;
  });
  for (const type of ['CaseSubmitted', 'CaseAssigned', 'CaseStatusChanged', 'CaseEscalated', 'CaseNoteAdded'] as const) {
    events.subscribe(type, (event) => {
      published.push(event);
    });
  }
  return { store, policy: config.policy, calendar: config.calendar, simplify, events, published };
}
