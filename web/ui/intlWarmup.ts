/**
 * Has a short-lived worker load the locale data for the UI's dates while the page starts (see
 * intlWarmupWorker.ts). Without workers, or should it fail, the page builds them on first use.
 */
import { currentLang, i18nReady } from '../i18n/index';
import { DATE_FORMATS } from './formatOptions';

/** What the worker is sent: the language and the options of every format the UI uses. */
export interface WarmupRequest {
  lang: string;
  formats: readonly Intl.DateTimeFormatOptions[];
}

/** Starts the warm-up; the language is sent once the starting one is known. */
export function warmDateFormats(): void {
  let worker: Worker;
  try {
    worker = new Worker(new URL('./intlWarmupWorker.ts', import.meta.url), { type: 'module' });
  } catch {
    return;
  }
  void i18nReady.then(() =>
    worker.postMessage({ lang: currentLang(), formats: DATE_FORMATS } satisfies WarmupRequest),
  );
}
