/**
 * The always-visible connection state: `role="status"` saying Online, Connecting or Offline — N waiting
 * (the outbox size; also shown while connecting, when it is not zero).
 */
import { useHubStatus } from '../data/index';
import { useI18n } from '../i18n/index';

/** Connection state of this browser's one socket, with the outbox size when offline. */
export function ConnectionStatus() {
  const { t } = useI18n();
  const status = useHubStatus();
  const text =
    status.connection === 'online'
      ? t.statusOnline
      : status.connection === 'connecting'
        ? t.statusConnecting(status.queued)
        : t.statusOffline(status.queued);
  return (
    // Not live: the waiting count changes often; Announcer says a change of connection once.
    <p role="status" aria-live="off" class={`conn conn-${status.connection}`}>
      <span class="conn-dot" aria-hidden="true" />
      {text}
    </p>
  );
}
