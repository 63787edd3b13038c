/**
 * A broken business rule. `code` is stable (clients and tests match on it); `message` says
 * what happened and what to do next. The HTTP layer maps codes to status codes; the domain
 * never speaks HTTP.
 */
export class DomainError extends Error {
  override readonly name = 'DomainError';

  constructor(
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
