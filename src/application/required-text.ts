import { DomainError } from '../domain/errors';

/** Trimmed text that staff must give (a reason, a result, a reply), or the error saying what to write. */
export function requiredText(text: string | undefined, code: string, message: string): string {
  const trimmed = text?.trim() ?? '';
  if (!trimmed) throw new DomainError(code, message);
  return trimmed;
}
