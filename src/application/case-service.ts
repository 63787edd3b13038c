import type { Policy } from '../config/policy.schema';
import type { WorkingCalendar } from '../domain/working-calendar';
import type { EventBus } from './event-bus';
import type { Store } from './ports';

/** Everything the case use cases need; built once in main.ts, or by a test. */
export interface CaseServiceDeps {
  store: Store;
  policy: Policy;
  calendar: WorkingCalendar;
  /** Traditional → simplified, for search and matching "the same matter". */
  simplify: (text: string) => string;
  events: EventBus;
}
