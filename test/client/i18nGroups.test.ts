/**
 * UI strings in two groups (web/i18n): the first screen's, with the page, and the lazy parts',
 * fetched with them. Every key is in exactly one group, in both languages, and a language is shown
 * only once every group added has its strings (no English in a lazy screen of a Chinese UI).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { en } from '../../web/i18n/en';
import { enLater } from '../../web/i18n/enLater';
import { zh } from '../../web/i18n/zh';
import { zhLater } from '../../web/i18n/zhLater';

const sorted = (o: object) => Object.keys(o).sort();

describe('string groups', () => {
  it('cover every key of each language exactly once between the first screen and the lazy parts', () => {
    for (const [first, later] of [
      [en, enLater],
      [zh, zhLater],
    ] as const) {
      const firstKeys = sorted(first);
      const laterKeys = sorted(later);
      expect(firstKeys.filter((k) => laterKeys.includes(k))).toEqual([]);
      expect(firstKeys.length).toBeGreaterThan(0);
      expect(laterKeys.length).toBeGreaterThan(0);
    }
    expect(sorted(zh)).toEqual(sorted(en));
    expect(sorted(zhLater)).toEqual(sorted(enLater));
  });
});

/** A browser just enough for web/i18n/index.ts, preferring `languages`. */
function fakeBrowser(languages: string[]) {
  vi.stubGlobal('window', { addEventListener: () => {} });
  vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => {} });
  vi.stubGlobal('navigator', { languages, language: languages[0] });
  vi.stubGlobal('document', { documentElement: { lang: '' } });
}

/** Fresh copies of the i18n modules (their state is per page). */
async function loadI18n() {
  const index = await import('../../web/i18n/index');
  await index.i18nReady;
  return index;
}

/** The i18n modules with the lazy group added and loaded, as a lazy component sees them. */
async function loadWithLaterGroup() {
  const index = await loadI18n();
  const later = await import('../../web/i18n/later');
  await index.groupsReady();
  return { index, later };
}

describe('language with the lazy group', () => {
  beforeEach(() => vi.resetModules());
  afterEach(() => vi.unstubAllGlobals());

  it('has the lazy strings in Chinese once ready, when the page starts in Chinese', async () => {
    fakeBrowser(['zh-CN']);
    const { later } = await loadWithLaterGroup();
    expect(later.laterStrings().send).toBe(zhLater.send);
    expect(later.laterStrings().signOut).toBe(zh.signOut);
  });

  it('switches both groups at run time, and back', async () => {
    fakeBrowser(['en-GB']);
    const { index, later } = await loadWithLaterGroup();
    expect(later.laterStrings().send).toBe(enLater.send);

    await index.setLang('zh-CN');
    expect(index.currentLang()).toBe('zh-CN');
    expect(later.laterStrings().send).toBe(zhLater.send);
    expect(index.strings().signOut).toBe(zh.signOut);

    await index.setLang('en');
    expect(later.laterStrings().send).toBe(enLater.send);
    expect(index.strings().signOut).toBe(en.signOut);
  });

  it('switches only once a group added during the switch has its strings', async () => {
    fakeBrowser(['en']);
    const index = await loadI18n();
    const asked: string[] = [];
    let arrive = () => {};
    const arrived = new Promise<void>((resolve) => (arrive = resolve));
    const switching = index.setLang('zh-CN');
    index.addStringsGroup((lang) => {
      asked.push(lang);
      return arrived;
    });
    await vi.waitFor(() => expect(asked).toContain('zh-CN'));
    expect(index.currentLang()).toBe('en');
    arrive();
    await switching;
    expect(index.currentLang()).toBe('zh-CN');
  });
});
