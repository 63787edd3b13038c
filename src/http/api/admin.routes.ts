import { z } from 'zod';
import type { Policy } from '../../config/policy.schema';
import type { ConversationDeps } from '../../application/conversation-service';
import { STAFF_ROLES, type StaffRole } from '../../application/ports';
import { effectiveRoutingRules } from '../../application/case-service';
import { createApiToken, createStaffMember, revokeApiToken, updateStaffMember } from '../../application/staff-accounts';
import { issueBindingCode, type StaffDeskDeps } from '../../application/staff-desk';
import { DomainError } from '../../domain/errors';
import { departmentIdSchema, departmentName, departmentSchema, idParams, staffSchema, usernameSchema, uuid } from './api-schemas';
import { defineRoute, type ApiRoute } from './route-registry';

export interface DeadLetterView {
  jobId: string;
  outboxId: number;
  channel: string;
  externalId: string;
  failedReason: string;
  attemptsMade: number;
  finishedOn: string | null;
}

export interface AdminRouteDeps {
  conversations: ConversationDeps;
  staffDesk: StaffDeskDeps;
  policy: Policy;
  clock: () => Date;
  /** Failed notifications of every channel, newest first; absent when this process runs no workers. */
  deadLetters?: { list(limit: number): Promise<DeadLetterView[]>; retry(channel: string, jobId: string): Promise<boolean> };
}

const ADMIN: readonly StaffRole[] = ['admin'];
const MANAGERS: readonly StaffRole[] = ['admin', 'supervisor'];
const EVERYONE: readonly StaffRole[] = ['admin', 'supervisor', 'agent', 'auditor'];
const BINDING_CODE_HOURS = 24;

