/**
 * The strings of the app's lazy parts (enLater.ts, zhLater.ts), beside the first screen's. Only
 * modules loaded through ui/lazy.tsx import this one: importing it adds the group to index.ts, and
 * lazy() renders a component only once the group has the language shown (groupsReady). English
 * comes with the lazy chunks that import this module; Chinese is a chunk of its own.
 */
import { addStringsGroup, currentLang, strings, useI18n, type Lang } from './index';
import type { Strings } from './en';
import { enLater, type LaterStrings } from './enLater';

/** Every UI string: the first screen's and the lazy parts'. */
export type AllStrings = Strings & LaterStrings;

// A key in both groups would be read from one and could differ in the other: each has its own.
type Shared = Extract<keyof Strings, keyof LaterStrings>;
const noSharedKey: [Shared] extends [never] ? true : Shared = true;
void noSharedKey;

const LATER: Partial<Record<Lang, LaterStrings>> = { en: enLater };
const LOADERS: Record<Lang, () => Promise<LaterStrings>> = {
  en: () => Promise.resolve(enLater),
  'zh-CN': () => import('./zhLater').then((m) => m.zhLater),
};
/** Both groups of a language in one object, made once per language (components read it each render). */
const ALL: Partial<Record<Lang, AllStrings>> = {};

addStringsGroup(async (lang) => {
  LATER[lang] ??= await LOADERS[lang]();
});

function all(lang: Lang, first: Strings): AllStrings {
  const later = LATER[lang];
  // Missing only when its chunk could not be fetched (see groupsReady): English, not a broken screen.
  if (!later) return { ...first, ...enLater };
  return (ALL[lang] ??= { ...first, ...later });
}

/** Every string in the current language (for code outside components). */
export function laterStrings(): AllStrings {
  return all(currentLang(), strings());
}

/** Every UI string and the language, re-rendering when the language changes (lazy components only). */
export function useLaterI18n(): { t: AllStrings; lang: Lang } {
  const { t, lang } = useI18n();
  return { t: all(lang, t), lang };
}
