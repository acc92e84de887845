/**
 * The PWA controls the UI mounts once, in the app's header, on every screen (signed in or not):
 * "Install" when the browser offers installation, "Reload to update" when a new version waits,
 * "Storage": whether this device's storage is persistent, with usage and quota, and once signed in
 * the "Notifications" switch (Web Push, PushSettings.tsx).
 * Mounting it also registers the Service Worker and starts the outbox replay triggers.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { askPersistentStorage, useHubStatus } from '../data/index';
import { useStorageInfo } from '../data/storageUsage';
import { useLaterI18n } from '../i18n/later';
import { Dialog } from '../ui/Dialog';
import { formatBytes } from '../ui/format';
import { listenForInstallOffer, promptInstall } from './install';
import { PWA_LABELS } from './labels';
import { requestOutboxReplay, startReplayTriggers } from './outboxReplay';
import { getPwaState, subscribePwaState } from './pwaState';
import { applyUpdate, startServiceWorker } from './serviceWorker';
import { lazy } from '../ui/lazy';

// Web Push's code comes with the switch, after first paint.
const PushSettings = lazy(() => import('./PushSettings').then((m) => m.PushSettings));

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
  const { lang, t } = useLaterI18n();
  const labels = PWA_LABELS[lang];
  const [showStorage, setShowStorage] = useState(false);
  const { canInstall, updateReady } = usePwaState();
  const { connection, queued, user } = useHubStatus();

  useEffect(() => {
    void startServiceWorker().then(startReplayTriggers);
  }, []);

  // Signed out: this device stops receiving pushes (the server already forgot the subscription).
  // (undefined: the hub does not know yet, neither signed in nor out.)
  const signedInBefore = useRef(Boolean(user));
  useEffect(() => {
    if (signedInBefore.current && user === null)
      void import('./push').then((push) => push.forgetPushOnThisDevice()).catch(() => undefined);
    if (user !== undefined) signedInBefore.current = user !== null;
  }, [user]);

  // Messages wait and the socket is down: the Service Worker sends them over HTTP, now or when
  // the browser is back online, even if every tab is closed by then.
  useEffect(() => {
    if (queued > 0 && connection !== 'online') void requestOutboxReplay();
  }, [queued, connection]);

  return (
    <div class="pwa-controls">
      {user && <PushSettings />}
      <button type="button" class="pwa-storage" onClick={() => setShowStorage(true)}>
        {t.storage}
      </button>
      {showStorage && <StoragePanel onClose={() => setShowStorage(false)} />}
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

/** Persistent yes/no, usage and quota (navigator.storage), and a way to ask again. */
function StoragePanel({ onClose }: { onClose: () => void }) {
  const { t, lang } = useLaterI18n();
  const { info, refresh } = useStorageInfo();
  const bytes = (n: number | null | undefined) => (n == null ? t.storageUnknown : formatBytes(n, lang));
  const persistent = info?.persistent;
  return (
    <Dialog title={t.storageTitle} onClose={onClose} class="storage-panel">
      <dl>
        <dt>{t.storagePersistent}</dt>
        <dd>{persistent == null ? t.storageUnknown : persistent ? t.yes : t.no}</dd>
        <dt>{t.storageUsage}</dt>
        <dd>{bytes(info?.usage)}</dd>
        <dt>{t.storageQuota}</dt>
        <dd>{bytes(info?.quota)}</dd>
      </dl>
      <div class="row">
        {persistent === false && (
          <button type="button" onClick={() => void askPersistentStorage().then(refresh)}>
            {t.storageAsk}
          </button>
        )}
        <button type="button" onClick={onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  );
}
