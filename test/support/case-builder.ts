import { randomUUID } from 'node:crypto';
import type { Case } from '../../src/domain/case';

// Numbers must be unique per database: a counter, not a random serial that may repeat.
let serial = 5000;

/** A registered complaint with plausible values; override what a test is about. */
export function buildCase(overrides: Partial<Case> = {}): Case {
  serial += 1;
  const now = overrides.createdAt ?? new Date('2026-11-18T02:00:00Z');
  return {
    id: randomUUID(),
    number: `TS-202611-${serial}`,
    type: 'complaint',
    category: 'service_attitude',
    status: 'registered',
    severity: 'general',
    severityReasons: [],
    severitySetByStaff: false,
    escalationLevel: 0,
    channel: 'console',
    complainantIdentityId: null,
    anonymous: false,
    contactName: '张三',
    contactPhone: '13800138000',
    description: '前台服务态度很差',
    descriptionScript: 'zh-Hans',
    descriptionSimplified: '前台服务态度很差',
    incidentAt: null,
    incidentTimeText: null,
    location: null,
    locationKey: null,
    involved: null,
    accusedStaffId: null,
    wants: ['apology'],
    departmentId: 'customer_service',
    assigneeId: null,
    linkedCaseId: null,
    submissionKey: null,
    complex: false,
    sla: {},
    createdAt: now,
    updatedAt: now,
    version: 1,
    ...overrides,
  };
}
