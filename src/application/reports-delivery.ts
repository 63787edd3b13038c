import { isWorkingDay, localDateAt } from '../domain/working-calendar';
import { instantOfWallClock } from '../domain/time-zone';
import { distinct } from './case-recipients';
import type { Staff, Store } from './ports';
import { monthPeriod, shiftMonth, summaryReport, type ReportDeps } from './reports';

export interface ReportDeliveryDeps extends ReportDeps {
  store: Pick<Store, 'reports' | 'departments' | 'staff' | 'outbox'>;
  /** Base of the link to the HTML report; without it the brief carries no link. */
  publicUrl?: string;
  /**
   * Claims a period for a recipient once (a Redis SET NX in production): false when it was
   * already sent, so a job that runs twice sends nothing twice.
   */
  claim(key: string): Promise<boolean>;
  release(key: string): Promise<void>;
}

export interface DuePeriod {
  kind: 'monthly_report' | 'weekly_brief';
  /** 'YYYY-MM' for the monthly report, the Monday 'YYYY-MM-DD' for the weekly brief. */
  period: string;
  from: Date;
  to: Date;
  /** The month whose HTML report the message links to. */
  month: string;
}

const DAY_MS = 86_400_000;

const localMidnight = (date: string, timeZone: string) => {
  const [year, month, day] = date.split('-').map(Number);
  return instantOfWallClock(Date.UTC(year!, month! - 1, day!), timeZone);
};
const addDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * What is due on the local day of `now`: on the month's first working day the previous month's
 * report; on a Monday the brief of the week before (Monday to Sunday).
 */
export function duePeriods(deps: Pick<ReportDeps, 'calendar'>, now: Date): DuePeriod[] {
  const { calendar } = deps;
  const today = localDateAt(calendar, now);
  const due: DuePeriod[] = [];
  const monthStart = `${today.slice(0, 8)}01`;
  let firstWorkingDay = monthStart;
  while (!isWorkingDay(calendar, firstWorkingDay)) firstWorkingDay = addDays(firstWorkingDay, 1);
  if (today === firstWorkingDay) {
    const month = shiftMonth(today.slice(0, 7), -1);
    due.push({ kind: 'monthly_report', period: month, month, ...monthPeriod(month, calendar.timeZone) });
  }
  if (new Date(`${today}T00:00:00Z`).getUTCDay() === 1) {
    const monday = addDays(today, -7);
    due.push({ kind: 'weekly_brief', period: monday, month: addDays(today, -1).slice(0, 7), from: localMidnight(monday, calendar.timeZone), to: localMidnight(today, calendar.timeZone) });
  }
  return due;
}

/** Every active department manager and the leadership (supervisors without a department). */
export async function reportRecipients(store: ReportDeliveryDeps['store']): Promise<Staff[]> {
  const managers = (await store.departments.list()).filter((department) => department.active && department.managerStaffId).map((department) => department.managerStaffId!);
  const leaders = (await store.staff.supervisors(null)).map((member) => member.id);
  const members = await Promise.all(distinct([...managers, ...leaders]).map((id) => store.staff.get(id)));
  return members.filter((member): member is Staff => !!member?.active);
}

const percent = (rate: number | null) => (rate === null ? '—' : `${(rate * 100).toFixed(1)}%`);

/**
 * Writes the due report of each period to the outbox for every recipient, with the figures
 * they may see (a department manager their department). Returns the messages written.
 */
export async function deliverDueReports(deps: ReportDeliveryDeps, now: Date): Promise<number> {
  const due = duePeriods(deps, now);
  if (due.length === 0) return 0;
  const recipients = await reportRecipients(deps.store);
  let written = 0;
  for (const period of due) {
    for (const recipient of recipients) {
      const key = `${period.kind}:${period.period}:${recipient.id}`;
      if (!(await deps.claim(key))) continue;
      try {
        const report = await summaryReport(deps, recipient, { from: period.from, to: period.to, groupBy: 'category' }, now);
        const { total } = report;
        await deps.store.outbox.add([
          {
            caseId: null,
            recipient: { kind: 'staff', staffId: recipient.id },
            kind: period.kind,
            payload: {
              period: period.period,
              from: period.from.toISOString(),
              to: period.to.toISOString(),
              received: total.received,
              acknowledgedWithin24hRate: percent(total.acknowledgedWithin24hRate),
              resolvedOnTimeRate: percent(total.resolvedOnTimeRate),
              resolutionRate: percent(total.resolutionRate),
              satisfactionRate: percent(total.satisfactionRate),
              repeatRate: percent(total.repeatRate),
              overdue: report.overdue.total,
              ...(deps.publicUrl ? { link: `${deps.publicUrl.replace(/\/$/, '')}/admin/reports/monthly.html?month=${period.month}` } : {}),
            },
          },
        ]);
        written += 1;
      } catch (error) {
        await deps.release(key);
        throw error;
      }
    }
  }
  return written;
}
