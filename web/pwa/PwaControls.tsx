/**
 * The PWA controls the UI mounts once, in the app's header, on every screen (signed in or not):
 * "Install" when the browser offers installation, "Reload to update" when a new version waits, and
 * once signed in the "Notifications" switch (Web Push, PushSettings.tsx).
 * Mounting it also registers the Service Worker and starts the outbox replay triggers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { useHubStatus } from '../data/index';
import { useI18n } from '../i18n/index';
import { listenForInstallOffer, promptInstall } from './install';
import { PWA_LABELS } from './labels';
import { forgetPushOnThisDevice } from './push';
import { PushSettings } from './PushSettings';
import { requestOutboxReplay, startReplayTriggers } from './outboxReplay';
import { getPwaState, subscribePwaState } from './pwaState';
import { applyUpdate, startServiceWorker } from './serviceWorker';

// At import, not on mount: Chromium may offer installation before the first render.
listenForInstallOffer();

function usePwaState() {
  const [state, setState] = useState(getPwaState);
  useEffect(() => {
    const update = () => setState(getPwaState());
    update();
    return subscribePwaState(update);
  }, []);
  return state;
}

/** "Install" and "Reload to update" buttons, each shown only when it applies. */
export function PwaControls() {
  const { lang } = useI18n();
  const labels = PWA_LABELS[lang];
  const { canInstall, updateReady } = usePwaState();
  const { connection, queued, user } = useHubStatus();

  useEffect(() => {
    void startServiceWorker().then(startReplayTriggers);
  }, []);

  // Signed out: this device stops receiving pushes (the server already forgot the subscription).
  const signedInBefore = useRef(user !== null);
  useEffect(() => {
    if (signedInBefore.current && !user) void forgetPushOnThisDevice().catch(() => undefined);
    signedInBefore.current = user !== null;
  }, [user]);

  // Messages wait and the socket is down: the Service Worker sends them over HTTP, now or when
  // the browser is back online, even if every tab is closed by then.
  useEffect(() => {
    if (queued > 0 && connection !== 'online') void requestOutboxReplay();
  }, [queued, connection]);

  if (!canInstall && !updateReady && !user) return null;
  return (
    <div class="pwa-controls">
      {user && <PushSettings />}
      {canInstall && (
        <button
          type="button"
          class="pwa-install"
          title={labels.installHint}
          onClick={() => void promptInstall()}
        >
          {labels.install}
        </button>
      )}
      {updateReady && (
        <button type="button" class="pwa-update" title={labels.updateHint} onClick={() => void applyUpdate()}>
          {labels.update}
        </button>
      )}
    </div>
  );
}
