import {
  CASE_ACTIONS,
  CASE_STATUSES,
  OPEN_STATUSES,
  allowedActions,
  escalate,
  isOpen,
  isTerminal,
  transition,
  type CaseAction,
  type CaseStatus,
} from '../../src/domain/case-lifecycle';
import { DomainError } from '../../src/domain/errors';

// Written out by hand from the spec, deliberately not derived from CASE_TRANSITIONS.
const EXPECTED_LEGAL: ReadonlyArray<readonly [CaseStatus, CaseAction, CaseStatus]> = [
  ['registered', 'accept', 'accepted'],
  ['registered', 'reject', 'rejected'],
  ['registered', 'withdraw', 'withdrawn'],
  ['accepted', 'startInvestigation', 'investigating'],
  ['accepted', 'withdraw', 'withdrawn'],
  ['investigating', 'requestInformation', 'awaiting_complainant'],
  ['investigating', 'resolve', 'resolved'],
  ['investigating', 'withdraw', 'withdrawn'],
  ['awaiting_complainant', 'receiveInformation', 'investigating'],
  ['awaiting_complainant', 'withdraw', 'withdrawn'],
  ['resolved', 'close', 'closed'],
  ['resolved', 'reopen', 'reopened'],
  ['reopened', 'startInvestigation', 'investigating'],
  ['reopened', 'withdraw', 'withdrawn'],
];

const expectedTarget = (from: CaseStatus, action: CaseAction): CaseStatus | undefined =>
  EXPECTED_LEGAL.find(([f, a]) => f === from && a === action)?.[2];

const allPairs = CASE_STATUSES.flatMap((status) =>
  CASE_ACTIONS.map((action) => [status, action] as const),
);
const legalPairs = allPairs
  .map(([status, action]) => [status, action, expectedTarget(status, action)] as const)
  .filter((row): row is readonly [CaseStatus, CaseAction, CaseStatus] => row[2] !== undefined);
const illegalPairs = allPairs.filter(([status, action]) => expectedTarget(status, action) === undefined);

function captureError(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError, nothing was thrown');
}

describe('case lifecycle transitions', () => {
  it('covers the full cross product of statuses and actions', () => {
    expect(allPairs).toHaveLength(9 * 9);
    expect(legalPairs).toHaveLength(EXPECTED_LEGAL.length);
    expect(legalPairs.length + illegalPairs.length).toBe(81);
  });

  it.each(legalPairs)('%s --%s--> %s', (from, action, to) => {
    expect(transition(from, action)).toBe(to);
  });

  it.each(illegalPairs)('%s --%s--> throws CASE.ILLEGAL_TRANSITION', (from, action) => {
    const error = captureError(() => transition(from, action));
    expect(error.code).toBe('CASE.ILLEGAL_TRANSITION');
    expect(error.details).toMatchObject({ from, action });
    expect(error.message).toContain(`Cannot ${action} a case that is ${from}`);
  });

  it('names the allowed actions in the error', () => {
    const error = captureError(() => transition('registered', 'resolve'));
    expect(error.message).toBe('Cannot resolve a case that is registered; allowed: accept, reject, withdraw');
    expect(error.details).toEqual({
      from: 'registered',
      action: 'resolve',
      allowed: ['accept', 'reject', 'withdraw'],
    });
  });

  it('tells the caller when a case is finished', () => {
    const error = captureError(() => transition('closed', 'reopen'));
    expect(error.details).toEqual({ from: 'closed', action: 'reopen', allowed: [] });
    expect(error.message).toMatch(/no further actions/);
  });
});

describe('allowedActions', () => {
  it.each(CASE_STATUSES.map((s) => [s] as const))('%s matches the expected table', (status) => {
    const expected = EXPECTED_LEGAL.filter(([f]) => f === status).map(([, a]) => a);
    expect([...allowedActions(status)].sort()).toEqual([...expected].sort());
  });
});

describe('status classification', () => {
  const table: ReadonlyArray<readonly [CaseStatus, { open: boolean; terminal: boolean }]> = [
    ['registered', { open: true, terminal: false }],
    ['accepted', { open: true, terminal: false }],
    ['rejected', { open: false, terminal: true }],
    ['investigating', { open: true, terminal: false }],
    ['awaiting_complainant', { open: true, terminal: false }],
    ['resolved', { open: false, terminal: false }],
    ['reopened', { open: true, terminal: false }],
    ['closed', { open: false, terminal: true }],
    ['withdrawn', { open: false, terminal: true }],
  ];

  it('classifies every status', () => {
    expect(table.map(([s]) => s).sort()).toEqual([...CASE_STATUSES].sort());
  });

  it.each(table)('%s → %o', (status, { open, terminal }) => {
    expect(isOpen(status)).toBe(open);
    expect(isTerminal(status)).toBe(terminal);
    expect(OPEN_STATUSES.includes(status)).toBe(open);
  });

  it('withdraw is legal exactly from the open statuses', () => {
    for (const status of CASE_STATUSES) {
      expect(allowedActions(status).includes('withdraw')).toBe(isOpen(status));
    }
  });
});

describe('escalate', () => {
  it.each([
    [0, 'registered', 1],
    [1, 'investigating', 2],
    [2, 'awaiting_complainant', 3],
    [3, 'investigating', 3],
    [0, 'resolved', 1],
    [2, 'reopened', 3],
  ] as const)('level %d while %s → %d', (level, status, expected) => {
    expect(escalate(level, status)).toBe(expected);
  });

  it.each([['rejected'], ['closed'], ['withdrawn']] as const)('refuses a %s case', (status) => {
    const error = captureError(() => escalate(0, status));
    expect(error.code).toBe('CASE.NOT_ESCALATABLE');
    expect(error.details).toEqual({ level: 0, status });
  });

  it.each([[-1], [4], [1.5], [Number.NaN]])('rejects the invalid level %p', (level) => {
    expect(captureError(() => escalate(level, 'investigating')).code).toBe('CASE.INVALID_ESCALATION_LEVEL');
  });
});
