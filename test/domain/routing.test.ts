import {
  departmentFor,
  isRecused,
  pickAssignee,
  type RoutingRule,
  type StaffCandidate,
} from '../../src/domain/routing';
import { seededRandom } from '../support/testing';

const RULES: RoutingRule[] = [
  { category: 'property', departmentId: 'dept-property' },
  { category: 'security', departmentId: 'dept-security' },
  { category: 'property', departmentId: 'dept-shadowed' },
];

describe('departmentFor', () => {
  it.each([
    ['property', 'dept-property'], // first matching rule wins
    ['security', 'dept-security'],
    ['billing', 'dept-general'],
    ['', 'dept-general'],
    ['Property', 'dept-general'], // categories are codes, matched exactly
  ])('%j → %s', (category, expected) => {
    expect(departmentFor(category, RULES, 'dept-general')).toBe(expected);
  });

  it('falls back when there are no rules', () => {
    expect(departmentFor('property', [], 'dept-general')).toBe('dept-general');
  });
});

describe('isRecused', () => {
  it.each([
    ['s1', ['s1', 's2'], true],
    ['s3', ['s1', 's2'], false],
    ['s1', [], false],
  ] as const)('%s in %j → %s', (id, excluded, expected) => {
    expect(isRecused(id, excluded)).toBe(expected);
  });
});

const staff = (id: string, openCases: number, extra: Partial<StaffCandidate> = {}): StaffCandidate => ({
  id,
  departmentId: 'd1',
  active: true,
  openCases,
  name: `员工${id}`,
  ...extra,
});

describe('pickAssignee', () => {
  it.each<[string, StaffCandidate[], string[], string | null]>([
    ['least loaded wins', [staff('a', 5), staff('b', 2), staff('c', 3)], [], 'b'],
    ['the accused is skipped even when least loaded', [staff('accused', 0), staff('b', 9)], ['accused'], 'b'],
    ['several excluded', [staff('a', 0), staff('b', 1), staff('c', 2)], ['a', 'b'], 'c'],
    ['inactive skipped', [staff('a', 0, { active: false }), staff('b', 4)], [], 'b'],
    ['other departments skipped', [staff('a', 0, { departmentId: 'd2' }), staff('b', 4)], [], 'b'],
    ['null when only the accused remains', [staff('accused', 3), staff('x', 0, { active: false })], ['accused'], null],
    ['null when the department has nobody', [staff('a', 0, { departmentId: 'd2' })], [], null],
    ['null with no candidates', [], [], null],
    ['tie broken by id', [staff('s-9', 1), staff('s-10', 1), staff('s-2', 1)], [], 's-10'],
    ['tie broken by id regardless of input order', [staff('b', 1), staff('a', 1)], [], 'a'],
    ['tie broken by code-unit order (upper case first)', [staff('b', 1), staff('B', 1)], [], 'B'],
    ['load beats id', [staff('a', 2), staff('z', 1)], [], 'z'],
  ])('%s', (_label, candidates, excludedStaffIds, expected) => {
    expect(pickAssignee({ departmentId: 'd1', candidates, excludedStaffIds })?.id ?? null).toBe(expected);
  });

  it('returns the candidate object itself', () => {
    const b = staff('b', 0);
    expect(pickAssignee({ departmentId: 'd1', candidates: [staff('a', 1), b], excludedStaffIds: [] })).toBe(b);
  });
});


describe('pickAssignee properties over generated staff lists', () => {
  const ROUNDS = 2000;
  const random = seededRandom(20261130);
  const int = (max: number): number => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => {
    const item = items[int(items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  };

  const scenarios = Array.from({ length: ROUNDS }, () => {
    const count = 1 + int(8);
    const candidates: StaffCandidate[] = Array.from({ length: count }, (_, i) =>
      staff(`s${int(1000)}-${i}`, int(4), { departmentId: pick(['d1', 'd1', 'd2']), active: random() < 0.8 }),
    );
    const accused = pick(candidates);
    // Make the accused the most attractive choice in most rounds, to tempt a wrong pick.
    if (random() < 0.7) Object.assign(accused, { openCases: 0, active: true, departmentId: 'd1', id: '!first' });
    const excludedStaffIds = random() < 0.3 ? [accused.id, pick(candidates).id] : [accused.id];
    return { departmentId: 'd1', candidates, excludedStaffIds };
  });

  it('never picks an excluded, inactive or foreign candidate, and picks the least loaded eligible one', () => {
    let picked = 0;
    for (const scenario of scenarios) {
      const eligible = scenario.candidates.filter(
        (c) => c.active && c.departmentId === 'd1' && !scenario.excludedStaffIds.includes(c.id),
      );
      const result = pickAssignee(scenario);
      if (result === null) {
        expect(eligible).toEqual([]);
        continue;
      }
      picked += 1;
      expect(scenario.excludedStaffIds).not.toContain(result.id);
      expect(result.active).toBe(true);
      expect(result.departmentId).toBe('d1');
      for (const other of eligible) {
        expect(other.openCases > result.openCases || (other.openCases === result.openCases && other.id >= result.id)).toBe(true);
      }
    }
    // The generator must exercise both outcomes for the property to mean anything.
    expect(picked).toBeGreaterThan(ROUNDS / 4);
    expect(ROUNDS - picked).toBeGreaterThan(ROUNDS / 20);
  });

  it('does not depend on the order of the candidates', () => {
    for (const scenario of scenarios.slice(0, 300)) {
      const reversed = { ...scenario, candidates: [...scenario.candidates].reverse() };
      expect(pickAssignee(reversed)?.id).toBe(pickAssignee(scenario)?.id);
    }
  });
});
