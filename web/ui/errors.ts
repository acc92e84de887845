/** Wire errors as text for people, in the UI language. */
import type { WireError } from '../../contract/index';
import type { LaterStrings } from '../i18n/enLater';

/**
 * The text to show for an error: the server's message (English, already safe to show) unless the
 * UI language has its own for the code (`t.errorTexts`, so Chinese comes with Chinese's chunk).
 */
export function errorText(error: WireError, t: LaterStrings): string {
  return t.errorTexts[error.code] ?? error.message;
}
