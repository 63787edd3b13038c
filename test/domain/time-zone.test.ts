import { instantOfWallClock, wallClock, zoneOffsetMs } from '../../src/domain/time-zone';

/** The wall clock as Intl formats it, field by field: what the cached offsets must agree with. */
function intlWallClock(instant: Date, timeZone: string) {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(instant);
  const field = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return { year: field('year'), month: field('month'), day: field('day'), hour: field('hour'), minute: field('minute'), second: field('second') };
}

// Daylight saving both ways, a half-hour DST (Lord Howe), odd offsets (Kathmandu), and zones whose
// history starts with local mean time offsets in seconds (Shanghai 1901: +8:05:43).
const ZONES = ['Asia/Shanghai', 'Asia/Hong_Kong', 'Asia/Taipei', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'Pacific/Chatham'];

describe('the wall clock in a time zone', () => {
  it('agrees with Intl at random instants from 1890 to 2040, including the hours around offset changes', () => {
    let seed = 20261205;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const from = Date.UTC(1890, 0, 1);
    const to = Date.UTC(2040, 0, 1);
    const mismatches: string[] = [];
    for (const zone of ZONES) {
      const instants = Array.from({ length: 3000 }, () => new Date(from + Math.floor(random() * (to - from))));
      // Every 10 minutes across changes: the 2026 daylight-saving changes, Lord Howe's at 15:30 UTC
      // (mid-hour), Kathmandu's +5:30 → +5:45 at 18:30 UTC on 1985-12-31, Shanghai leaving LMT
      // (+8:05:43) at 15:54:17 UTC on 1900-12-31.
      const changes = [Date.UTC(2026, 2, 8), Date.UTC(2026, 2, 29), Date.UTC(2026, 3, 5), Date.UTC(2026, 8, 27), Date.UTC(2026, 9, 4), Date.UTC(2026, 9, 25), Date.UTC(2026, 10, 1)];
      for (const start of [...changes, Date.UTC(1985, 11, 31), Date.UTC(1900, 11, 31)]) {
        for (let t = start - 86_400_000; t < start + 86_400_000; t += 600_000 + 1234) instants.push(new Date(t));
      }
      for (const instant of instants) {
        const expected = intlWallClock(instant, zone);
        const actual = wallClock(instant, zone);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) mismatches.push(`${zone} ${instant.toISOString()}: ${JSON.stringify(actual)} ≠ ${JSON.stringify(expected)}`);
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  });

  it('takes a wall-clock time to its instant on either side of a daylight-saving change', () => {
    // New York, 2026-03-08: 02:00 → 03:00. 01:30 is EST (-5), 03:30 EDT (-4).
    expect(instantOfWallClock(Date.UTC(2026, 2, 8, 1, 30), 'America/New_York').toISOString()).toBe('2026-03-08T06:30:00.000Z');
    expect(instantOfWallClock(Date.UTC(2026, 2, 8, 3, 30), 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(zoneOffsetMs('Asia/Shanghai', Date.UTC(2026, 10, 23))).toBe(8 * 3_600_000);
  });
});
