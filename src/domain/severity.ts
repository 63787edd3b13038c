import { DomainError } from './errors';

export type Severity = 'general' | 'major'; // 一般 / 重大

export interface SeverityRules {
  /** Listed in every script they should match in (火灾 and 火災); no script conversion is done here. */
  keywords: readonly string[];
  /** Distinct complainants (including this one) reporting the same matter that make it major. */
  collectiveThreshold: number;
}

export type SeverityReason =
  | { kind: 'keyword'; keyword: string }
  | { kind: 'collective'; complainants: number };

export interface SeverityAssessment {
  severity: Severity;
  reasons: SeverityReason[];
}

export interface SeverityInput {
  /** Every free-text field worth checking: description, location, title… */
  texts: readonly string[];
  relatedComplainants: number;
}

/**
 * NFKC folds full-width Latin letters and digits (ＦＩＲＥ) to ASCII so they match like
 * ordinary ones; lower-casing makes English keywords case-insensitive.
 */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

const LATIN_WORD_CHAR = /[a-z0-9]/;

/**
 * Chinese keywords match anywhere (Chinese has no spaces). Latin-letter keywords match whole
 * words only, so 'fire' does not fire on "I was fired" or "campfire".
 */
function keywordMatcher(folded: string): RegExp {
  const escaped = folded.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const before = LATIN_WORD_CHAR.test(folded.charAt(0)) ? '(?<![a-z0-9])' : '';
  const after = LATIN_WORD_CHAR.test(folded.charAt(folded.length - 1)) ? '(?![a-z0-9])' : '';
  return new RegExp(`${before}${escaped}${after}`);
}

function validate(input: SeverityInput, rules: SeverityRules): void {
  if (!Number.isInteger(rules.collectiveThreshold) || rules.collectiveThreshold < 1) {
    throw new DomainError(
      'SEVERITY.INVALID_RULES',
      `Collective threshold ${rules.collectiveThreshold} is invalid; configure a whole number of at least 1`,
      { collectiveThreshold: rules.collectiveThreshold },
    );
  }
  const blank = rules.keywords.findIndex((keyword) => keyword.trim() === '');
  if (blank !== -1) {
    // A blank keyword would match every text and make every case major.
    throw new DomainError(
      'SEVERITY.INVALID_RULES',
      `Severity keyword #${blank + 1} is blank; remove it from the configuration`,
      { index: blank },
    );
  }
  if (!Number.isInteger(input.relatedComplainants) || input.relatedComplainants < 0) {
    throw new DomainError(
      'SEVERITY.INVALID_COMPLAINANT_COUNT',
      `Related complainant count ${input.relatedComplainants} is invalid; pass the number of distinct complainants, including this one`,
      { relatedComplainants: input.relatedComplainants },
    );
  }
}

/** Reasons are listed keywords first (in configuration order, each once), then the collective one. */
export function assessSeverity(input: SeverityInput, rules: SeverityRules): SeverityAssessment {
  validate(input, rules);

  const texts = input.texts.map(fold);
  const reasons: SeverityReason[] = [];
  const seen = new Set<string>();
  for (const keyword of rules.keywords) {
    const folded = fold(keyword.trim());
    if (seen.has(folded)) continue;
    seen.add(folded);
    const matcher = keywordMatcher(folded);
    if (texts.some((text) => matcher.test(text))) reasons.push({ kind: 'keyword', keyword });
  }
  if (input.relatedComplainants >= rules.collectiveThreshold) {
    reasons.push({ kind: 'collective', complainants: input.relatedComplainants });
  }

  return { severity: reasons.length > 0 ? 'major' : 'general', reasons };
}
