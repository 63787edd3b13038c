import type { Case } from '../domain/case';
import { DomainError } from '../domain/errors';
import { parseCaseNumber } from '../domain/case-number';
import { canReveal, canView, caseScope, caseView, type CaseView } from './case-access';
import type { Attachment, CaseCursor, CaseEvent, CaseFilter, CaseSort, Staff, Store } from './ports';

export interface CaseQueryDeps {
  store: Store;
  simplify: (text: string) => string;
}

export interface CaseListQuery {
  filter: Omit<CaseFilter, 'overdueAt' | 'text'> & { overdue?: boolean; text?: string };
  sort: CaseSort;
  limit: number;
  cursor?: string;
}

export interface CasePage {
  items: CaseView[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: CaseCursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): CaseCursor {
  try {
    const [value, id] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if ((typeof value === 'string' || value === null) && typeof id === 'string' && UUID.test(id)) return { value, id };
  } catch {
    // falls through to the error below
  }
  throw new DomainError('REQUEST.BAD_CURSOR', 'The cursor is not one this API gave out; start again without it.');
}

function cursorOf(record: Case, sort: CaseSort, view: CaseView): CaseCursor {
  return { value: sort === 'deadline' ? view.nextDeadline : record.createdAt.toISOString(), id: record.id };
}

/** A page of the cases `staff` may see, newest first or by the next deadline; personal data masked. */
export async function listCases(deps: CaseQueryDeps, staff: Staff, query: CaseListQuery, now: Date): Promise<CasePage> {
  const { overdue, text, ...filter } = query.filter;
  const rows = await deps.store.caseSearch.search({
    filter: {
      ...filter,
      ...(overdue ? { overdueAt: now } : {}),
      ...(text?.trim() ? { text: deps.simplify(text.trim()) } : {}),
    },
    scope: caseScope(staff),
    sort: query.sort,
    // One more than asked tells whether another page exists.
    limit: query.limit + 1,
    ...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
  });
  const page = rows.slice(0, query.limit);
  const items = page.map((record) => caseView(record, staff, { reveal: false, now }));
  const last = page.at(-1);
  return { items, nextCursor: rows.length > query.limit && last ? encodeCursor(cursorOf(last, query.sort, items.at(-1)!)) : null };
}

/** A case by id or number, if `staff` may see it; otherwise "not found", so its existence does not leak. */
export async function findVisibleCase(store: Store, staff: Staff, idOrNumber: string): Promise<Case> {
  const parsed = UUID.test(idOrNumber) ? null : parseCaseNumber(idOrNumber);
  const record = UUID.test(idOrNumber) ? await store.cases.get(idOrNumber) : parsed ? await store.cases.findByNumber(parsed.caseNumber) : null;
  if (!record || !canView(staff, record)) {
    throw new DomainError('CASE.NOT_FOUND', `No case ${idOrNumber} that you may see; check the number, or ask a supervisor.`, { case: idOrNumber });
  }
  return record;
}

export interface CaseDetail {
  case: CaseView;
  timeline: Array<Omit<CaseEvent, 'at'> & { at: string }>;
  attachments: Array<Pick<Attachment, 'id' | 'channel' | 'contentType' | 'sizeBytes'>>;
}

/** One case with its timeline; revealing personal data is allowed only to some and always logged. */
export async function getCaseDetail(deps: CaseQueryDeps, staff: Staff, idOrNumber: string, options: { reveal: boolean }, now: Date): Promise<CaseDetail> {
  const record = await findVisibleCase(deps.store, staff, idOrNumber);
  if (options.reveal && !canReveal(staff, record)) {
    throw new DomainError('CASE.REVEAL_FORBIDDEN', 'Your role may not see this complainant’s personal data; ask a supervisor.', { case: record.number });
  }
  const view = caseView(record, staff, { reveal: options.reveal, now });
  if (options.reveal && view.complainant.visibility === 'revealed') {
    await deps.store.audit.add({ at: now, staffId: staff.id, action: 'personal_data_viewed', caseId: record.id, data: { number: record.number, fields: ['contactName', 'contactPhone'] } });
  }
  const [events, attachments] = await Promise.all([deps.store.events.listForCase(record.id), deps.store.attachments.listForCase(record.id)]);
  return {
    case: view,
    timeline: events.map((event) => ({ ...event, at: event.at.toISOString() })),
    attachments: attachments.map(({ id, channel, contentType, sizeBytes }) => ({ id, channel, contentType, sizeBytes })),
  };
}
