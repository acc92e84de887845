/**
 * searchWords takes plain ASCII without the word segmenter: its terms must be exactly what the
 * segmenter would give, or the server's index and the device's would disagree with older rows.
 */
import { describe, expect, it } from 'vitest';
import { searchWords } from '../../contract/search.js';

/** The segmenter's way, as searchWords does it for any text. */
function segmented(text: string): string[] {
  const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });
  const words: string[] = [];
  for (const part of segmenter.segment(text.normalize('NFKC').toLowerCase())) {
    if (!part.isWordLike) continue;
    for (const term of part.segment.match(/[\p{L}\p{M}\p{N}]+/gu) ?? []) words.push(term);
  }
  return words;
}

/** A fixed pseudo-random sequence (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = 'aZq09 .,:;\'"_-@#/\\!?()[]{}<>=+*&%$^~`|\t\n\r';

describe('search words of plain ASCII', () => {
  it.each([
    "Don't stop: 3.14, 1,000 and e.g. U.S.A. -- a_b a-b a@b.com https://x.io/p?q=1#f",
    'HELLO   World\tline\nnext\r\nend',
    "it's 10:30 o'clock; v1.2.3-beta+build_7",
    '',
    '...',
  ])('gives what the segmenter gives for %j', (text) => {
    expect(searchWords(text)).toEqual(segmented(text));
  });

  it('gives what the segmenter gives for 2,000 random ASCII strings', () => {
    const next = random(17);
    for (let n = 0; n < 2000; n++) {
      const length = 1 + Math.floor(next() * 40);
      let text = '';
      for (let i = 0; i < length; i++) text += ALPHABET[Math.floor(next() * ALPHABET.length)];
      expect(searchWords(text), JSON.stringify(text)).toEqual(segmented(text));
    }
  });

  it('still segments text beyond ASCII (accents, Chinese)', () => {
    expect(searchWords('Café crème')).toEqual(['café', 'crème']);
    expect(searchWords('我们在北京')).toEqual(segmented('我们在北京'));
  });
});
