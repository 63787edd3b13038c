import type { Case } from '../../src/domain/case';
import { pauseClock, startClock, type SlaClock } from '../../src/domain/sla';
import { slaTimers, type SlaTimerPolicy } from '../../src/domain/sla-timers';
import { defaultConfig } from '../support/app-config';

// The shipped calendar: Asia/Shanghai, 9-12 and 13-18, the 2026 holidays and 调休 days.
const { calendar: cal, policy } = defaultConfig();
const timerPolicy: SlaTimerPolicy = { warnAtFraction: policy.sla.warnAtFraction, ratingReminder: policy.sla.ratingReminder };

/** Shanghai wall-clock time, e.g. at('2026-11-18 10:00'). */
const at = (local: string) => new Date(`${local.replace(' ', 'T')}:00+08:00`);

type Timeline = Array<[string, string, string]>;
const listed = (record: Pick<Case, 'status' | 'sla'>): Timeline =>
  slaTimers(record, cal, timerPolicy).map((timer) => [timer.clock, timer.kind, timer.at.toISOString()]);

describe('slaTimers', () => {
  // Wednesday 2026-11-18 10:00: a complaint just submitted and assigned.
  const submitted = at('2026-11-18 10:00');
  const fresh: Case['sla'] = {
    acknowledge: startClock(cal, policy.sla.acknowledge, submitted),
    firstContact: startClock(cal, policy.sla.firstContact, submitted),
    resolve: startClock(cal, policy.sla.resolveGeneral, submitted),
  };

  it('lists a warning at 80% and the breach at the deadline of every running clock, earliest first', () => {
    expect(listed({ status: 'registered', sla: fresh })).toEqual<Timeline>([
      ['firstContact', 'warn', at('2026-11-18 17:24').toISOString()],
      // 24 calendar hours: 80% is 19.2 hours, through the night.
      ['acknowledge', 'warn', at('2026-11-19 05:12').toISOString()],
      ['acknowledge', 'breach', at('2026-11-19 10:00').toISOString()],
      ['firstContact', 'breach', at('2026-11-19 10:00').toISOString()],
      ['resolve', 'warn', at('2026-11-20 14:12').toISOString()],
      ['resolve', 'breach', at('2026-11-23 10:00').toISOString()],
    ]);
  });

  it('leaves out warnings given, breaches acted on and paused clocks', () => {
    const sla: Case['sla'] = {
      acknowledge: { ...fresh.acknowledge!, warnedAt: at('2026-11-19 05:12').toISOString() },
      firstContact: { ...fresh.firstContact!, warnedAt: at('2026-11-18 17:24').toISOString(), breachedAt: at('2026-11-19 10:00').toISOString() },
      resolve: pauseClock(cal, fresh.resolve!, at('2026-11-18 11:00')),
    };
    expect(listed({ status: 'awaiting_complainant', sla })).toEqual<Timeline>([['acknowledge', 'breach', at('2026-11-19 10:00').toISOString()]]);
  });

  it('has none for a finished case', () => {
    for (const status of ['closed', 'rejected', 'withdrawn'] as const) expect(listed({ status, sla: fresh })).toEqual([]);
  });

  describe('after resolution, across the 国庆 holidays', () => {
    // Resolved Wednesday 30 September 10:00; 1-7 October are holidays, Saturday 10 October is a 调休 working day.
    const returnVisit: SlaClock = startClock(cal, policy.sla.returnVisit, at('2026-09-30 10:00'));
    const resolved: Pick<Case, 'status' | 'sla'> = { status: 'resolved', sla: { resolve: pauseClock(cal, fresh.resolve!, at('2026-09-30 10:00')), returnVisit } };

    it('reminds the complainant to rate after 2 working days and closes after 5', () => {
      expect(listed(resolved)).toEqual<Timeline>([
        ['ratingReminder', 'remind', at('2026-10-09 10:00').toISOString()],
        ['returnVisit', 'warn', at('2026-10-12 10:00').toISOString()],
        ['returnVisit', 'breach', at('2026-10-13 10:00').toISOString()],
      ]);
    });

    it('reminds once', () => {
      const reminded = { ...resolved, sla: { ...resolved.sla, returnVisit: { ...returnVisit, remindedAt: at('2026-10-09 10:00').toISOString() } } };
      expect(listed(reminded).map(([clock]) => clock)).toEqual(['returnVisit', 'returnVisit']);
    });

    it('does not remind once the case was closed or reopened', () => {
      expect(listed({ ...resolved, status: 'closed' })).toEqual([]);
      expect(listed({ status: 'reopened', sla: { returnVisit: pauseClock(cal, returnVisit, at('2026-10-08 10:00')) } })).toEqual([]);
    });
  });
});
