import type { NewCaseEvent } from '../application/ports';

/**
 * What one batch of a case's events adds to the figures a report counts. The case row keeps the
 * running totals (schema.ts, "What the reports count"), so a month's report reads cases alone
 * instead of every case's timeline.
 */
export interface ReportFacts {
  /** The earliest accept or reject. */
  acknowledgedAt: Date | null;
  /** The earliest resolution. */
  resolvedAt: Date | null;
  /** The earliest breach of the resolve limit. */
  resolveBreachAt: Date | null;
  ratings: number;
  satisfiedRatings: number;
  reopened: boolean;
}

const earliest = (current: Date | null, at: Date): Date => (current === null || at < current ? at : current);

/** The facts of each case the events touch; a case none of whose events counts is left out. */
export function reportFactsOf(events: readonly NewCaseEvent[]): Map<string, ReportFacts> {
  const byCase = new Map<string, ReportFacts>();
  const factsOf = (caseId: string): ReportFacts => {
    let facts = byCase.get(caseId);
    if (!facts) {
      facts = { acknowledgedAt: null, resolvedAt: null, resolveBreachAt: null, ratings: 0, satisfiedRatings: 0, reopened: false };
      byCase.set(caseId, facts);
    }
    return facts;
  };
  for (const event of events) {
    const { caseId, at, type, data } = event;
    if (type === 'status_changed') {
      const { action } = data;
      if (action === 'accept' || action === 'reject') factsOf(caseId).acknowledgedAt = earliest(factsOf(caseId).acknowledgedAt, at);
      else if (action === 'resolve') factsOf(caseId).resolvedAt = earliest(factsOf(caseId).resolvedAt, at);
      else if (action === 'reopen') factsOf(caseId).reopened = true;
    } else if (type === 'sla_breached' && data.clock === 'resolve') {
      factsOf(caseId).resolveBreachAt = earliest(factsOf(caseId).resolveBreachAt, at);
    } else if (type === 'rated') {
      const facts = factsOf(caseId);
      facts.ratings += 1;
      if (data.satisfied === true) facts.satisfiedRatings += 1;
    }
  }
  return byCase;
}

/**
 * The same facts computed from the whole of case_events, for rows written without
 * caseEventRepository.append (migration 0005 ran it once on existing data; the benches' bulk
 * seed runs it after inserting events by SQL). Keep it in step with reportFactsOf.
 */
export const RECOMPUTE_REPORT_FACTS_SQL = `
update cases c set
  first_acknowledged_at = e.first_acknowledged_at,
  first_resolved_at = e.first_resolved_at,
  first_resolve_breach_at = e.first_resolve_breach_at,
  ratings = e.ratings,
  satisfied_ratings = e.satisfied_ratings,
  reopened = e.reopened
from (
  select ev.case_id,
    min(ev.at) filter (where ev.type = 'status_changed' and ev.data->>'action' in ('accept', 'reject')) as first_acknowledged_at,
    min(ev.at) filter (where ev.type = 'status_changed' and ev.data->>'action' = 'resolve') as first_resolved_at,
    min(ev.at) filter (where ev.type = 'sla_breached' and ev.data->>'clock' = 'resolve') as first_resolve_breach_at,
    (count(*) filter (where ev.type = 'rated'))::int as ratings,
    (count(*) filter (where ev.type = 'rated' and ev.data->'satisfied' = 'true'::jsonb))::int as satisfied_ratings,
    coalesce(bool_or(ev.type = 'status_changed' and ev.data->>'action' = 'reopen'), false) as reopened
  from case_events ev
  where ev.type in ('status_changed', 'sla_breached', 'rated')
  group by ev.case_id
) e
where e.case_id = c.id`;
