/** The "Language" control (accessible names that screen readers and tests rely on). */
import { LANGUAGES, setLang, useI18n, type Lang } from '../i18n/index';

/** A select that switches the UI language. */
export function LanguageSelect() {
  const { t, lang } = useI18n();
  return (
    <label class="lang">
      <span class="sr-only">{t.language}</span>
      <select value={lang} onChange={(e) => void setLang(e.currentTarget.value as Lang)}>
        {LANGUAGES.map((l) => (
          <option key={l.lang} value={l.lang} lang={l.lang}>
            {l.label}
          </option>
        ))}
      </select>
    </label>
  );
}
