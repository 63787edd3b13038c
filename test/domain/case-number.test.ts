import {
  CASE_NUMBER_PATTERN,
  DEFAULT_CASE_NUMBER_PREFIXES,
  counterKey,
  findCaseNumbers,
  formatCaseNumber,
  parseCaseNumber,
} from '../../src/domain/case-number';
import { DomainError } from '../../src/domain/errors';

const SHANGHAI = 'Asia/Shanghai';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error.code;
    throw error;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('counterKey', () => {
  it.each([
    ['TS', '2026-11-15T04:00:00Z', SHANGHAI, 'TS-202611'],
    // 17:00Z on the 30th is 01:00 on 1 December in Shanghai.
    ['TS', '2026-11-30T17:00:00Z', SHANGHAI, 'TS-202612'],
    ['TS', '2026-11-30T15:59:59Z', SHANGHAI, 'TS-202611'],
    ['TS', '2026-11-30T16:00:00Z', SHANGHAI, 'TS-202612'],
    ['JY', '2026-12-31T16:00:00Z', SHANGHAI, 'JY-202701'],
    ['JB', '2026-12-31T16:00:00Z', 'UTC', 'JB-202612'],
    ['TS', '2026-11-30T17:00:00Z', 'Asia/Hong_Kong', 'TS-202612'],
    ['TS', '2026-11-30T17:00:00Z', 'Asia/Taipei', 'TS-202612'],
    // West of UTC the local month lags behind.
    ['TS', '2026-12-01T03:00:00Z', 'America/New_York', 'TS-202611'],
  ])('%s at %s in %s → %s', (prefix, iso, timeZone, expected) => {
    expect(counterKey(prefix, new Date(iso), timeZone)).toBe(expected);
  });

  it('uses the configured default prefixes', () => {
    const at = new Date('2026-03-10T00:00:00Z');
    expect(
      Object.values(DEFAULT_CASE_NUMBER_PREFIXES).map((prefix) => counterKey(prefix, at, SHANGHAI)),
    ).toEqual(['TS-202603', 'JY-202603', 'JB-202603']);
  });

  it.each([
    ['invalid prefix (lower case)', () => counterKey('ts', new Date(), SHANGHAI), 'CASE_NUMBER.INVALID_PREFIX'],
    ['invalid prefix (empty)', () => counterKey('', new Date(), SHANGHAI), 'CASE_NUMBER.INVALID_PREFIX'],
    ['invalid prefix (hyphen)', () => counterKey('T-S', new Date(), SHANGHAI), 'CASE_NUMBER.INVALID_PREFIX'],
    ['invalid date', () => counterKey('TS', new Date('nope'), SHANGHAI), 'CASE_NUMBER.INVALID_DATE'],
    ['unknown zone', () => counterKey('TS', new Date(), 'Mars/Olympus'), 'CASE_NUMBER.INVALID_TIME_ZONE'],
  ])('rejects %s', (_label, fn, code) => {
    expect(codeOf(fn)).toBe(code);
  });
});

describe('formatCaseNumber', () => {
  it.each([
    ['TS-202611', 1, 'TS-202611-0001'],
    ['TS-202611', 42, 'TS-202611-0042'],
    ['JY-202701', 9999, 'JY-202701-9999'],
    ['JB-202701', 10000, 'JB-202701-10000'],
    ['TS-202611', 123456, 'TS-202611-123456'],
  ])('%s #%d → %s', (key, serial, expected) => {
    expect(formatCaseNumber(key, serial)).toBe(expected);
  });

  it.each([
    ['TS-202611', 0, 'CASE_NUMBER.INVALID_SERIAL'],
    ['TS-202611', -1, 'CASE_NUMBER.INVALID_SERIAL'],
    ['TS-202611', 1.5, 'CASE_NUMBER.INVALID_SERIAL'],
    ['TS-202611', Number.NaN, 'CASE_NUMBER.INVALID_SERIAL'],
    ['TS-202613', 1, 'CASE_NUMBER.INVALID_COUNTER_KEY'],
    ['TS202611', 1, 'CASE_NUMBER.INVALID_COUNTER_KEY'],
    ['ts-202611', 1, 'CASE_NUMBER.INVALID_COUNTER_KEY'],
    ['TS-2026-11', 1, 'CASE_NUMBER.INVALID_COUNTER_KEY'],
  ])('rejects key %s with serial %p', (key, serial, code) => {
    expect(codeOf(() => formatCaseNumber(key, serial))).toBe(code);
  });
});

