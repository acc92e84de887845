/**
 * `/join/<code>`: an invite link opened while signed in. A "Join" button confirms, so a link
 * alone (e.g. opened by another site) never adds anyone to a room.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { actions } from '../data/actions';
import { useLaterI18n } from '../i18n/later';
import { errorText } from './errors';
import { conversationPath, navigate } from './router';

/** Confirms joining the room of an invite code, then opens it. */
export function JoinPanel({ code }: { code: string }) {
  const { t } = useLaterI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const joinButton = useRef<HTMLButtonElement>(null);
  // The panel's one control: Enter joins.
  useEffect(() => joinButton.current?.focus(), []);

  async function join() {
    setBusy(true);
    setError(null);
    try {
      const res = await actions.joinRoom(code);
      if (res.ok) navigate(conversationPath(res.conversation.id), { replace: true });
      else setError(errorText(res.error, t));
    } catch {
      setError(t.errorGeneric);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="panel join" aria-labelledby="join-title">
      <h2 id="join-title">{t.joinTitle}</h2>
      <p>{t.joinIntro}</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="button" ref={joinButton} class="primary" disabled={busy} onClick={() => void join()}>
        {t.join}
      </button>
    </section>
  );
}
