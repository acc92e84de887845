/**
 * UI language: English or Simplified Chinese, from the saved choice or navigator.languages, and
 * switchable at run time. Components read text with useI18n().t.
 */
import { useEffect, useState } from 'preact/hooks';
import { en, type Strings } from './en';
import { zh } from './zh';

export type Lang = 'en' | 'zh-CN';

/** Languages offered by the "Language" control, each named in its own language. */
export const LANGUAGES: ReadonlyArray<{ lang: Lang; label: string }> = [
  { lang: 'en', label: 'English' },
  { lang: 'zh-CN', label: '简体中文' },
];

const STRINGS: Record<Lang, Strings> = { en, 'zh-CN': zh };
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

let current: Lang = initialLang();
const listeners = new Set<() => void>();
document.documentElement.lang = current;

/** The current language's strings (for code outside components, e.g. notifications). */
export function strings(): Strings {
  return STRINGS[current];
}

/** The current language tag (also the locale for dates and numbers). */
export function currentLang(): Lang {
  return current;
}

/** Switches the UI language everywhere and remembers the choice on this device. */
export function setLang(lang: Lang): void {
  if (lang === current) return;
  current = lang;
  document.documentElement.lang = lang;
  try {
    localStorage.setItem(STORAGE_KEY, lang);
  } catch {
    // Not remembered; the switch still applies to this page.
  }
  for (const l of listeners) l();
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
  return { t: STRINGS[lang], lang };
}

// Another tab switched language: follow it, so every open tab speaks the same language.
window.addEventListener('storage', (e) => {
  if (e.key === STORAGE_KEY && (e.newValue === 'en' || e.newValue === 'zh-CN')) setLang(e.newValue);
});
