/**
 * UI language: English or Simplified Chinese, from the saved choice or navigator.languages, and
 * switchable at run time. Components read text with useI18n().t. English comes with the page; the
 * other language's strings are a chunk of their own, fetched only by those who use it (before the
 * first render when it is theirs: see `i18nReady`).
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

/** The current language's strings (for code outside components, e.g. notifications). */
export function strings(): Strings {
  return STRINGS[current] ?? en;
}

/** The current language tag (also the locale for dates and numbers). */
export function currentLang(): Lang {
  return current;
}

async function show(lang: Lang): Promise<void> {
  wanted = lang;
  let loaded = STRINGS[lang];
  if (!loaded) {
    try {
      loaded = STRINGS[lang] = await LOADERS[lang]();
    } catch (err) {
      // The chunk could not be fetched (offline before it was ever cached): stay as we are.
      console.warn('ferry: could not load the language', lang, err);
      return;
    }
  }
  if (wanted !== lang) return;
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

/** The UI strings and language, re-rendering when the language changes. */
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
