import type { Policy } from '../config/policy.schema';
import type { RoutingRule } from '../domain/routing';
import type { WorkingCalendar } from '../domain/working-calendar';
import type { EventBus } from './event-bus';
import type { Store } from './ports';

/** The configured routing rules in the shape the domain's routing takes. */
export function routingRules(policy: Policy): RoutingRule[] {
  return policy.routing.rules.map((rule) => ({ category: rule.category, departmentId: rule.department }));
}

/** Everything the case use cases need; built once in main.ts, or by a test. */
export interface CaseServiceDeps {
  store: Store;
  policy: Policy;
  calendar: WorkingCalendar;
  /** Traditional → simplified, for search and matching "the same matter". */
  simplify: (text: string) => string;
  events: EventBus;
}
