/** Wire errors as text for people, in the UI language. */
import type { WireError } from '../../contract/index';
import { isQuotaError, QueueCodeUnavailableError } from '../data/actions';
import type { LaterStrings } from '../i18n/enLater';

/**
 * Why an action was not queued (nothing was written), in words that say what to do: the device's
 * storage is full, or the queue's code could not be fetched (`unavailable` says what to do then).
 */
export function notQueuedText(err: unknown, t: LaterStrings, unavailable: string): string {
  if (isQuotaError(err)) return t.storageFull;
  if (err instanceof QueueCodeUnavailableError) return unavailable;
  return t.errorGeneric;
}

/**
 * The text to show for an error: the server's message (English, already safe to show) unless the
 * UI language has its own for the code (`t.errorTexts`, so Chinese comes with Chinese's chunk).
 */
export function errorText(error: WireError, t: LaterStrings): string {
  return t.errorTexts[error.code] ?? error.message;
}