describe('parseCaseNumber', () => {
  const ts = { prefix: 'TS', year: 2026, month: 11, serial: 1, caseNumber: 'TS-202611-0001' };

  it.each([
    ['TS-202611-0001', ts],
    ['ts-202611-0001', ts],
    ['  Ts-202611-0001 \n', ts],
    ['ＴＳ－２０２６１１－０００１', ts],
    ['TS－202611－0001', ts],
    ['TS—202611—0001', ts],
    ['JB-202701-10000', { prefix: 'JB', year: 2027, month: 1, serial: 10000, caseNumber: 'JB-202701-10000' }],
    ['JY-202612-9999', { prefix: 'JY', year: 2026, month: 12, serial: 9999, caseNumber: 'JY-202612-9999' }],
  ])('parses %j', (text, expected) => {
    expect(parseCaseNumber(text)).toEqual(expected);
  });

  it.each([
    [''],
    ['TS-202611'],
    ['TS-202611-001'], // too short: serials are padded to 4 digits
    ['TS-202611-00001'], // non-canonical padding
    ['TS-202611-0000'], // serials start at 1
    ['TS-202613-0001'], // month 13
    ['TS-202600-0001'], // month 0
    ['TS202611-0001'],
    ['TS-202611-0001 进度'],
    ['查询TS-202611-0001'],
    ['投诉-202611-0001'],
  ])('%j → null', (text) => {
    expect(parseCaseNumber(text)).toBeNull();
  });

  it.each([
    ['TS-202611', 1],
    ['JB-202701', 10000],
    ['JY-203012', 777],
  ])('round-trips %s #%d', (key, serial) => {
    const text = formatCaseNumber(key, serial);
    expect(parseCaseNumber(text)).toMatchObject({ serial, caseNumber: text });
  });
});

describe('finding case numbers in free text', () => {
  it.each([
    ['查询 TS-202611-0001 进度', 'TS-202611-0001'],
    ['查询TS-202611-0001进度', 'TS-202611-0001'],
    ['我的单号是ｔｓ－２０２６１１－００４２，请跟进', 'ｔｓ－２０２６１１－００４２'],
    ['case ts-202611-12345?', 'ts-202611-12345'],
  ])('CASE_NUMBER_PATTERN finds the number in %j', (text, expected) => {
    expect(CASE_NUMBER_PATTERN.exec(text)?.[0]).toBe(expected);
  });

  it.each([
    ['no number here, 电话 13800138000'],
    ['order 2026-11-0001'],
    ['ABCDEFGHIJK-202611-0001'], // an 11-letter prefix is not cut down to a 10-letter one
    ['TS-20261-0001'], // 5-digit year-month
  ])('CASE_NUMBER_PATTERN finds nothing in %j', (text) => {
    expect(CASE_NUMBER_PATTERN.exec(text)).toBeNull();
  });

  it('is not global, so repeated use gives the same answer', () => {
    const text = '查询 TS-202611-0001 进度';
    expect(CASE_NUMBER_PATTERN.exec(text)?.[0]).toBe(CASE_NUMBER_PATTERN.exec(text)?.[0]);
    expect(CASE_NUMBER_PATTERN.global).toBe(false);
  });

  it.each([
    ['查询 TS-202611-0001 进度', ['TS-202611-0001']],
    ['TS-202611-0001 和 jy－２０２６１２－００２０，还有 ts-202611-0001', ['TS-202611-0001', 'JY-202612-0020']],
    ['TS-202613-0001 不是有效月份', []],
    ['TS-202611-00012 padding', []],
    ['什么都没有', []],
  ])('findCaseNumbers(%j) → %j', (text, expected) => {
    expect(findCaseNumbers(text).map((c) => c.caseNumber)).toEqual(expected);
  });
});
