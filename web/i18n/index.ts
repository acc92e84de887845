/**
 * UI language: English or Simplified Chinese, from the saved choice or navigator.languages, and
 * switchable at run time. Components of the first screen read text with useI18n().t. English comes
 * with the page; the other language's strings are a chunk of their own, fetched only by those who
 * use it (before the first render when it is theirs: see `i18nReady`). The lazy parts of the app
 * read the rest of the strings through later.ts, a group added here when their code arrives: a
 * language is shown only once every group added has its strings (no English flash in them).
 */
import { useEffect, useState } from 'preact/hooks';
import { en, type Strings } from './en';

export type Lang = 'en' | 'zh-CN';

/** Languages offered by the "Language" control, each named in its own language. */
export const LANGUAGES: ReadonlyArray<{ lang: Lang; label: string }> = [
  { lang: 'en', label: 'English' },
  { lang: 'zh-CN', label: '简体中文' },
];

const STRINGS: Partial<Record<Lang, Strings>> = { en };
const LOADERS: Record<Lang, () => Promise<Strings>> = {
  en: () => Promise.resolve(en),
  'zh-CN': () => import('./zh').then((m) => m.zh),
};
const STORAGE_KEY = 'ferry-lang';

/** The language for a list of browser languages: Chinese when the first supported one is zh. */
export function pickLang(preferred: readonly string[]): Lang {
  for (const tag of preferred) {
    const lower = tag.toLowerCase();
    if (lower.startsWith('zh')) return 'zh-CN';
    if (lower.startsWith('en')) return 'en';
  }
  return 'en';
}

function initialLang(): Lang {
  try {
    const saved = localStorage.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // Storage can be blocked (privacy settings): fall back to the browser's languages.
  }
  return pickLang(navigator.languages?.length ? navigator.languages : [navigator.language]);
}

/** The language shown: switched only once its strings are here. */
let current: Lang = 'en';
/** The language last asked for (a later choice wins over one whose strings are still loading). */
let wanted: Lang = 'en';
const listeners = new Set<() => void>();

/** The current language's first-screen strings (for code outside components, e.g. notifications). */
export function strings(): Strings {
  return STRINGS[current] ?? en;
}

/** The language shown, or being switched to while its strings load (the page starts in it). */
export function wantedLang(): Lang {
  return wanted;
}

/** The current language tag (also the locale for dates and numbers). */
export function currentLang(): Lang {
  return current;
}

/** Fetches (once) a group's strings in a language; rejects when they could not be fetched. */
export type StringsGroup = (lang: Lang) => Promise<void>;
const groups: StringsGroup[] = [];

async function loadFirst(lang: Lang): Promise<void> {
  STRINGS[lang] ??= await LOADERS[lang]();
}

/** Fetches a language's strings: the first screen's and every group's, also groups added meanwhile. */
async function loadAll(lang: Lang): Promise<void> {
  for (let done = -1; done !== groups.length;) {
    done = groups.length;
    await Promise.all([loadFirst(lang), ...groups.map((g) => g(lang))]);
  }
}

/**
 * Adds a group of strings beside the first screen's (later.ts, when the lazy parts' code arrives):
 * from now on a language is switched to only once this group's strings are here too.
 */
export function addStringsGroup(group: StringsGroup): void {
  groups.push(group);
}

/**
 * Settles once every group added has its strings in the language shown (a lazy component waits
 * for it before its first render: see ui/lazy.tsx). A group that could not be fetched is waited for
 * no longer: its reader falls back to English rather than the screen not opening.
 */
export async function groupsReady(): Promise<void> {
  // Again while the language shown changed meanwhile: its strings are the ones wanted then.
  let lang: Lang;
  do lang = current;
  while ((await loaded(lang)) && lang !== current);
}

/** loadAll, false when a chunk could not be fetched (offline before it was ever cached). */
async function loaded(lang: Lang): Promise<boolean> {
  try {
    await loadAll(lang);
    return true;
  } catch (err) {
    console.warn('ferry: could not load the language', lang, err);
    return false;
  }
}

async function show(lang: Lang): Promise<void> {
  wanted = lang;
  // Not fetched: stay as we are.
  if (!(await loaded(lang)) || wanted !== lang) return;
  current = lang;
  document.documentElement.lang = lang;
  for (const l of listeners) l();
}

/**
 * Settles once the starting language's strings are here (at once for English): the page renders
 * after it, so nobody sees English flash before their own language.
 */
export const i18nReady: Promise<void> = show(initialLang());

/** Switches the UI language everywhere and remembers the choice on this device. */
export function setLang(lang: Lang): Promise<void> {
  if (lang === wanted) return Promise.resolve();
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  return show(lang);
}

/**
 * The first screen's strings and the language, re-rendering when the language changes (the lazy
 * parts of the app read all strings with later.ts's useLaterI18n).
 */
export function useI18n(): { t: Strings; lang: Lang } {
  const [lang, setState] = useState(current);
  useEffect(() => {
    const update = () => setState(current);
    listeners.add(update);
    update();
    return () => void listeners.delete(update);
  }, []);
  return { t: STRINGS[lang] ?? en, lang };
}

// Another tab switched language: follow it, so every open tab speaks the same language.
window.addEventListener('storage', (e) => {
  if (e.key === STORAGE_KEY && (e.newValue === 'en' || e.newValue === 'zh-CN')) void show(e.newValue);
});
