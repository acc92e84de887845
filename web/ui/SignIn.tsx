/**
 * Sign-in form: "Username", "Password", "Sign in" and "Create account" (accessible names that
 * screen readers and the browser tests rely on).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Ack, User } from '../../contract/index';
import { actions } from '../data/actions';
import { useLaterI18n } from '../i18n/later';
import { Field, FormLayout, useFormAction } from './FormLayout';
import { LanguageSelect } from './LanguageSelect';

/**
 * The signed-out screen. `onShown` runs once it is on screen, and `pwa` is the PWA controls' slot
 * beside the language: App hands in both (firstContentShown and PwaSlot), because this lazy chunk
 * importing their modules, which have load-time effects, would split the page's first chunk.
 */
export function SignIn({ onShown, pwa }: { onShown(): void; pwa: ComponentChildren }) {
  const { t } = useLaterI18n();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useFormAction();
  const usernameBox = useRef<HTMLInputElement>(null);
  useEffect(() => onShown(), []);
  // The screen's first field (autofocus only works on page load, and this screen comes later).
  useEffect(() => usernameBox.current?.focus(), []);

  const signInWith = (action: (u: string, p: string) => Promise<Ack<{ user: User }>>) =>
    void run(() => action(username.trim(), password));

  return (
    <main class="signin">
      <div class="signin-card">
        <h1 class="brand">{t.appName}</h1>
        <p class="muted">{t.signInIntro}</p>
        <FormLayout
          onSubmit={() => signInWith((u, p) => actions.signIn(u, p))}
          error={error}
          busy={busy}
          submit={t.signIn}
          other={
            <button type="button" disabled={busy} onClick={() => signInWith((u, p) => actions.signUp(u, p))}>
              {t.createAccount}
            </button>
          }
        >
          <Field label={t.username}>
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
          </Field>
          <Field label={t.password}>
            <input
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword(e.currentTarget.value)}
            />
          </Field>
        </FormLayout>
        <div class="row">
          <LanguageSelect />
          {pwa}
        </div>
      </div>
    </main>
  );
}
