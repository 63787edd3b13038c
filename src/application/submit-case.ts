import { randomUUID } from 'node:crypto';
import type { Actor, Case, CaseType, Script, Want } from '../domain/case';
import { counterKey, formatCaseNumber } from '../domain/case-number';
import type { DomainEvent } from '../domain/domain-events';
import { DomainError } from '../domain/errors';
import { departmentFor, pickAssignee } from '../domain/routing';
import { assessSeverity } from '../domain/severity';
import { textSimilarity } from '../domain/similarity';
import { startClock } from '../domain/sla';
import { assignmentPayload } from './assignment-card';
import { resolveDuration, withDepartmentAnswerClock } from './case-clocks';
import { effectiveRoutingRules, type CaseServiceDeps } from './case-service';
import type { NewCaseEvent, OutboxMessage, Repositories } from './ports';

export interface SubmitCaseInput {
  type: CaseType;
  category: string;
  channel: string;
  /** Who wrote in, on which channel; null for a case entered by staff on someone's behalf. */
  complainant: { channel: string; externalId: string; displayName?: string | null; locale?: Script | null } | null;
  anonymous: boolean;
  contact: { name: string; phone: string } | null;
  description: string;
  descriptionScript: Script;
  incidentAt?: Date | null;
  incidentTimeText?: string | null;
  location?: string | null;
  involved?: string | null;
  /** The staff member complained about, when known: never routed the case (回避). */
  accusedStaffId?: string | null;
  wants: Want[];
  /** Attachments (evidence photos) already stored, to be linked to the case. */
  attachmentIds?: string[];
  /** Same key, same case: a retry after a crash or timeout returns the case filed the first time. */
  submissionKey?: string | null;
  /** The chat already told the complainant their number in its reply: no separate push. */
  acknowledgedInChat?: boolean;
}

export interface SubmittedCase {
  caseId: string;
  number: string;
  severity: Case['severity'];
  departmentId: string;
  assigneeId: string | null;
  acknowledgeBy: Date;
  resolveBy: Date;
  /** The earlier case this one repeats, if any. */
  linkedCaseNumber: string | null;
}

const DAY_MS = 86_400_000;

/**
 * Registers a complaint: the case, its first timeline events and the notifications to send
 * are written in ONE transaction, so the number the complainant is given always exists.
 */
