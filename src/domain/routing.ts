export interface RoutingRule {
  category: string;
  departmentId: string;
}

export interface StaffCandidate {
  id: string;
  departmentId: string;
  active: boolean;
  openCases: number;
  name: string;
}

export interface AssigneeRequest {
  departmentId: string;
  candidates: readonly StaffCandidate[];
  /** Staff who must not handle the case (回避), e.g. the person complained about. */
  excludedStaffIds: readonly string[];
}

/** The first rule for the category wins, so configuration order decides overlaps. */
export function departmentFor(
  category: string,
  rules: readonly RoutingRule[],
  fallbackDepartmentId: string,
): string {
  return rules.find((rule) => rule.category === category)?.departmentId ?? fallbackDepartmentId;
}

export function isRecused(staffId: string, excludedStaffIds: readonly string[]): boolean {
  return excludedStaffIds.includes(staffId);
}

function isEligible(candidate: StaffCandidate, request: AssigneeRequest): boolean {
  return (
    candidate.active &&
    candidate.departmentId === request.departmentId &&
    !isRecused(candidate.id, request.excludedStaffIds)
  );
}

/** Code-unit order, not localeCompare, so the choice is the same on every machine. */
function byLoadThenId(a: StaffCandidate, b: StaffCandidate): number {
  if (a.openCases !== b.openCases) return a.openCases - b.openCases;
  if (a.id === b.id) return 0;
  return a.id < b.id ? -1 : 1;
}

/**
 * The least-loaded active member of the department who is not recused. Null means nobody
 * may take it, and the case waits in the department's queue.
 */
export function pickAssignee(request: AssigneeRequest): StaffCandidate | null {
  let best: StaffCandidate | null = null;
  for (const candidate of request.candidates) {
    if (!isEligible(candidate, request)) continue;
    if (best === null || byLoadThenId(candidate, best) < 0) best = candidate;
  }
  return best;
}
