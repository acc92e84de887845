/**
 * Sign-in form: "Username", "Password", "Sign in" and "Create account" (accessible names that
 * screen readers and the browser tests rely on).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Ack, User } from '../../contract/index';
import { actions } from '../data/index';
import { useI18n } from '../i18n/index';
import { errorText } from './errors';
import { firstContentShown } from './firstContent';
import { LanguageSelect } from './LanguageSelect';
import { PwaSlot } from './PwaSlot';

/** The signed-out screen. */
export function SignIn() {
  const { t } = useI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const usernameBox = useRef<HTMLInputElement>(null);
  useEffect(firstContentShown, []);
  // The screen's first field (autofocus only works on page load, and this screen comes later).
  useEffect(() => usernameBox.current?.focus(), []);

  async function run(action: (u: string, p: string) => Promise<Ack<{ user: User }>>) {
    setBusy(true);
    setError(null);
    try {
      const res = await action(username.trim(), password);
      if (!res.ok) setError(errorText(res.error, t));
    } catch {
      setError(t.errorGeneric);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main class="signin">
      <div class="signin-card">
        <h1 class="brand">{t.appName}</h1>
        <p class="muted">{t.signInIntro}</p>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void run((u, p) => actions.signIn(u, p));
          }}
        >
          <label class="field">
            <span>{t.username}</span>
            <input
              ref={usernameBox}
              name="username"
              autoComplete="username"
              autoCapitalize="none"
              spellcheck={false}
              required
              value={username}
              onInput={(e) => setUsername(e.currentTarget.value)}
            />
          </label>
          <label class="field">
            <span>{t.password}</span>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </label>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="row">
            <button type="submit" class="primary" disabled={busy}>
              {t.signIn}
            </button>
            <button type="button" disabled={busy} onClick={() => void run((u, p) => actions.signUp(u, p))}>
              {t.createAccount}
            </button>
          </div>
        </form>
        <div class="row">
          <LanguageSelect />
          <PwaSlot />
        </div>
      </div>
    </main>
  );
}