export function adminRoutes(deps: AdminRouteDeps): ApiRoute[] {
  const { store } = deps.conversations.cases;
  const categories = new Set(deps.policy.categories.map((c) => c.id));
  const requireStaff = async (id: string) => {
    const member = await store.staff.get(id);
    if (!member) throw new DomainError('STAFF.NOT_FOUND', `No staff member ${id}; list them with GET /api/v1/staff.`, { staffId: id });
    return member;
  };
  const requireDepartment = async (id: string) => {
    const department = await store.departments.get(id);
    if (!department) throw new DomainError('DEPARTMENT.NOT_FOUND', `No department ${id}; list them with GET /api/v1/departments.`, { departmentId: id });
    return department;
  };
  const audit = (staffId: string, action: string, data: Record<string, unknown>) => store.audit.add({ at: deps.clock(), staffId, action, caseId: null, data });

  return [
    defineRoute({
      method: 'get',
      path: '/departments',
      summary: 'List departments',
      tag: 'Departments',
      roles: EVERYONE,
      response: { status: 200, description: 'Departments', schema: z.array(departmentSchema) },
      handler: () => store.departments.list(),
    }),
    defineRoute({
      method: 'post',
      path: '/departments',
      summary: 'Create a department',
      tag: 'Departments',
      roles: ADMIN,
      body: z.object({ id: departmentIdSchema, name: departmentName }),
      response: { status: 201, description: 'Created', schema: departmentSchema },
      handler: async ({ body, staff }) => {
        if (await store.departments.get(body.id)) throw new DomainError('DEPARTMENT.ALREADY_EXISTS', `Department ${body.id} exists; change it with PATCH.`, { departmentId: body.id });
        const created = await store.departments.insert(body);
        await audit(staff.id, 'department_created', { departmentId: body.id });
        return created;
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/departments/:id',
      summary: 'Rename a department, set its manager, or deactivate it',
      tag: 'Departments',
      roles: ADMIN,
      params: z.object({ id: departmentIdSchema }),
      body: z.object({ name: departmentName.optional(), managerStaffId: uuid.nullable().optional(), active: z.boolean().optional() }),
      response: { status: 200, description: 'Updated', schema: departmentSchema },
      handler: async ({ params, body, staff }) => {
        await requireDepartment(params.id);
        if (body.managerStaffId) await requireStaff(body.managerStaffId);
        const updated = await store.departments.update(params.id, body);
        await audit(staff.id, 'department_updated', { departmentId: params.id, fields: Object.keys(body) });
        return updated;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/staff',
      summary: 'List staff',
      tag: 'Staff',
      roles: MANAGERS,
      query: z.object({ departmentId: departmentIdSchema.optional(), role: z.enum(STAFF_ROLES).optional(), active: z.enum(['true', 'false']).transform((v) => v === 'true').optional() }),
      response: { status: 200, description: 'Staff', schema: z.array(staffSchema) },
      handler: ({ query, staff }) =>
        store.staff.list({
          // A department's supervisor manages their own people.
          ...(staff.role === 'supervisor' && staff.departmentId ? { departmentId: staff.departmentId } : query.departmentId ? { departmentId: query.departmentId } : {}),
          ...(query.role ? { role: query.role } : {}),
          ...(query.active !== undefined ? { active: query.active } : {}),
        }),
    }),
    defineRoute({
      method: 'post',
      path: '/staff',
      summary: 'Create a staff member (with a sign-in when username and password are given)',
      description: 'Passwords need at least 12 characters. Staff who only work from chat need no password: give them a binding code.',
      tag: 'Staff',
      roles: ADMIN,
      body: z.object({
        name: z.string().trim().min(1).max(100),
        role: z.enum(STAFF_ROLES),
        departmentId: departmentIdSchema.nullable().optional(),
        username: usernameSchema.optional(),
        password: z.string().max(256).optional(),
      }),
      response: { status: 201, description: 'Created', schema: staffSchema },
      handler: ({ body, staff }) => createStaffMember(store, body, { staffId: staff.id }, deps.clock()),
    }),
    defineRoute({
      method: 'get',
      path: '/staff/:id',
      summary: 'One staff member and the chat accounts bound to them',
      tag: 'Staff',
      roles: MANAGERS,
      params: idParams,
      response: {
        status: 200,
        description: 'The member',
        schema: staffSchema.extend({ chatAccounts: z.array(z.object({ channel: z.string(), displayName: z.string().nullable(), unreachable: z.boolean() })) }),
      },
      handler: async ({ params }) => {
        const member = await requireStaff(params.id);
        const accounts = await store.identities.listForStaff(member.id);
        return { ...member, chatAccounts: accounts.map((a) => ({ channel: a.channel, displayName: a.displayName, unreachable: a.unreachable })) };
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/staff/:id',
      summary: 'Change a staff member; deactivating, a new role or a new password revokes their tokens',
      tag: 'Staff',
      roles: ADMIN,
      params: idParams,
      body: z.object({
        name: z.string().trim().min(1).max(100).optional(),
        role: z.enum(STAFF_ROLES).optional(),
        departmentId: departmentIdSchema.nullable().optional(),
        active: z.boolean().optional(),
        username: usernameSchema.nullable().optional(),
        password: z.string().max(256).optional(),
      }),
      response: { status: 200, description: 'Updated', schema: staffSchema },
      handler: ({ params, body, staff }) => updateStaffMember(store, params.id, body, { staffId: staff.id }, deps.clock()),
    }),
    defineRoute({
      method: 'post',
      path: '/staff/:id/revoke-tokens',
      summary: 'Sign a staff member out everywhere',
      tag: 'Staff',
      roles: ADMIN,
      params: idParams,
      response: { status: 204, description: 'Revoked' },
      handler: async ({ params, staff }) => {
        await requireStaff(params.id);
        await store.staff.revokeTokens(params.id);
        await audit(staff.id, 'tokens_revoked', { memberId: params.id });
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/staff/:id/binding-codes',
      summary: 'A one-time code that binds a chat account (Telegram, WeCom, WeChat) to this staff member',
      description: `The member sends "/bind CODE" to the bot within ${BINDING_CODE_HOURS} hours; from then on their assignments arrive there and they can act on them.`,
      tag: 'Staff',
      roles: MANAGERS,
      params: idParams,
      response: { status: 201, description: 'The code', schema: z.object({ code: z.string(), expiresAt: z.string(), instructions: z.string() }) },
      handler: async ({ params, staff }) => {
        const member = await requireStaff(params.id);
        if (!member.active) throw new DomainError('STAFF.INACTIVE', `${member.name} is deactivated; activate them first.`, { staffId: member.id });
        if (staff.role === 'supervisor' && member.departmentId !== staff.departmentId && staff.departmentId !== null) {
          throw new DomainError('STAFF.FORBIDDEN', 'Supervisors issue codes for their own department.', { staffId: member.id });
        }
        const code = await issueBindingCode(deps.staffDesk, member.id);
        await audit(staff.id, 'binding_code_issued', { memberId: member.id });
        return { code, expiresAt: new Date(deps.clock().getTime() + BINDING_CODE_HOURS * 3600_000).toISOString(), instructions: `Send "/bind ${code}" to the bot from the chat account to bind.` };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/routing-rules',
      summary: 'Which department receives which category',
      tag: 'Routing',
      roles: EVERYONE,
      response: {
        status: 200,
        description: 'The rules in force (source: config/policy.yaml, or changed through this API), and the department for categories without one',
        schema: z.object({ rules: z.array(z.object({ category: z.string(), departmentId: z.string(), source: z.enum(['config', 'api']) })), fallbackDepartment: z.string() }),
      },
      handler: async () => ({ rules: await effectiveRoutingRules(deps, store), fallbackDepartment: deps.policy.routing.fallbackDepartment }),
    }),
    defineRoute({
      method: 'put',
      path: '/routing-rules/:category',
      summary: 'Route a category to a department (new cases from now on)',
      tag: 'Routing',
      roles: ADMIN,
      params: z.object({ category: z.string() }),
      body: z.object({ departmentId: departmentIdSchema }),
      response: { status: 200, description: 'The rule', schema: z.object({ category: z.string(), departmentId: z.string() }) },
      handler: async ({ params, body, staff }) => {
        if (!categories.has(params.category)) {
          throw new DomainError('ROUTING.UNKNOWN_CATEGORY', `No category ${params.category}; categories come from config/policy.yaml: ${[...categories].join(', ')}.`, { category: params.category });
        }
        await requireDepartment(body.departmentId);
        const rule = await store.routing.set({ category: params.category, departmentId: body.departmentId });
        await audit(staff.id, 'routing_changed', { ...rule });
        return rule;
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/routing-rules/:category',
      summary: 'Undo a change made through the API: the category follows config/policy.yaml again',
      tag: 'Routing',
      roles: ADMIN,
      params: z.object({ category: z.string() }),
      response: { status: 204, description: 'Removed' },
      handler: async ({ params, staff }) => {
        if (!(await store.routing.remove(params.category))) throw new DomainError('ROUTING.NOT_FOUND', `No rule for ${params.category}.`, { category: params.category });
        await audit(staff.id, 'routing_changed', { category: params.category, departmentId: null });
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api-tokens',
      summary: 'List integration tokens (never their secrets)',
      tag: 'API tokens',
      roles: ADMIN,
      response: { status: 200, description: 'Tokens', schema: z.array(z.object({ id: z.string(), staffId: z.string(), name: z.string(), createdAt: z.string(), lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable() })) },
      handler: () => store.apiTokens.list(),
    }),
    defineRoute({
      method: 'post',
      path: '/api-tokens',
      summary: 'Create a token for an integration; it acts with the role of the given staff member',
      description: 'The token is shown once. Create a dedicated staff member (e.g. role auditor for a reporting tool) for each integration.',
      tag: 'API tokens',
      roles: ADMIN,
      body: z.object({ name: z.string().trim().min(1).max(100), staffId: uuid }),
      response: { status: 201, description: 'The token', schema: z.object({ id: z.string(), token: z.string() }) },
      handler: async ({ body, staff }) => {
        const created = await createApiToken(store, body, { staffId: staff.id }, deps.clock());
        return { id: created.record.id, token: created.token };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api-tokens/:id',
      summary: 'Revoke an integration token',
      tag: 'API tokens',
      roles: ADMIN,
      params: idParams,
      response: { status: 204, description: 'Revoked' },
      handler: async ({ params, staff }) => {
        await revokeApiToken(store, params.id, { staffId: staff.id }, deps.clock());
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/notifications/dead-letters',
      summary: 'Notifications that could not be delivered (kept 30 days)',
      tag: 'Notifications',
      roles: ADMIN,
      query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
      response: {
        status: 200,
        description: 'Failed deliveries, newest first',
        schema: z.array(z.object({ jobId: z.string(), outboxId: z.number(), channel: z.string(), externalId: z.string(), failedReason: z.string(), attemptsMade: z.number(), finishedOn: z.string().nullable() })),
      },
      handler: async ({ query }) => (deps.deadLetters ? deps.deadLetters.list(query.limit) : []),
    }),
    defineRoute({
      method: 'post',
      path: '/notifications/dead-letters/:channel/:jobId/retry',
      summary: 'Try a failed notification again',
      tag: 'Notifications',
      roles: ADMIN,
      params: z.object({ channel: z.string(), jobId: z.string() }),
      response: { status: 202, description: 'Queued again', schema: z.object({ queued: z.boolean() }) },
      handler: async ({ params, staff }) => {
        const queued = deps.deadLetters ? await deps.deadLetters.retry(params.channel, params.jobId) : false;
        if (!queued) throw new DomainError('NOTIFICATION.NOT_FOUND', `No failed notification ${params.jobId} on ${params.channel}.`, { ...params });
        await audit(staff.id, 'notification_retried', { ...params });
        return { queued };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/audit',
      summary: 'The audit log: sign-ins, views of personal data, changes to staff and set-up',
      tag: 'Audit',
      roles: ['admin', 'auditor'],
      query: z.object({
        caseId: uuid.optional(),
        staffId: uuid.optional(),
        action: z.string().max(64).optional(),
        before: z.coerce.number().int().positive().optional().describe('id of the last entry of the previous page'),
        limit: z.coerce.number().int().min(1).max(500).default(100),
      }),
      response: {
        status: 200,
        description: 'Entries, newest first',
        schema: z.array(z.object({ id: z.number(), at: z.string(), staffId: z.string().nullable(), action: z.string(), caseId: z.string().nullable(), data: z.record(z.string(), z.unknown()) })),
      },
      handler: ({ query }) =>
        store.audit.list({
          limit: query.limit,
          ...(query.caseId ? { caseId: query.caseId } : {}),
          ...(query.staffId ? { staffId: query.staffId } : {}),
          ...(query.action ? { action: query.action } : {}),
          ...(query.before ? { before: query.before } : {}),
        }),
    }),
  ];
}
