import type { Case } from '../domain/case';
import { maskPhone } from '../conversation/phone';

const SUMMARY_LENGTH = 200;

/**
 * What an assignment message shows the staff member: enough to act on, with the complainant
 * masked. A reporter (举报) is never shown at all: only the supervising role may see them.
 */
export function assignmentPayload(record: Case): Record<string, unknown> {
  const summary = [...record.description];
  return {
    number: record.number,
    caseId: record.id,
    type: record.type,
    category: record.category,
    severity: record.severity,
    summary: summary.length > SUMMARY_LENGTH ? `${summary.slice(0, SUMMARY_LENGTH).join('')}…` : record.description,
    complainant: record.type === 'report' || record.anonymous ? null : maskedContact(record),
    deadline: record.sla.resolve?.deadline ?? null,
  };
}

function maskedContact(record: Case): string | null {
  const name = record.contactName ? [...record.contactName].map((char, index) => (index === 0 ? char : '*')).join('') : null;
  const phone = record.contactPhone ? maskPhone(record.contactPhone) : null;
  return [name, phone].filter(Boolean).join(' ') || null;
}
