/**
 * Which parts of a message's text matched a search, as plain text segments: the UI wraps the
 * matching ones in <mark>, so the text is never parsed as markup. A word matches when one of its
 * terms is a term the index matched (which covers typos) or starts with a word of the query.
 */
import { searchWords } from '../../contract/search';

export interface TextPart {
  text: string;
  match: boolean;
}

let segmenter: Intl.Segmenter | undefined;

/** `text` cut into runs that match and runs that do not, in order; joined they give `text` back. */
export function highlightParts(text: string, matchedTerms: readonly string[], query: string): TextPart[] {
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'word' });
  const exact = new Set(matchedTerms);
  const prefixes = searchWords(query);
  const matches = (term: string) => exact.has(term) || prefixes.some((p) => term.startsWith(p));
  const parts: TextPart[] = [];
  for (const segment of segmenter.segment(text)) {
    const match = segment.isWordLike === true && searchWords(segment.segment).some(matches);
    const last = parts.at(-1);
    if (last && last.match === match) last.text += segment.segment;
    else parts.push({ text: segment.segment, match });
  }
  return parts;
}
