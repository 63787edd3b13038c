import {
  formatIncidentTime,
  parseIncidentTime,
  type IncidentTime,
  type IncidentTimeResult,
} from '../../src/conversation/incident-time';

const SHANGHAI = 'Asia/Shanghai';
const NEW_YORK = 'America/New_York';

/** Shanghai wall-clock time, e.g. sh('2026-11-20 15:00'). */
function sh(localDateTime: string): Date {
  return new Date(`${localDateTime.replace(' ', 'T')}:00+08:00`);
}

// Monday 23 November 2026, 10:30 in Shanghai.
const NOW = sh('2026-11-23 10:30');

type Precision = Extract<IncidentTime, { kind: 'known' }>['precision'];

function known(at: string, precision: Precision): IncidentTimeResult {
  return { kind: 'known', at: sh(at), precision };
}

function future(at: string): IncidentTimeResult {
  return { kind: 'future', at: sh(at) };
}

const UNPARSED: IncidentTimeResult = { kind: 'unparsed' };
const UNKNOWN: IncidentTimeResult = { kind: 'unknown' };

describe('parseIncidentTime', () => {
  describe('simplified Chinese', () => {
    it.each<[string, IncidentTimeResult]>([
      ['今天', known('2026-11-23 00:00', 'day')],
      ['今日', known('2026-11-23 00:00', 'day')],
      ['昨天', known('2026-11-22 00:00', 'day')],
      ['昨日', known('2026-11-22 00:00', 'day')],
      ['前天', known('2026-11-21 00:00', 'day')],
      ['大前天', known('2026-11-20 00:00', 'day')],
      ['刚才', known('2026-11-23 10:30', 'minute')],
      ['刚刚', known('2026-11-23 10:30', 'minute')],
      ['3天前', known('2026-11-20 00:00', 'day')],
      ['三天以前', known('2026-11-20 00:00', 'day')],
      ['两小时前', known('2026-11-23 08:30', 'hour')],
      ['2个小时前', known('2026-11-23 08:30', 'hour')],
      ['半小时前', known('2026-11-23 10:00', 'minute')],
      ['10分钟前', known('2026-11-23 10:20', 'minute')],
      ['上周五', known('2026-11-20 00:00', 'day')],
      ['上星期五', known('2026-11-20 00:00', 'day')],
      ['上礼拜三', known('2026-11-18 00:00', 'day')],
      ['上个星期一', known('2026-11-16 00:00', 'day')],
      ['上周日', known('2026-11-22 00:00', 'day')],
      ['上星期天', known('2026-11-22 00:00', 'day')],
      ['上上周五', known('2026-11-13 00:00', 'day')],
      ['本周一', known('2026-11-23 00:00', 'day')],
      ['这周一', known('2026-11-23 00:00', 'day')],
      ['周一', known('2026-11-23 00:00', 'day')],
      ['周五', known('2026-11-20 00:00', 'day')],
      ['星期天', known('2026-11-22 00:00', 'day')],
      ['星期二', known('2026-11-17 00:00', 'day')],
      ['上午', known('2026-11-23 09:00', 'partOfDay')],
      ['今天早上', known('2026-11-23 07:00', 'partOfDay')],
      ['前天中午', known('2026-11-21 12:00', 'partOfDay')],
      ['昨天下午', known('2026-11-22 15:00', 'partOfDay')],
      ['昨天傍晚', known('2026-11-22 18:00', 'partOfDay')],
      ['昨晚', known('2026-11-22 20:00', 'partOfDay')],
      ['昨天凌晨', known('2026-11-22 03:00', 'partOfDay')],
      ['昨天下午三点', known('2026-11-22 15:00', 'hour')],
      ['昨天下午3点半', known('2026-11-22 15:30', 'minute')],
      ['昨天三点十五', known('2026-11-22 03:15', 'minute')],
      ['昨天下午两点', known('2026-11-22 14:00', 'hour')],
      ['昨天下午3:45', known('2026-11-22 15:45', 'minute')],
      ['昨天15:00', known('2026-11-22 15:00', 'minute')],
      ['昨天下午三点一刻', known('2026-11-22 15:15', 'minute')],
      ['昨天晚上8点', known('2026-11-22 20:00', 'hour')],
      ['昨天晚上12点', known('2026-11-23 00:00', 'hour')],
      ['昨天晚上1点', known('2026-11-23 01:00', 'hour')],
      ['昨天中午12点', known('2026-11-22 12:00', 'hour')],
      ['昨天中午1点', known('2026-11-22 13:00', 'hour')],
      ['昨天凌晨2点', known('2026-11-22 02:00', 'hour')],
      ['今天早上8点', known('2026-11-23 08:00', 'hour')],
      ['11月20日上午10点半', known('2026-11-20 10:30', 'minute')],
      ['11月20日', known('2026-11-20 00:00', 'day')],
      ['11月20号', known('2026-11-20 00:00', 'day')],
      ['十一月二十日', known('2026-11-20 00:00', 'day')],
      ['2026年11月20日', known('2026-11-20 00:00', 'day')],
      ['二〇二六年十一月二十日', known('2026-11-20 00:00', 'day')],
      ['去年12月3日', known('2025-12-03 00:00', 'day')],
      ['2026-11-20', known('2026-11-20 00:00', 'day')],
      ['2026/11/20', known('2026-11-20 00:00', 'day')],
      ['2026-11-20 15:30', known('2026-11-20 15:30', 'minute')],
      ['11/20', known('2026-11-20 00:00', 'day')],
      ['20号', known('2026-11-20 00:00', 'day')],
      ['20号晚上', known('2026-11-20 20:00', 'partOfDay')],
      ['11月25日', known('2025-11-25 00:00', 'day')],
      ['12月1日', known('2025-12-01 00:00', 'day')],
      ['2月29日', known('2024-02-29 00:00', 'day')],
      ['25号', known('2026-10-25 00:00', 'day')],
      ['11月', known('2026-11-01 00:00', 'month')],
      ['12月', known('2025-12-01 00:00', 'month')],
      ['上个月', known('2026-10-01 00:00', 'month')],
      ['三个月前', known('2026-08-01 00:00', 'month')],
      ['2周前', known('2026-11-09 00:00', 'day')],
      ['大概昨天下午三点左右', known('2026-11-22 15:00', 'hour')],
      ['应该是上周五的时候', known('2026-11-20 00:00', 'day')],
      ['昨天 下午 3 点', known('2026-11-22 15:00', 'hour')],
      ['昨天下午3点多。', known('2026-11-22 15:00', 'hour')],
      ['１１月２０日', known('2026-11-20 00:00', 'day')],
    ])('%s', (text, expected) => {
      expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(expected);
    });
  });

  describe('traditional Chinese', () => {
    it.each<[string, IncidentTimeResult]>([
      ['剛才', known('2026-11-23 10:30', 'minute')],
      ['上週五', known('2026-11-20 00:00', 'day')],
      ['上個禮拜五', known('2026-11-20 00:00', 'day')],
      ['這週一', known('2026-11-23 00:00', 'day')],
      ['週日', known('2026-11-22 00:00', 'day')],
      ['上週五晚上8點', known('2026-11-20 20:00', 'hour')],
      ['昨天下午三點', known('2026-11-22 15:00', 'hour')],
      ['昨天凌晨兩點', known('2026-11-22 02:00', 'hour')],
      ['前天早上7點半', known('2026-11-21 07:30', 'minute')],
      ['昨天下午3點鐘', known('2026-11-22 15:00', 'hour')],
      ['3個小時前', known('2026-11-23 07:30', 'hour')],
      ['兩小時前', known('2026-11-23 08:30', 'hour')],
      ['半小時前', known('2026-11-23 10:00', 'minute')],
      ['11月20號', known('2026-11-20 00:00', 'day')],
      ['20號下午', known('2026-11-20 15:00', 'partOfDay')],
      ['三個月前', known('2026-08-01 00:00', 'month')],
      ['上個月', known('2026-10-01 00:00', 'month')],
      ['大約上週五的時候', known('2026-11-20 00:00', 'day')],
    ])('%s', (text, expected) => {
      expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(expected);
    });
  });

  describe('English', () => {
    it.each<[string, IncidentTimeResult]>([
      ['today', known('2026-11-23 00:00', 'day')],
      ['Yesterday', known('2026-11-22 00:00', 'day')],
      ['the day before yesterday', known('2026-11-21 00:00', 'day')],
      ['2 days ago', known('2026-11-21 00:00', 'day')],
      ['three days ago', known('2026-11-20 00:00', 'day')],
      ['an hour ago', known('2026-11-23 09:30', 'hour')],
      ['10 minutes ago', known('2026-11-23 10:20', 'minute')],
      ['just now', known('2026-11-23 10:30', 'minute')],
      ['last Friday', known('2026-11-20 00:00', 'day')],
      ['on Friday', known('2026-11-20 00:00', 'day')],
      ['last Monday', known('2026-11-16 00:00', 'day')],
      ['Sunday', known('2026-11-22 00:00', 'day')],
      ['yesterday 3pm', known('2026-11-22 15:00', 'hour')],
      ['yesterday at 3:15 pm', known('2026-11-22 15:15', 'minute')],
      ['yesterday 3:15 p.m.', known('2026-11-22 15:15', 'minute')],
      ['3pm yesterday', known('2026-11-22 15:00', 'hour')],
      ['yesterday afternoon', known('2026-11-22 15:00', 'partOfDay')],
      ['yesterday afternoon at 3', known('2026-11-22 15:00', 'hour')],
      ['last night', known('2026-11-22 20:00', 'partOfDay')],
      ['last night at 11pm', known('2026-11-22 23:00', 'hour')],
      ['Friday evening around 8pm', known('2026-11-20 20:00', 'hour')],
      ['this morning', known('2026-11-23 09:00', 'partOfDay')],
      ['this morning at 8:05', known('2026-11-23 08:05', 'minute')],
      ['Nov 20', known('2026-11-20 00:00', 'day')],
      ['November 20th', known('2026-11-20 00:00', 'day')],
      ['20 November', known('2026-11-20 00:00', 'day')],
      ['20th of Nov', known('2026-11-20 00:00', 'day')],
      ['Nov 25', known('2025-11-25 00:00', 'day')],
      ['Nov 20, 2025', known('2025-11-20 00:00', 'day')],
      ['2026-11-20', known('2026-11-20 00:00', 'day')],
      ['the 20th', known('2026-11-20 00:00', 'day')],
      ['last month', known('2026-10-01 00:00', 'month')],
      ['October 2026', known('2026-10-01 00:00', 'month')],
      ['about 3:15 pm on Nov 20', known('2026-11-20 15:15', 'minute')],
    ])('%s', (text, expected) => {
      expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(expected);
    });
  });

  describe('later than now', () => {
    it.each<[string, IncidentTimeResult]>([
      ['下午三点', future('2026-11-23 15:00')],
      ['今天晚上', future('2026-11-23 20:00')],
      ['这周五', future('2026-11-27 00:00')],
      ['下周一', future('2026-11-30 00:00')],
      ['2026年11月25日', future('2026-11-25 00:00')],
      ['2027年1月', future('2027-01-01 00:00')],
      ['晚上12点', future('2026-11-24 00:00')],
      ['this afternoon', future('2026-11-23 15:00')],
      ['3:15 pm', future('2026-11-23 15:15')],
      ['今天上午10点36', future('2026-11-23 10:36')],
    ])('%s', (text, expected) => {
      expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(expected);
    });

    it('allows five minutes of clock drift', () => {
      expect(parseIncidentTime('今天上午10点35', NOW, SHANGHAI)).toEqual(known('2026-11-23 10:35', 'minute'));
    });

    it('falls back to the start of a part of the day that has begun but whose representative hour is still to come', () => {
      const afternoon = sh('2026-11-23 14:00');
      expect(parseIncidentTime('今天下午', afternoon, SHANGHAI)).toEqual(known('2026-11-23 13:00', 'partOfDay'));
      expect(parseIncidentTime('this afternoon', afternoon, SHANGHAI)).toEqual(known('2026-11-23 13:00', 'partOfDay'));
    });
  });

  describe('not remembered', () => {
    it.each(['不记得', '不記得了', '记不清了', '記不清', '忘了', '忘記了', '不清楚', "I don't remember", 'dont remember', 'Not sure', 'unknown', 'I can’t remember'])(
      '%s',
      (text) => {
        expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(UNKNOWN);
      },
    );
  });

  describe('not a time', () => {
    it.each([
      '',
      '   ',
      '我买了3个',
      '3',
      '20',
      '3个',
      '好的',
      '是的',
      '今天天气不错',
      '昨天我在店里买了东西',
      '13800138000',
      '2月30日',
      '11月31号',
      '13月1日',
      '25:00',
      '上午15点',
      '昨天昨天',
      '昨天下午晚上',
      '上个月下午',
      '上周',
      '几天前',
      'this morning at 3pm',
      'I bought 3 items',
      'at the shop',
      '13/20',
      'x'.repeat(200),
    ])('%j', (text) => {
      expect(parseIncidentTime(text, NOW, SHANGHAI)).toEqual(UNPARSED);
    });
  });

  describe('in another time zone', () => {
    // The same instant is Monday 10:30 in Shanghai but Sunday 21:30 in New York.
    const nyNow = new Date('2026-11-24T02:30:00Z');

    it.each<[string, string, Precision]>([
      ['今天', '2026-11-23T05:00:00Z', 'day'],
      ['昨天下午三点', '2026-11-22T20:00:00Z', 'hour'],
      ['yesterday 3pm', '2026-11-22T20:00:00Z', 'hour'],
      ['上周五', '2026-11-20T05:00:00Z', 'day'],
      // Summer time: 10:00 EDT is 14:00 UTC, not 15:00.
      ['2026年7月1日上午10点', '2026-07-01T14:00:00Z', 'hour'],
      // The day New York moved its clocks forward.
      ['2026-03-08 下午3点', '2026-03-08T19:00:00Z', 'hour'],
    ])('%s', (text, at, precision) => {
      expect(parseIncidentTime(text, nyNow, NEW_YORK)).toEqual({ kind: 'known', at: new Date(at), precision });
    });

    it('takes "today" from the zone, not from UTC or the server', () => {
      const sundayEveningInNewYork = new Date('2026-11-23T02:30:00Z');
      expect(parseIncidentTime('今天', sundayEveningInNewYork, NEW_YORK)).toEqual({
        kind: 'known',
        at: new Date('2026-11-22T05:00:00Z'),
        precision: 'day',
      });
      expect(parseIncidentTime('今天', sundayEveningInNewYork, SHANGHAI)).toEqual(known('2026-11-23 00:00', 'day'));
    });
  });
});

