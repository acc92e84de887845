/**
 * The "Notifications" switch (this device gets Web Push notifications, even with Ferry closed) and
 * "Show message text in notifications" (this device's previews). Messages arriving while a tab is
 * open but hidden are still shown by the page itself (web/ui/notifications.ts); the server only
 * pushes when the person has no open connection, so the two never show the same message.
 */
import { useEffect, useState } from 'preact/hooks';
import { setNotificationLang } from '../../localdb/index';
import { getDb } from '../data/db';
import { useLaterI18n, type AllStrings } from '../i18n/later';
import {
  disablePush,
  enablePush,
  PushSetupError,
  pushSupported,
  resyncPush,
  setShowText,
  showTextSetting,
} from './push';

function problemText(err: unknown, t: AllStrings): string {
  if (err instanceof PushSetupError && err.problem === 'denied') return t.notificationsDenied;
  if (err instanceof PushSetupError && err.problem === 'unsupported') return t.notificationsUnsupported;
  const detail = err instanceof Error ? err.message : String(err);
  return t.notificationsFailed(detail);
}

export function PushSettings() {
  const { t, lang } = useLaterI18n();
  const [on, setOn] = useState(false);
  const [showText, setShowTextState] = useState(showTextSetting);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  // The Service Worker writes notifications in the language the page uses.
  useEffect(() => {
    void getDb()
      .then((db) => setNotificationLang(db, lang === 'zh-CN' ? 'zh-CN' : 'en'))
      .catch(() => undefined);
  }, [lang]);

  useEffect(() => {
    let alive = true;
    void resyncPush()
      .then((subscribed) => alive && setOn(subscribed))
      .catch(() => undefined);
    return () => {
      alive = false;
    };
  }, []);

  async function toggle() {
    setBusy(true);
    setError(null);
    try {
      if (on) {
        setOn(false);
        await disablePush();
      } else {
        await enablePush(showText);
        setOn(true);
      }
    } catch (err) {
      setError(on ? t.notificationsOffFailed : problemText(err, t));
    } finally {
      setBusy(false);
    }
  }

  async function changeShowText(value: boolean) {
    setShowTextState(value);
    setError(null);
    try {
      await setShowText(value);
    } catch (err) {
      setError(problemText(err, t));
    }
  }

  return (
    <div class="push-settings">
      <button
        type="button"
        role="switch"
        class="switch"
        aria-checked={on}
        aria-busy={busy}
        disabled={busy}
        title={pushSupported() ? t.notificationsHint : t.notificationsUnsupported}
        onClick={() => void toggle()}
      >
        {t.notifications}
      </button>
      {on && (
        <label class="push-preview">
          <input
            type="checkbox"
            checked={showText}
            onChange={(e) => void changeShowText(e.currentTarget.checked)}
          />
          {t.showMessageText}
        </label>
      )}
      {error && (
        <p class="error push-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
