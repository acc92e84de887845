/**
 * The focus ring of the focused element as a person sees it: drawn (an outline of at least 2 px
 * on the element, or on its ::after when that draws the ring over a larger hit area), not clipped
 * by a scrolling ancestor, and its contrast with the colours next to it (WCAG 2.x formula).
 */
import type { Page } from 'playwright-core';

export interface FocusRing {
  /** The focused element, e.g. `button "New room"`. */
  element: string;
  focusVisible: boolean;
  widthPx: number;
  /** Contrast of the ring against each colour next to it. */
  contrasts: number[];
  /** Ancestors that cut the ring off (scrolling or overflow-hidden boxes). */
  clippedBy: string[];
}

/** Measures the focus ring of `document.activeElement`; null when the focus is on the body. */
export function focusRing(page: Page): Promise<FocusRing | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    type Rgba = [number, number, number, number];
    const parse = (css: string): Rgba => {
      const parts = (/\(([^)]+)\)/.exec(css)?.[1] ?? '0 0 0 0')
        .split(/[\s,/]+/)
        .filter(Boolean)
        .map(Number);
      return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, parts[3] ?? 1];
    };
    const luminance = ([r, g, b]: Rgba) => {
      const lin = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const contrast = (x: Rgba, y: Rgba) => {
      const [a, b] = [luminance(x), luminance(y)].sort((p, q) => q - p) as [number, number];
      return Math.round(((a + 0.05) / (b + 0.05)) * 100) / 100;
    };
    /** The first opaque background at or above `start` (the colour one sees behind it). */
    const backgroundAt = (start: Element | null): Rgba => {
      for (let e = start; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        if (c[3] > 0) return c;
      }
      return [255, 255, 255, 1];
    };
    const describe = (e: Element) =>
      `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''}`;

    let style = getComputedStyle(el);
    let onPseudo = false;
    if (style.outlineStyle === 'none' || parseFloat(style.outlineWidth) === 0) {
      const after = getComputedStyle(el, '::after');
      if (after.outlineStyle !== 'none' && parseFloat(after.outlineWidth) > 0) {
        style = after;
        onPseudo = true;
      }
    }
    const drawn = style.outlineStyle !== 'none';
    const width = drawn ? parseFloat(style.outlineWidth) : 0;
    const offset = parseFloat(style.outlineOffset) || 0;
    const ring = parse(style.outlineColor);
    // A ring inside the box (or a pseudo-element's ring over the row) sits on the box's colour; a
    // ring outside it, past the gap, on the parent's.
    const box = onPseudo ? ((el.offsetParent as HTMLElement | null) ?? el) : el;
    const neighbours =
      offset < 0 ? [backgroundAt(box), backgroundAt(box.parentElement)] : [backgroundAt(box.parentElement)];
    const rect = box.getBoundingClientRect();
    const grow = offset + width;
    const ringBox = { l: rect.left - grow, t: rect.top - grow, r: rect.right + grow, b: rect.bottom + grow };
    const clippedBy: string[] = [];
    for (let a = box.parentElement; a && a !== document.documentElement; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const r = a.getBoundingClientRect();
      if (
        ringBox.l < r.left - 0.5 ||
        ringBox.t < r.top - 0.5 ||
        ringBox.r > r.right + 0.5 ||
        ringBox.b > r.bottom + 0.5
      )
        clippedBy.push(describe(a));
    }
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 30) ?? '';
    return {
      element: `${describe(el)} "${name}"`,
      focusVisible: el.matches(':focus-visible'),
      widthPx: width,
      contrasts: neighbours.map((n) => contrast(ring, n)),
      clippedBy,
    };
  });
}

/** Tabs through every control once (until the focus comes back round); the ring of each. */
export async function ringsAlongTab(page: Page, max = 60): Promise<FocusRing[]> {
  const rings: FocusRing[] = [];
  // The elements themselves are remembered (two unnamed inputs must not look like one).
  await page.evaluate(() => {
    (window as unknown as { __ringSeen?: WeakSet<Element> }).__ringSeen = new WeakSet();
  });
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const ring = await focusRing(page);
    if (!ring) continue;
    const seenBefore = await page.evaluate(() => {
      const seen = (window as unknown as { __ringSeen: WeakSet<Element> }).__ringSeen;
      const el = document.activeElement!;
      if (seen.has(el)) return true;
      seen.add(el);
      return false;
    });
    if (seenBefore) break;
    rings.push(ring);
  }
  return rings;
}
