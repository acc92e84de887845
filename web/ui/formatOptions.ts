/** The Intl.DateTimeFormat options of every date the UI shows (format.ts; intlWarmup builds them early). */

/** A message's time. */
export const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };
/** A day heading older than yesterday. */
export const DAY: Intl.DateTimeFormatOptions = {
  weekday: 'short',
  year: 'numeric',
  month: 'short',
  day: 'numeric',
};
/** A message's full date and time (its tooltip). */
export const FULL: Intl.DateTimeFormatOptions = {
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric',
};
/** The conversation list's and search results' date before today. */
export const SHORT_DAY: Intl.DateTimeFormatOptions = { month: 'short', day: 'numeric' };

/** All of them, in the order a conversation's first rows use them. */
export const DATE_FORMATS: readonly Intl.DateTimeFormatOptions[] = [TIME, DAY, FULL, SHORT_DAY];
