/** Dates and times in the UI language (Intl, no library). */
import type { LaterStrings } from '../i18n/enLater';
import { DAY, FULL, SHORT_DAY, TIME } from './formatOptions';

const timeFormats = new Map<string, Intl.DateTimeFormat>();
const dayFormats = new Map<string, Intl.DateTimeFormat>();
const fullFormats = new Map<string, Intl.DateTimeFormat>();

function cached(map: Map<string, Intl.DateTimeFormat>, lang: string, opts: Intl.DateTimeFormatOptions) {
  let f = map.get(lang);
  if (!f) map.set(lang, (f = new Intl.DateTimeFormat(lang, opts)));
  return f;
}

/** Hours and minutes, e.g. "14:05" or "2:05 PM". */
export function formatTime(ms: number, lang: string): string {
  return cached(timeFormats, lang, TIME).format(ms);
}

/** Local calendar day of a time, as a comparable key. */
export function dayKey(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`;
}

/** Day separator text: "Today", "Yesterday" or the date. */
export function formatDay(ms: number, lang: string, t: LaterStrings, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return t.today;
  const yesterday = new Date(now);
  yesterday.setDate(yesterday.getDate() - 1); // calendar arithmetic: right across DST changes
  if (dayKey(ms) === dayKey(yesterday.getTime())) return t.yesterday;
  return cached(dayFormats, lang, DAY).format(ms);
}

/**
 * Full date and time for a tooltip / `title`: what toLocaleString gives, from a cached formatter
 * (every message row has one; toLocaleString builds a formatter per call).
 */
export function formatFull(ms: number, lang: string): string {
  return cached(fullFormats, lang, FULL).format(ms);
}

const shortDayFormats = new Map<string, Intl.DateTimeFormat>();

/** For the conversation list: the time when today, else the short date. */
export function formatListTime(ms: number, lang: string, now = Date.now()): string {
  if (dayKey(ms) === dayKey(now)) return formatTime(ms, lang);
  return cached(shortDayFormats, lang, SHORT_DAY).format(ms);
}

const UNITS = ['B', 'KB', 'MB', 'GB', 'TB'] as const;

/** A size in bytes for people: "820 B", "1.2 MB" (units of 1,024, one decimal under 10). */
export function formatBytes(bytes: number, lang: string): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = unit > 0 && value < 10 ? 1 : 0;
  const number = new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(value);
  return `${number} ${UNITS[unit]}`;
}
