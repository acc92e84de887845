/**
 * Driving the page with the keyboard only: where the focus is, and moving it with Tab the way a
 * person does (page.keyboard, never a click or locator.focus()).
 */
import type { Locator, Page } from 'playwright-core';
import { eventually } from './ui';

/** True when `locator`'s element has the focus (waits for the element, not for the focus). */
export function hasFocus(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => el === document.activeElement);
}

/** Waits until `locator`'s element has the focus. */
export async function expectFocused(locator: Locator): Promise<void> {
  await locator.waitFor();
  await eventually(() => hasFocus(locator)).toBe(true);
}

/** A short description of the focused element (tag, role, name), for failure messages. */
export function describeFocus(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'body';
    const name = el.getAttribute('aria-label') ?? el.textContent?.trim().slice(0, 40) ?? '';
    return `${el.tagName.toLowerCase()}${el.getAttribute('role') ? `[role=${el.getAttribute('role')}]` : ''} "${name}"`;
  });
}

/**
 * Presses Tab (or Shift+Tab) until `locator` has the focus; fails after `max` presses, naming
 * where the focus went. Proves the control is reachable from where the focus is.
 */
export async function tabTo(
  page: Page,
  locator: Locator,
  { backwards = false, max = 25 } = {},
): Promise<void> {
  await locator.waitFor();
  const visited: string[] = [];
  for (let i = 0; i < max; i++) {
    if (await hasFocus(locator)) return;
    await page.keyboard.press(backwards ? 'Shift+Tab' : 'Tab');
    visited.push(await describeFocus(page));
  }
  if (await hasFocus(locator)) return;
  throw new Error(
    `${max} × ${backwards ? 'Shift+Tab' : 'Tab'} never reached it; focus went: ${visited.join(' → ')}`,
  );
}
