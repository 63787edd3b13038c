import { z } from 'zod';
import { CASE_TYPES, WANTS } from '../../domain/case';
import { CASE_STATUSES } from '../../domain/case-lifecycle';
import { STAFF_ROLES } from '../../application/ports';
import { instantOfWallClock } from '../../domain/time-zone';

export const uuid = z.uuid();
export const departmentIdSchema = z.string().regex(/^[a-z][a-z0-9_]*$/, 'expected a lower-case identifier such as customer_service');

export const caseRefParams = z.object({ id: z.string().min(1).max(64).describe('Case id (uuid) or case number such as TS-202611-0001') });
export const idParams = z.object({ id: uuid });

/** `2026-11-01` (midnight in the policy's time zone) or a full ISO instant. */
export function instantParam(timeZone: string) {
  return z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((text) => {
    if (text.length > 10) return new Date(text);
    const [year, month, day] = text.split('-').map(Number);
    return instantOfWallClock(Date.UTC(year!, month! - 1, day!), timeZone);
  });
}

const booleanParam = z.enum(['true', 'false']).transform((value) => value === 'true');

export function caseListQuery(timeZone: string) {
  return z.object({
    status: z
      .string()
      .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
      .pipe(z.array(z.enum(CASE_STATUSES)))
      .optional()
      .describe(`One or more of ${CASE_STATUSES.join(', ')}, comma separated`),
    type: z.enum(CASE_TYPES).optional(),
    category: z.string().max(64).optional(),
    departmentId: departmentIdSchema.optional(),
    assigneeId: uuid.optional(),
    severity: z.enum(['general', 'major']).optional(),
    channel: z.string().max(32).optional(),
    overdue: booleanParam.optional().describe('true = only cases with a running deadline already passed'),
    from: instantParam(timeZone).optional().describe('Received on or after (YYYY-MM-DD in the policy time zone, or an ISO instant)'),
    to: instantParam(timeZone).optional().describe('Received before'),
    q: z.string().trim().min(1).max(200).optional().describe('Text search over the description, number and place; simplified and traditional match alike'),
    sort: z.enum(['newest', 'deadline']).default('newest').describe('newest first, or by the next deadline (cases without one last)'),
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: z.string().max(512).optional().describe('nextCursor of the previous page'),
  });
}

const clockView = z.object({ deadline: z.string().nullable(), paused: z.boolean(), overdue: z.boolean() });

export const caseViewSchema = z.object({
  id: uuid,
  number: z.string(),
  type: z.enum(CASE_TYPES),
  category: z.string(),
  status: z.enum(CASE_STATUSES),
  severity: z.enum(['general', 'major']),
  severityReasons: z.array(z.unknown()),
  escalationLevel: z.number().int().describe('0 none, 1 supervisor, 2 department manager, 3 senior management'),
  complex: z.boolean(),
  channel: z.string(),
  complainant: z
    .union([
      z.object({ visibility: z.enum(['anonymous', 'hidden']) }),
      z.object({ visibility: z.enum(['masked', 'revealed']), name: z.string().nullable(), phone: z.string().nullable(), identityId: z.string().nullable() }),
    ])
    .describe('Masked unless ?reveal=true and your role may see it; a report’s reporter is hidden from all but supervisors'),
  description: z.string(),
  descriptionScript: z.string(),
  incidentAt: z.string().nullable(),
  incidentTimeText: z.string().nullable(),
  location: z.string().nullable(),
  involved: z.string().nullable(),
  wants: z.array(z.enum(WANTS)),
  departmentId: z.string().nullable(),
  assigneeId: z.string().nullable(),
  linkedCaseId: z.string().nullable(),
  deadlines: z.record(z.string(), clockView),
  nextDeadline: z.string().nullable(),
  overdue: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const casePageSchema = z.object({ items: z.array(caseViewSchema), nextCursor: z.string().nullable() });

export const caseDetailSchema = z.object({
  case: caseViewSchema,
  timeline: z.array(
    z.object({ id: z.number(), caseId: z.string(), at: z.string(), type: z.string(), actor: z.record(z.string(), z.unknown()), data: z.record(z.string(), z.unknown()) }),
  ),
  attachments: z.array(z.object({ id: z.string(), channel: z.string(), contentType: z.string().nullable(), sizeBytes: z.number().nullable() })),
});

export const staffSchema = z.object({
  id: uuid,
  name: z.string(),
  departmentId: z.string().nullable(),
  role: z.enum(STAFF_ROLES),
  active: z.boolean(),
  username: z.string().nullable(),
});

export const departmentSchema = z.object({
  id: z.string(),
  name: z.record(z.string(), z.string()),
  managerStaffId: z.string().nullable(),
  active: z.boolean(),
});

export const departmentName = z.object({ 'zh-Hans': z.string().min(1).max(100), 'zh-Hant': z.string().min(1).max(100).optional(), en: z.string().min(1).max(100) });

export const usernameSchema = z.string().regex(/^[A-Za-z0-9._-]{3,64}$/, 'expected 3-64 of A-Z a-z 0-9 . _ -');

const text = (max: number) => z.string().trim().min(1).max(max);
export const reasonBody = z.object({ reason: text(2000).describe('Sent to the complainant in their script') });
export const optionalReasonBody = z.object({ reason: text(2000).optional() });
export const textBody = (what: string) => z.object({ text: text(4000).describe(what) });

export const assignBody = z
  .union([
    z.object({ staffId: uuid, reason: text(500).optional() }),
    z.object({ departmentId: departmentIdSchema, reason: text(500).optional() }),
    z.object({ auto: z.literal(true), reason: text(500).optional() }),
  ])
  .describe('A staff member; the least-loaded agent of a department; or auto: by the routing rules');
