/**
 * Has a short-lived worker load the locale data for the UI's dates while the page starts (see
 * intlWarmupWorker.ts). Without workers, or should it fail, the page builds them on first use.
 * main.tsx imports this second, so the worker starts while the rest of the page's code is evaluated.
 */
import { wantedLang } from '../i18n/index';
import { DATE_FORMATS } from './formatOptions';

/** What the worker is given: the language and the options of every format the UI uses. */
export interface WarmupRequest {
  lang: string;
  formats: readonly Intl.DateTimeFormatOptions[];
}

/**
 * Starts the warm-up in the language the page starts in. The request is the worker's name, not a
 * message: Chromium hands a message posted to a starting worker over from this page's thread, once
 * the worker is up, and on a busy start that came after the first rows had built their own formats
 * (140 ms after the worker was ready, in a trace of a big account's cold open).
 */
function warmDateFormats(): void {
  const request: WarmupRequest = { lang: wantedLang(), formats: DATE_FORMATS };
  try {
    new Worker(new URL('./intlWarmupWorker.ts', import.meta.url), {
      type: 'module',
      name: JSON.stringify(request),
    });
  } catch {
    // No worker: the first rows build the formats themselves.
  }
}

warmDateFormats();
