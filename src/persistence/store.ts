import type { Repositories, Store } from '../application/ports';
import { apiTokenRepository, auditRepository, routingRuleRepository, settingsRepository } from './admin.repositories';
import { attachmentRepository } from './attachment.repository';
import { caseEventRepository } from './case-event.repository';
import { caseRepository } from './case.repository';
import { caseSearchRepository } from './case-search.repository';
import { counterRepository } from './counter.repository';
import type { Database } from './database';
import { departmentRepository } from './department.repository';
import { identityRepository } from './identity.repository';
import { outboxRepository } from './outbox.repository';
import { reportRepository } from './report.repository';
import { staffRepository } from './staff.repository';

function repositories(db: Database): Repositories {
  return {
    cases: caseRepository(db),
    events: caseEventRepository(db),
    counters: counterRepository(db),
    identities: identityRepository(db),
    staff: staffRepository(db),
    departments: departmentRepository(db),
    outbox: outboxRepository(db),
    attachments: attachmentRepository(db),
    routing: routingRuleRepository(db),
    caseSearch: caseSearchRepository(db),
    apiTokens: apiTokenRepository(db),
    audit: auditRepository(db),
    settings: settingsRepository(db),
    reports: reportRepository(db),
  };
}

/** The drizzle-backed storage port; `transaction` hands every repository the same transaction. */
export function createStore(db: Database): Store {
  return {
    ...repositories(db),
    transaction: (work) => db.transaction((tx) => work(repositories(tx as unknown as Database))),
  };
}
