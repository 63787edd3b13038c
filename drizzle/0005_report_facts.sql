DROP INDEX "case_events_report_idx";--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "first_acknowledged_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "first_resolved_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "first_resolve_breach_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "ratings" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "satisfied_ratings" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "cases" ADD COLUMN "reopened" boolean DEFAULT false NOT NULL;--> statement-breakpoint
-- The facts of the cases filed before this version, from their events (src/persistence/report-facts.ts).
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
where e.case_id = c.id;
