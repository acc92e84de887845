/** Number formatting shared by the console table and the Markdown report. */

/** 12,345 for large numbers, 3 significant digits for small ones, "-" for missing. */
export function fmt(n: number | null | undefined): string {
  if (n === null || n === undefined || Number.isNaN(n)) return '-';
  if (!Number.isFinite(n)) return String(n);
  const a = Math.abs(n);
  if (a >= 1000) return Math.round(n).toLocaleString('en-US');
  if (a >= 100) return n.toFixed(0);
  if (a >= 10) return n.toFixed(1);
  if (a >= 1) return n.toFixed(2);
  return n.toPrecision(2);
}

export function fmtRatio(r: number | null): string {
  return r === null ? '-' : `${r.toFixed(2)}x`;
}

export function passText(p: boolean | null): string {
  return p === null ? 'n/a' : p ? 'PASS' : 'FAIL';
}

/** A goal's value with its unit: "0.85x", "14.2 KB". */
export function withUnit(n: number | null, unit: string): string {
  return unit === 'x' ? fmtRatio(n) : `${fmt(n)} ${unit}`;
}

/** "1 sender", "2 senders". */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
