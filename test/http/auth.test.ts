import { PASSWORD, startAdminApp, type AdminApp } from '../support/admin-app';

describe('admin API sign-in and tokens', () => {
  let admin: AdminApp;

  beforeAll(async () => {
    admin = await startAdminApp();
  });
  afterAll(async () => {
    await admin.stop();
  });

  it('refuses requests without a valid token, with a code and what to do', async () => {
    const none = await admin.api().get('/api/v1/cases').expect(401);
    expect(none.body.error).toMatchObject({ code: 'AUTH.UNAUTHENTICATED', message: expect.stringContaining('POST /api/v1/auth/login') });
    await admin.api().get('/api/v1/cases').set('Authorization', 'Bearer not-a-token').expect(401);
    await admin.api().get('/api/v1/cases').set('Authorization', 'Bearer cit_unknown').expect(401);
  });

  it('signs in with a password and answers /auth/me; one message for a wrong password and an unknown user', async () => {
    const agent = await admin.staff('agent');
    const me = await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${agent.token}`).expect(200);
    expect(me.body).toMatchObject({ id: agent.id, role: 'agent', username: agent.username });
    expect(me.body).not.toHaveProperty('passwordHash');

    const wrong = await admin.api().post('/api/v1/auth/login').send({ username: agent.username, password: 'wrong password here' }).expect(401);
    const unknown = await admin.api().post('/api/v1/auth/login').send({ username: 'nobody', password: 'wrong password here' }).expect(401);
    expect(wrong.body.error).toEqual(unknown.body.error);
    const failures = await admin.app.store.audit.list({ action: 'login_failed', limit: 10 });
    expect(failures.map((entry) => entry.data.username)).toEqual(expect.arrayContaining([agent.username, 'nobody']));
  });

  it('locks a username after five failed sign-ins, even for the right password, and says when to retry', async () => {
    const agent = await admin.staff('agent');
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await admin.api().post('/api/v1/auth/login').send({ username: agent.username, password: `guess number ${attempt}` }).expect(401);
    }
    const locked = await admin.api().post('/api/v1/auth/login').send({ username: agent.username, password: PASSWORD }).expect(429);
    expect(locked.body.error.code).toBe('AUTH.RATE_LIMITED');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('signs out one token, or every token of a member; deactivating a member ends their sessions', async () => {
    const agent = await admin.staff('agent');
    const other = await admin.login(agent.username);
    await admin.api().post('/api/v1/auth/logout').set('Authorization', `Bearer ${agent.token}`).expect(204);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${agent.token}`).expect(401);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${other}`).expect(200);

    await admin.api().post('/api/v1/auth/revoke-all').set('Authorization', `Bearer ${other}`).expect(204);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${other}`).expect(401);
    const fresh = await admin.login(agent.username);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${fresh}`).expect(200);

    const boss = await admin.staff('admin');
    await admin.api().patch(`/api/v1/staff/${agent.id}`).set('Authorization', `Bearer ${boss.token}`).send({ active: false }).expect(200);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${fresh}`).expect(401);
    await admin.api().post('/api/v1/auth/login').send({ username: agent.username, password: PASSWORD }).expect(401);
  });

  it('gives integrations API tokens that act as a staff member until revoked', async () => {
    const boss = await admin.staff('admin');
    const reporter = await admin.staff('auditor');
    const created = await admin.api().post('/api/v1/api-tokens').set('Authorization', `Bearer ${boss.token}`).send({ name: 'BI tool', staffId: reporter.id }).expect(201);
    expect(created.body.token).toMatch(/^cit_/);
    const me = await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${created.body.token}`).expect(200);
    expect(me.body.role).toBe('auditor');
    const listed = await admin.api().get('/api/v1/api-tokens').set('Authorization', `Bearer ${boss.token}`).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    await admin.api().delete(`/api/v1/api-tokens/${created.body.id}`).set('Authorization', `Bearer ${boss.token}`).expect(204);
    await admin.api().get('/api/v1/auth/me').set('Authorization', `Bearer ${created.body.token}`).expect(401);
  });

  it('keeps admin endpoints for admins', async () => {
    const agent = await admin.staff('agent');
    const refused = await admin.api().post('/api/v1/departments').set('Authorization', `Bearer ${agent.token}`).send({ id: 'x_dept', name: { 'zh-Hans': '某部门', en: 'X' } }).expect(403);
    expect(refused.body.error.code).toBe('AUTH.FORBIDDEN');
  });

  it('validates bodies and queries with the documented schemas and lists every problem', async () => {
    const boss = await admin.staff('admin');
    const bad = await admin.api().post('/api/v1/staff').set('Authorization', `Bearer ${boss.token}`).send({ name: '', role: 'boss' }).expect(400);
    expect(bad.body.error.code).toBe('REQUEST.INVALID');
    expect(bad.body.error.details.issues.map((issue: { path: string[] }) => issue.path.join('.'))).toEqual(expect.arrayContaining(['name', 'role']));
    const weak = await admin.api().post('/api/v1/staff').set('Authorization', `Bearer ${boss.token}`).send({ name: 'A', role: 'auditor', username: 'weakling', password: 'short' }).expect(422);
    expect(weak.body.error.code).toBe('STAFF.WEAK_PASSWORD');
    await admin.api().get('/api/v1/cases?limit=1000').set('Authorization', `Bearer ${boss.token}`).expect(400);
    await admin.api().get('/api/v1/cases?status=registered,bogus').set('Authorization', `Bearer ${boss.token}`).expect(400);
    await admin.api().get('/api/v1/cases?cursor=garbage').set('Authorization', `Bearer ${boss.token}`).expect(400);
  });

  it('publishes an OpenAPI 3.1 document built from the same schemas, and Swagger UI', async () => {
    const document = (await admin.api().get('/api/openapi.json').expect(200)).body;
    expect(document.openapi).toBe('3.1.0');
    const list = document.paths['/api/v1/cases'].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['status', 'overdue', 'q', 'sort', 'cursor', 'limit']));
    expect(document.paths['/api/v1/cases/{id}/resolve'].post.requestBody.content['application/json'].schema.required).toEqual(['result']);
    expect(document.paths['/api/v1/auth/login'].post.security).toEqual([]);
    const docs = await admin.api().get('/api/docs/').expect(200);
    expect(docs.text).toContain('swagger');
  });
});
