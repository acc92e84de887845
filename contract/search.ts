/**
 * How text becomes search words, shared by the server's index and the device's so that a query
 * finds what was indexed the same way on both. Intl.Segmenter splits by word in every script:
 * Chinese and Japanese have no spaces, and their words come from ICU's dictionary. Each word is
 * then normalised (NFKC, lower case) and cut at anything that is not a letter, mark or digit, so
 * "don't" and "3.14" give plain alphanumeric terms that need no quoting in any query language.
 */

const TERM = /[\p{L}\p{M}\p{N}]+/gu;
let segmenter: Intl.Segmenter | undefined;

/** Printable ASCII, tabs and line breaks: text whose terms need no word segmenter. */
const PLAIN_ASCII = /^[\t\n\r\x20-\x7e]*$/;
const ASCII_TERM = /[a-z0-9]+/g;

/** The search terms of `text`, in order (duplicates kept). */
export function searchWords(text: string): string[] {
  // In ASCII the word rules never split a run of letters and digits, and NFKC changes nothing,
  // so the terms are those runs: the segmenter, about 0.2 ms a message, is for everything else.
  if (PLAIN_ASCII.test(text)) return text.toLowerCase().match(ASCII_TERM) ?? [];
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  const words: string[] = [];
  for (const part of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!part.isWordLike) continue;
    for (const term of part.segment.match(TERM) ?? []) words.push(term);
  }
  return words;
}

/** The segmented copy a server index stores: the terms joined by single spaces. */
export function searchTermsText(text: string): string {
  return searchWords(text).join(' ');
}
