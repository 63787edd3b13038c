import type { Policy } from '../config/policy.schema';
import type { Catalog } from '../conversation/catalog';
import type { Literal } from '../conversation/text';
import { CASE_TYPES } from '../domain/case';

type Label = { 'zh-Hans': string; 'zh-Hant'?: string | undefined; en: string };

/**
 * The dialog's view of the policy. Wording given only in simplified Chinese gets its traditional
 * form here, once at start-up, so every reply can be in the user's script.
 */
export function buildCatalog(policy: Policy, convert: { toTraditional: (text: string) => string; simplify: (text: string) => string }): Catalog {
  const full = (label: Label): Literal => ({ 'zh-Hans': label['zh-Hans'], 'zh-Hant': label['zh-Hant'] ?? convert.toTraditional(label['zh-Hans']), en: label.en });
  return {
    timeZone: policy.timeZone,
    defaultLocale: policy.defaultLocale,
    caseTypes: CASE_TYPES,
    categories: policy.categories.map((c) => ({ id: c.id, label: full(c.label) })),
    departments: policy.departments.map((d) => ({ id: d.id, name: full(d.name) })),
    places: Object.fromEntries(Object.entries(policy.places).map(([key, label]) => [key, full(label)])),
    faq: policy.faq.map((entry) => ({
      id: entry.id,
      keywords: entry.keywords.map((keyword) => convert.simplify(keyword).toLowerCase()),
      question: full(entry.question),
      answer: full(entry.answer),
    })),
    support: { hotline: policy.support.hotline, hours: full(policy.support.hours) },
    limits: {
      minDescriptionLength: policy.conversation.minDescriptionLength,
      maxNameLength: policy.conversation.maxNameLength,
      intakeExpiryHours: policy.conversation.intakeExpiryHours,
    },
  };
}
