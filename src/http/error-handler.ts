import type { ErrorRequestHandler, RequestHandler } from 'express';
import { DomainError } from '../domain/errors';
import type { Logger } from '../logger';

/** Domain codes end in a kind of failure; the kind decides the HTTP status. */
const statusBySuffix: ReadonlyArray<[RegExp, number]> = [
  [/^REQUEST\./, 400],
  [/^AUTH\.(UNAUTHENTICATED|INVALID_CREDENTIALS)$/, 401],
  [/\.RATE_LIMITED$/, 429],
  [/\.NOT_FOUND$/, 404],
  [/\.(ILLEGAL_TRANSITION|CONCURRENT_CHANGE|ALREADY_ASSIGNED|FINISHED|NOT_ESCALATABLE|ALREADY_EXISTS|USERNAME_TAKEN|ALREADY_EXTENDED)$/, 409],
  [/\.(RECUSAL|FORBIDDEN|REVEAL_FORBIDDEN)$/, 403],
];

export function statusForCode(code: string): number {
  return statusBySuffix.find(([pattern]) => pattern.test(code))?.[1] ?? 422;
}

export const notFoundHandler: RequestHandler = (req, res) => {
  res.status(404).json({ error: { code: 'HTTP.NOT_FOUND', message: `No route for ${req.method} ${req.path}.`, details: {} } });
};

/** The one place that turns failures into `{ error: { code, message, details } }`. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof DomainError) {
      const retryAfter = error.details.retryAfterSeconds;
      if (typeof retryAfter === 'number') res.set('Retry-After', String(retryAfter));
      res.status(statusForCode(error.code)).json({ error: { code: error.code, message: error.message, details: error.details } });
      return;
    }
    const status = typeof error?.status === 'number' && error.status >= 400 && error.status < 500 ? error.status : 500;
    if (status === 500) logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    res.status(status).json({
      error: {
        code: status === 500 ? 'HTTP.INTERNAL' : 'HTTP.BAD_REQUEST',
        message: status === 500 ? 'Something went wrong on our side; the error is logged.' : String(error?.message ?? 'Bad request'),
        details: {},
      },
    });
  };
}
