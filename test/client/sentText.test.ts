import { describe, expect, it } from 'vitest';
import { afterSent, unsent } from '../../web/ui/sentText';

const noon = { text: 'Harbour at noon', edited: false };
const noonEdited = { text: 'Harbour at noon', edited: true };

describe('the composer box while Sends are written', () => {
  it('once written, empties a box left as it was', () => {
    expect(afterSent('Harbour at noon', noon)).toBe('');
  });

  it('once written, keeps what was typed after the sent text', () => {
    expect(afterSent('Harbour at noonBring rope', noonEdited)).toBe('Bring rope');
  });

  it('once written, keeps a box whose text was replaced, or typed anew as the same text', () => {
    expect(afterSent('Bring rope', noonEdited)).toBe('Bring rope');
    expect(afterSent('Harbour at noon', noonEdited)).toBe('Harbour at noon');
  });

  it('sends nothing again for a Send pressed twice on the same text', () => {
    expect(unsent('Harbour at noon', [noon])).toBe('');
  });

  it('sends only what was typed after the texts being written, in their order', () => {
    const rope = { text: 'Bring rope', edited: true };
    expect(unsent('Harbour at noonBring ropeand tar', [noonEdited, rope])).toBe('and tar');
    expect(unsent('Harbour at noonBring rope', [noonEdited])).toBe('Bring rope');
  });

  it('sends a replaced box whole, and the same text typed anew', () => {
    expect(unsent('Bring rope', [noonEdited])).toBe('Bring rope');
    expect(unsent('Harbour at noon', [noonEdited])).toBe('Harbour at noon');
    expect(unsent('Bring rope', [])).toBe('Bring rope');
  });
});
