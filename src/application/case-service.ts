import type { Policy } from '../config/policy.schema';
import type { RoutingRule } from '../domain/routing';
import type { WorkingCalendar } from '../domain/working-calendar';
import type { EventBus } from './event-bus';
import type { Repositories, Store } from './ports';

/** The configured routing rules in the shape the domain's routing takes. */
export function routingRules(policy: Policy): RoutingRule[] {
  return policy.routing.rules.map((rule) => ({ category: rule.category, departmentId: rule.department }));
}

/** The rules in force: config/policy.yaml, with the categories re-routed through the admin API taking their place. */
export async function effectiveRoutingRules(deps: { policy: Policy }, repos: Pick<Repositories, 'routing'>): Promise<Array<RoutingRule & { source: 'config' | 'api' }>> {
  const overrides = new Map((await repos.routing.list()).map((rule) => [rule.category, rule.departmentId]));
  const configured = routingRules(deps.policy).map((rule) => {
    const override = overrides.get(rule.category);
    return override ? { category: rule.category, departmentId: override, source: 'api' as const } : { ...rule, source: 'config' as const };
  });
  const added = [...overrides].filter(([category]) => !configured.some((rule) => rule.category === category)).map(([category, departmentId]) => ({ category, departmentId, source: 'api' as const }));
  return [...configured, ...added];
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