export async function submitCase(deps: CaseServiceDeps, input: SubmitCaseInput, now: Date): Promise<SubmittedCase> {
  const { policy, calendar, simplify } = deps;
  validate(deps, input);
  if (input.submissionKey) {
    const earlier = await deps.store.cases.findBySubmissionKey(input.submissionKey);
    if (earlier) return submittedFrom(earlier, null);
  }

  const key = counterKey(policy.caseTypes[input.type].prefix, now, policy.timeZone);
  const descriptionSimplified = simplify(input.description);
  const location = input.location?.trim() || null;
  const locationKey = location ? matterKey(simplify(location)) : null;
  const departmentId = departmentFor(input.category, await effectiveRoutingRules(deps, deps.store), policy.routing.fallbackDepartment);

  const { record, linked, domainEvents } = await deps.store.transaction(async (repos) => {
    // Taken first: the counter row lock serialises submissions of the same month and type,
    // which keeps numbers gap-free and the "same matter" count below race-free.
    const serial = await repos.counters.next(key);
    const identity = input.complainant
      ? await repos.identities.upsert({ ...input.complainant, kind: 'complainant' })
      : null;

    const id = randomUUID();
    const sameMatter = locationKey
      ? await repos.cases.onSameMatter({
          category: input.category,
          locationKey,
          since: new Date(now.getTime() - policy.severity.sameMatterWindowDays * DAY_MS),
        })
      : [];
    const complainants = new Set(sameMatter.map(complainantKey));
    const record: Case = {
      id,
      number: formatCaseNumber(key, serial),
      type: input.type,
      category: input.category,
      status: 'registered',
      severity: 'general',
      severityReasons: [],
      severitySetByStaff: false,
      escalationLevel: 0,
      channel: input.channel,
      complainantIdentityId: identity?.id ?? null,
      anonymous: input.anonymous,
      contactName: input.anonymous ? null : (input.contact?.name ?? null),
      contactPhone: input.anonymous ? null : (input.contact?.phone ?? null),
      description: input.description,
      descriptionScript: input.descriptionScript,
      descriptionSimplified,
      incidentAt: input.incidentAt ?? null,
      incidentTimeText: input.incidentTimeText ?? null,
      location,
      locationKey,
      involved: input.involved?.trim() || null,
      accusedStaffId: input.accusedStaffId ?? null,
      wants: input.wants,
      departmentId,
      assigneeId: null,
      linkedCaseId: null,
      submissionKey: input.submissionKey ?? null,
      complex: false,
      sla: {
        acknowledge: startClock(calendar, policy.sla.acknowledge, now),
        firstContact: startClock(calendar, policy.sla.firstContact, now),
        resolve: startClock(calendar, resolveDuration(policy, { type: input.type, complex: false }), now),
      },
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    complainants.add(complainantKey(record));
    const linked = identity ? await findRepeated(deps, repos, { identityId: identity.id, category: input.category, descriptionSimplified, now }) : null;
    record.linkedCaseId = linked?.id ?? null;

    const assessment = assessSeverity(
      { texts: [input.description, descriptionSimplified, location ?? ''], relatedComplainants: complainants.size },
      { keywords: policy.severity.keywords, collectiveThreshold: policy.severity.collectiveThreshold },
    );
    record.severity = assessment.severity;
    record.severityReasons = assessment.reasons;
    // Major cases go to the department manager and leadership at once (policy §5).
    if (record.severity === 'major') record.escalationLevel = 2;

    const assignee = pickAssignee({
      departmentId,
      candidates: await repos.staff.candidates(departmentId),
      excludedStaffIds: record.accusedStaffId ? [record.accusedStaffId] : [],
    });
    record.assigneeId = assignee?.id ?? null;
    if (assignee) record.sla = withDepartmentAnswerClock(deps, record, now);

    await repos.cases.insert(record);

    const actor: Actor = { kind: 'complainant', identityId: record.complainantIdentityId };
    const timeline: NewCaseEvent[] = [
      { caseId: id, at: now, type: 'submitted', actor, data: { number: record.number, channel: record.channel } },
      { caseId: id, at: now, type: 'routed', actor: { kind: 'system' }, data: { departmentId } },
    ];
    const outbox: OutboxMessage[] = [];
    const domainEvents: DomainEvent[] = [
      { type: 'CaseSubmitted', caseId: id, number: record.number, severity: record.severity, departmentId, at: now },
    ];
    if (identity && !input.acknowledgedInChat) {
      outbox.push({
        caseId: id,
        recipient: { kind: 'identity', identityId: identity.id },
        kind: 'case_received',
        payload: { number: record.number, type: record.type, acknowledgeBy: record.sla.acknowledge?.deadline },
      });
    }
    if (assignee) {
      timeline.push({ caseId: id, at: now, type: 'assigned', actor: { kind: 'system' }, data: { staffId: assignee.id } });
      outbox.push({ caseId: id, recipient: { kind: 'staff', staffId: assignee.id }, kind: 'case_assigned', payload: assignmentPayload(record) });
      domainEvents.push({ type: 'CaseAssigned', caseId: id, number: record.number, staffId: assignee.id, previousStaffId: null, at: now });
    }
    if (record.severity === 'major') {
      timeline.push({ caseId: id, at: now, type: 'escalated', actor: { kind: 'system' }, data: { level: record.escalationLevel, reasons: record.severityReasons } });
      domainEvents.push({ type: 'CaseEscalated', caseId: id, number: record.number, level: record.escalationLevel, reason: 'major', at: now });
      await notifyManager(repos, departmentId, id, record.number, outbox);
      if (assessment.reasons.some((reason) => reason.kind === 'collective')) {
        await markCollective(repos, sameMatter, { now, timeline, domainEvents });
      }
    }
    if (linked) {
      timeline.push({ caseId: id, at: now, type: 'linked_repeat', actor: { kind: 'system' }, data: { caseId: linked.id, number: linked.number } });
    }
    if (input.attachmentIds?.length) {
      await repos.attachments.attachToCase(input.attachmentIds, id);
      timeline.push({ caseId: id, at: now, type: 'evidence_attached', actor, data: { attachmentIds: input.attachmentIds } });
    }
    await repos.events.append(timeline);
    await repos.outbox.add(outbox);
    return { record, linked, domainEvents };
  });

  await deps.events.publish(domainEvents);
  return submittedFrom(record, linked?.number ?? null);
}

function submittedFrom(record: Case, linkedCaseNumber: string | null): SubmittedCase {
  return {
    caseId: record.id,
    number: record.number,
    severity: record.severity,
    departmentId: record.departmentId!,
    assigneeId: record.assigneeId,
    acknowledgeBy: new Date(record.sla.acknowledge!.deadline ?? record.sla.acknowledge!.startedAt),
    resolveBy: new Date(record.sla.resolve?.deadline ?? record.createdAt),
    linkedCaseNumber,
  };
}

/** 重复投诉: the same person, the same category, a similar account, within the window. */
async function findRepeated(
  { policy }: CaseServiceDeps,
  repos: Repositories,
  query: { identityId: string; category: string; descriptionSimplified: string; now: Date },
): Promise<Case | null> {
  const since = new Date(query.now.getTime() - policy.repeatComplaints.windowDays * DAY_MS);
  const earlier = await repos.cases.recentOfComplainant({ identityId: query.identityId, category: query.category, since });
  return earlier.find((c) => textSimilarity(c.descriptionSimplified, query.descriptionSimplified) >= policy.repeatComplaints.minSimilarity) ?? null;
}

function validate({ policy }: CaseServiceDeps, input: SubmitCaseInput): void {
  if (!policy.categories.some((category) => category.id === input.category)) {
    throw new DomainError('CASE.UNKNOWN_CATEGORY', `Unknown category "${input.category}"; use one of: ${policy.categories.map((c) => c.id).join(', ')}.`, {
      category: input.category,
    });
  }
  if (!input.description.trim()) {
    throw new DomainError('CASE.DESCRIPTION_REQUIRED', 'Say what happened: the description is empty.');
  }
  if (!input.anonymous && !input.contact && !input.complainant) {
    throw new DomainError('CASE.UNREACHABLE_COMPLAINANT', 'Give contact details, a chat identity, or mark the case anonymous.');
  }
}

/** "The same place" whatever the script, spacing or punctuation: 3号楼 2单元 = 3號樓2單元. */
export function matterKey(simplifiedText: string): string {
  return simplifiedText.normalize('NFKC').toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
}

function complainantKey(record: Case): string {
  if (record.complainantIdentityId) return `identity:${record.complainantIdentityId}`;
  if (record.contactPhone) return `phone:${record.contactPhone}`;
  return `case:${record.id}`;
}

async function notifyManager(repos: Repositories, departmentId: string, caseId: string, number: string, outbox: OutboxMessage[]) {
  const department = await repos.departments.get(departmentId);
  if (department?.managerStaffId) {
    outbox.push({ caseId, recipient: { kind: 'staff', staffId: department.managerStaffId }, kind: 'major_case', payload: { number } });
  }
}

/** The earlier cases of a collective complaint become major too, unless staff already decided. */
async function markCollective(
  repos: Repositories,
  sameMatter: readonly Case[],
  into: { now: Date; timeline: NewCaseEvent[]; domainEvents: DomainEvent[] },
) {
  for (const earlier of sameMatter) {
    if (earlier.severity === 'major' || earlier.severitySetByStaff) continue;
    const locked = await repos.cases.getForUpdate(earlier.id);
    if (!locked || locked.severity === 'major' || locked.severitySetByStaff) continue;
    const updated: Case = {
      ...locked,
      severity: 'major',
      severityReasons: [...locked.severityReasons, { kind: 'collective', complainants: sameMatter.length + 1 }],
      escalationLevel: Math.max(locked.escalationLevel, 2),
      updatedAt: into.now,
    };
    await repos.cases.update(updated);
    into.timeline.push({ caseId: locked.id, at: into.now, type: 'escalated', actor: { kind: 'system' }, data: { level: updated.escalationLevel, reasons: ['collective'] } });
    into.domainEvents.push({ type: 'CaseEscalated', caseId: locked.id, number: locked.number, level: updated.escalationLevel, reason: 'collective', at: into.now });
  }
}
