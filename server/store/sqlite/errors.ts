/** How SQLite's own failures are classified for group commit (the shared StoreError is ../errors.ts). */
import { StoreError } from '../errors.js';

/** True for errors that concern only one input of a batch, so the rest of the batch may commit. */
export function isPerItemError(error: unknown): boolean {
  if (error instanceof StoreError) return true;
  // A constraint failure aborts only the failing statement; the transaction stays usable.
  // https://www.sqlite.org/lang_conflict.html (ABORT, the default)
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_CONSTRAINT');
}
