import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors';
import { hashPassword, passwordProblem, verifyPassword } from './passwords';
import type { ApiToken, Staff, StaffChanges, StaffRole, Store } from './ports';

export interface NewStaffMember {
  name: string;
  role: StaffRole;
  departmentId?: string | null;
  username?: string | null;
  password?: string | null;
}

/** Who did it, for the audit log; null when the command line did it. */
export type AuditActor = { staffId: string } | null;

async function checkedHash(password: string): Promise<string> {
  const problem = passwordProblem(password);
  if (problem) throw new DomainError('STAFF.WEAK_PASSWORD', problem);
  return hashPassword(password);
}

async function checkDepartment(store: Store, departmentId: string | null | undefined): Promise<void> {
  if (!departmentId) return;
  const department = await store.departments.get(departmentId);
  if (!department) throw new DomainError('DEPARTMENT.NOT_FOUND', `No department ${departmentId}; create it first or pick one from GET /api/v1/departments.`, { departmentId });
}

async function checkUsernameFree(store: Store, username: string | null | undefined, exceptId?: string): Promise<void> {
  if (!username) return;
  const existing = await store.staff.credentialsByUsername(username);
  if (existing && existing.staff.id !== exceptId) {
    throw new DomainError('STAFF.USERNAME_TAKEN', `The username ${username} is taken; choose another.`, { username });
  }
}

export async function createStaffMember(store: Store, input: NewStaffMember, actor: AuditActor, now: Date): Promise<Staff> {
  if (input.password && !input.username) throw new DomainError('STAFF.USERNAME_REQUIRED', 'A password needs a username to sign in with.');
  if (input.role === 'agent' && !input.departmentId) {
    throw new DomainError('STAFF.NO_DEPARTMENT', 'An agent handles the cases of one department; give a departmentId.');
  }
  await checkDepartment(store, input.departmentId);
  await checkUsernameFree(store, input.username);
  const passwordHash = input.password ? await checkedHash(input.password) : null;
  const member = await store.staff.insert({
    name: input.name,
    role: input.role,
    departmentId: input.departmentId ?? null,
    active: true,
    username: input.username ?? null,
    passwordHash,
  });
  await store.audit.add({ at: now, staffId: actor?.staffId ?? null, action: 'staff_created', caseId: null, data: { memberId: member.id, role: member.role } });
  return member;
}

export async function updateStaffMember(
  store: Store,
  id: string,
  changes: StaffChanges & { password?: string },
  actor: AuditActor,
  now: Date,
): Promise<Staff> {
  const { password, ...fields } = changes;
  if (fields.departmentId !== undefined) await checkDepartment(store, fields.departmentId);
  if (fields.username !== undefined) await checkUsernameFree(store, fields.username, id);
  const passwordHash = password !== undefined ? await checkedHash(password) : undefined;
  const updated = await store.staff.update(id, fields);
  if (!updated) throw new DomainError('STAFF.NOT_FOUND', `No staff member ${id}.`, { staffId: id });
  if (passwordHash) await store.staff.setPassword(id, passwordHash);
  // A deactivated account, a new password or a new role: tokens issued before say nothing true any more.
  if (fields.active === false || passwordHash || fields.role !== undefined) await store.staff.revokeTokens(id);
  await store.audit.add({
    at: now,
    staffId: actor?.staffId ?? null,
    action: 'staff_updated',
    caseId: null,
    data: { memberId: id, fields: Object.keys(fields), passwordChanged: passwordHash !== undefined },
  });
  return updated;
}

// Verifying against a fixed hash when the user does not exist keeps the answer time the same.
let decoyHash: Promise<string> | undefined;

/** Checks a username and password; one answer for every failure, so names cannot be probed. */
export async function signIn(store: Store, credentials: { username: string; password: string }, now: Date): Promise<{ staff: Staff; sessionGeneration: number }> {
  const found = await store.staff.credentialsByUsername(credentials.username);
  const hash = found?.passwordHash ?? (await (decoyHash ??= hashPassword(randomBytes(16).toString('hex'))));
  const matches = await verifyPassword(credentials.password, hash);
  if (!found || !found.passwordHash || !matches || !found.staff.active) {
    await store.audit.add({ at: now, staffId: found?.staff.id ?? null, action: 'login_failed', caseId: null, data: { username: credentials.username } });
    throw new DomainError('AUTH.INVALID_CREDENTIALS', 'Wrong username or password, or the account is disabled.');
  }
  await store.audit.add({ at: now, staffId: found.staff.id, action: 'login', caseId: null, data: {} });
  return { staff: found.staff, sessionGeneration: found.sessionGeneration };
}

/** The member behind a session token, if the account is active and the token's generation was not revoked. */
export async function sessionStaff(store: Store, staffId: string, generation: number): Promise<Staff | null> {
  const found = await store.staff.credentials(staffId);
  if (!found || !found.staff.active || found.sessionGeneration !== generation) return null;
  return found.staff;
}

export const API_TOKEN_PREFIX = 'cit_';

const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');

/** A token for an integration, acting as `staffId`; the secret is returned once and only its hash kept. */
export async function createApiToken(store: Store, input: { staffId: string; name: string }, actor: AuditActor, now: Date): Promise<{ token: string; record: ApiToken }> {
  const member = await store.staff.get(input.staffId);
  if (!member || !member.active) throw new DomainError('STAFF.NOT_FOUND', `No active staff member ${input.staffId} for the token to act as.`, { staffId: input.staffId });
  const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  const record = await store.apiTokens.insert({ staffId: member.id, name: input.name, tokenHash: tokenHash(token) });
  await store.audit.add({ at: now, staffId: actor?.staffId ?? null, action: 'api_token_created', caseId: null, data: { tokenId: record.id, actsAs: member.id } });
  return { token, record };
}

export async function apiTokenStaff(store: Store, token: string, now: Date): Promise<Staff | null> {
  const record = await store.apiTokens.findActiveByHash(tokenHash(token));
  if (!record) return null;
  const member = await store.staff.get(record.staffId);
  if (!member?.active) return null;
  await store.apiTokens.touch(record.id, now);
  return member;
}

export async function revokeApiToken(store: Store, id: string, actor: AuditActor, now: Date): Promise<void> {
  if (!(await store.apiTokens.revoke(id, now))) throw new DomainError('TOKEN.NOT_FOUND', `No active API token ${id}.`, { tokenId: id });
  await store.audit.add({ at: now, staffId: actor?.staffId ?? null, action: 'api_token_revoked', caseId: null, data: { tokenId: id } });
}
