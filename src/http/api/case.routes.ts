import { stringify } from 'csv-stringify';
import { z } from 'zod';
import { runCaseCommand, type CaseCommandInput } from '../../application/case-commands';
import { getCaseDetail, listCases, type CaseListQuery } from '../../application/case-queries';
import type { ConversationDeps } from '../../application/conversation-service';
import type { StaffRole } from '../../application/ports';
import { assignBody, caseDetailSchema, caseListQuery, casePageSchema, caseRefParams, caseViewSchema, optionalReasonBody, reasonBody, textBody } from './api-schemas';
import { defineRoute, type ApiRoute } from './route-registry';

export interface CaseRouteDeps {
  conversations: ConversationDeps;
  timeZone: string;
  clock: () => Date;
}

const STAFF: readonly StaffRole[] = ['admin', 'supervisor', 'agent', 'auditor'];
const ACTORS: readonly StaffRole[] = ['admin', 'supervisor', 'agent'];
// A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
const FORMULA_START = /^[=+\-@\t\r]/;
const EXPORT_PAGE = 500;
const EXPORT_MAX_ROWS = 100_000;

export function caseRoutes(deps: CaseRouteDeps): ApiRoute[] {
  const cases = deps.conversations.cases;
  const queryDeps = { store: cases.store, simplify: cases.simplify };
  const listQuery = caseListQuery(deps.timeZone);
  const toListQuery = (query: z.output<typeof listQuery>): CaseListQuery => ({
    filter: {
      ...(query.status ? { statuses: query.status } : {}),
      ...(query.type ? { type: query.type } : {}),
      ...(query.category ? { category: query.category } : {}),
      ...(query.departmentId ? { departmentId: query.departmentId } : {}),
      ...(query.assigneeId ? { assigneeId: query.assigneeId } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
      ...(query.channel ? { channel: query.channel } : {}),
      ...(query.overdue !== undefined ? { overdue: query.overdue } : {}),
      ...(query.from ? { createdFrom: query.from } : {}),
      ...(query.to ? { createdBefore: query.to } : {}),
      ...(query.q ? { text: query.q } : {}),
    },
    sort: query.sort,
    limit: query.limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
  });

  const command = <B extends z.ZodType>(spec: { path: string; summary: string; description?: string; body?: B; toInput: (body: z.output<B>) => CaseCommandInput }) =>
    defineRoute({
      method: 'post',
      path: `/cases/:id/${spec.path}`,
      summary: spec.summary,
      ...(spec.description ? { description: spec.description } : {}),
      tag: 'Cases',
      roles: ACTORS,
      params: caseRefParams,
      ...(spec.body ? { body: spec.body } : {}),
      response: { status: 200, description: 'The case after the change', schema: caseViewSchema },
      handler: ({ params, body, staff }) => runCaseCommand(deps.conversations, staff, params.id, spec.toInput(body as z.output<B>), deps.clock()),
    });

  return [
    defineRoute({
      method: 'get',
      path: '/cases',
      summary: 'List cases you may see',
      description: 'Agents see their department; nobody sees a case about themselves (回避). Contact details are masked.',
      tag: 'Cases',
      roles: STAFF,
      query: listQuery,
      response: { status: 200, description: 'A page of cases', schema: casePageSchema },
      handler: ({ query, staff }) => listCases(queryDeps, staff, toListQuery(query), deps.clock()),
    }),
    defineRoute({
      method: 'get',
      path: '/cases/export.csv',
      summary: 'Export the listed cases as CSV (masked, UTF-8 with BOM for Excel)',
      tag: 'Cases',
      roles: STAFF,
      query: listQuery.omit({ cursor: true, limit: true }),
      response: { status: 200, description: 'CSV file', contentType: 'text/csv' },
      handler: async ({ query, staff, res }) => {
        res.status(200).type('text/csv; charset=utf-8').attachment(`cases-${deps.clock().toISOString().slice(0, 10)}.csv`);
        res.write('\uFEFF');
        const csv = stringify({
          header: true,
          columns: ['number', 'type', 'category', 'status', 'severity', 'escalationLevel', 'channel', 'departmentId', 'assigneeId', 'createdAt', 'nextDeadline', 'overdue', 'location', 'description'],
          cast: { boolean: (value) => (value ? 'true' : 'false'), string: (value) => (FORMULA_START.test(value) ? `'${value}` : value) },
        });
        csv.pipe(res);
        let cursor: string | undefined;
        let written = 0;
        do {
          const page = await listCases(queryDeps, staff, { ...toListQuery({ ...query, limit: EXPORT_PAGE }), ...(cursor ? { cursor } : {}) }, deps.clock());
          for (const item of page.items) {
            if (!csv.write(item)) await new Promise((resolve) => csv.once('drain', resolve));
          }
          written += page.items.length;
          cursor = page.nextCursor ?? undefined;
        } while (cursor && written < EXPORT_MAX_ROWS);
        csv.end();
        await new Promise((resolve) => res.once('finish', resolve));
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/cases/:id',
      summary: 'One case with its timeline',
      description: 'reveal=true shows the complainant’s name and phone to a supervisor, or to the assigned agent of a complaint; every such view is on the audit log.',
      tag: 'Cases',
      roles: STAFF,
      params: caseRefParams,
      query: z.object({ reveal: z.enum(['true', 'false']).transform((v) => v === 'true').default(false) }),
      response: { status: 200, description: 'The case', schema: caseDetailSchema },
      handler: ({ params, query, staff }) => getCaseDetail(queryDeps, staff, params.id, { reveal: query.reveal }, deps.clock()),
    }),
    command({ path: 'assign', summary: 'Assign, reassign or route the case', body: assignBody, toInput: (body) => ({ command: 'assign', to: 'auto' in body ? 'auto' : 'staffId' in body ? { staffId: body.staffId } : { departmentId: body.departmentId }, ...(body.reason ? { reason: body.reason } : {}) }) }),
    command({ path: 'accept', summary: 'Accept the case and start the investigation', toInput: () => ({ command: 'accept' }) }),
    command({ path: 'reject', summary: 'Reject the case; the reason is sent to the complainant', body: reasonBody, toInput: (body) => ({ command: 'reject', reason: body.reason }) }),
    command({
      path: 'request-information',
      summary: 'Ask the complainant a question; the resolution clock pauses until they answer',
      body: z.object({ question: z.string().trim().min(1).max(2000) }),
      toInput: (body) => ({ command: 'requestInformation', question: body.question }),
    }),
    command({ path: 'reply', summary: 'Send the complainant a message in their chat', body: textBody('The message; quoted in the complainant’s script'), toInput: (body) => ({ command: 'reply', text: body.text }) }),
    command({
      path: 'resolve',
      summary: 'Resolve the case; the complainant is told the result and asked to rate it',
      body: z.object({ result: z.string().trim().min(1).max(4000) }),
      toInput: (body) => ({ command: 'resolve', result: body.result }),
    }),
    command({ path: 'close', summary: 'Close a resolved case', body: optionalReasonBody, toInput: (body) => ({ command: 'close', ...(body.reason ? { reason: body.reason } : {}) }) }),
    command({ path: 'reopen', summary: 'Reopen a resolved case for more investigation', body: reasonBody, toInput: (body) => ({ command: 'reopen', reason: body.reason }) }),
    command({
      path: 'severity',
      summary: 'Change the severity; a major case goes to the department manager and leadership at once',
      body: z.object({ severity: z.enum(['general', 'major']), reason: z.string().trim().min(1).max(500) }),
      toInput: (body) => ({ command: 'severity', severity: body.severity, reason: body.reason }),
    }),
    command({
      path: 'complexity',
      summary: 'Mark the case complex (longer limit, daily progress messages) or not',
      body: z.object({ complex: z.boolean() }),
      toInput: (body) => ({ command: 'complexity', complex: body.complex }),
    }),
    command({ path: 'extend', summary: 'Extend a report’s deadline once (30 → 60 days); the reporter is told', body: reasonBody, toInput: (body) => ({ command: 'extend', reason: body.reason }) }),
    command({ path: 'notes', summary: 'Add an internal note (never shown to the complainant)', body: textBody('The note'), toInput: (body) => ({ command: 'note', text: body.text }) }),
  ];
}