describe('formatIncidentTime', () => {
  const cases: Array<[IncidentTime, string, string, string]> = [
    [{ kind: 'known', at: sh('2026-11-17 15:00'), precision: 'minute' }, '2026年11月17日 15:00', '2026年11月17日 15:00', '17 Nov 2026 15:00'],
    [{ kind: 'known', at: sh('2026-11-17 09:05'), precision: 'hour' }, '2026年11月17日 09:05', '2026年11月17日 09:05', '17 Nov 2026 09:05'],
    [{ kind: 'known', at: sh('2026-11-17 15:00'), precision: 'partOfDay' }, '2026年11月17日下午', '2026年11月17日下午', '17 Nov 2026, afternoon'],
    [{ kind: 'known', at: sh('2026-11-17 03:00'), precision: 'partOfDay' }, '2026年11月17日凌晨', '2026年11月17日凌晨', '17 Nov 2026, early hours'],
    [{ kind: 'known', at: sh('2026-11-17 20:00'), precision: 'partOfDay' }, '2026年11月17日晚上', '2026年11月17日晚上', '17 Nov 2026, evening'],
    [{ kind: 'known', at: sh('2026-11-17 00:00'), precision: 'day' }, '2026年11月17日', '2026年11月17日', '17 Nov 2026'],
    [{ kind: 'known', at: sh('2026-03-01 00:00'), precision: 'month' }, '2026年3月', '2026年3月', 'Mar 2026'],
    [{ kind: 'unknown' }, '不记得', '不記得', 'not remembered'],
  ];

  it.each(cases)('%j', (time, hans, hant, en) => {
    expect(formatIncidentTime(time, 'zh-Hans', SHANGHAI)).toBe(hans);
    expect(formatIncidentTime(time, 'zh-Hant', SHANGHAI)).toBe(hant);
    expect(formatIncidentTime(time, 'en', SHANGHAI)).toBe(en);
  });

  it('formats in the given zone', () => {
    const time: IncidentTime = { kind: 'known', at: new Date('2026-11-17T07:00:00Z'), precision: 'minute' };
    expect(formatIncidentTime(time, 'zh-Hans', NEW_YORK)).toBe('2026年11月17日 02:00');
    expect(formatIncidentTime(time, 'en', NEW_YORK)).toBe('17 Nov 2026 02:00');
  });

  it('round-trips what the parser read', () => {
    const parsed = parseIncidentTime('上週五晚上8點', NOW, SHANGHAI);
    if (parsed.kind !== 'known') throw new Error(`expected a known time, got ${parsed.kind}`);
    expect(formatIncidentTime(parsed, 'zh-Hant', SHANGHAI)).toBe('2026年11月20日 20:00');
    const evening = parseIncidentTime('上周五晚上', NOW, SHANGHAI);
    if (evening.kind !== 'known') throw new Error(`expected a known time, got ${evening.kind}`);
    expect(formatIncidentTime(evening, 'zh-Hans', SHANGHAI)).toBe('2026年11月20日晚上');
    expect(formatIncidentTime(evening, 'en', SHANGHAI)).toBe('20 Nov 2026, evening');
  });
});
