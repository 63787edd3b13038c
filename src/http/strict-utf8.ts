import { isUtf8 } from 'node:buffer';

/**
 * A body-parser `verify` hook: bodies that are not valid UTF-8 are refused with 400 instead of
 * being decoded loosely into U+FFFD and stored as if the user had written that.
 */
export function rejectInvalidUtf8(_req: unknown, _res: unknown, body: Buffer): void {
  if (!isUtf8(body)) throw Object.assign(new Error('The request body is not valid UTF-8.'), { status: 400, type: 'encoding.invalid' });
}
