/**
 * One message: `role="article"` named by its sender and text; own messages show their status as
 * text (Queued on this device / Sent / Delivered / Read / Failed with reason, Retry and Delete).
 * Text is rendered as a text node: markup in it is never interpreted.
 */
import { useState } from 'preact/hooks';
import type { Message } from '../../contract/index';
import type { OutboxEntry } from '../../localdb/schema';
import { actions } from '../data/index';
import { useI18n } from '../i18n/index';
import { errorText } from './errors';
import { formatFull, formatTime } from './format';

export type OwnStatus = 'Queued' | 'Sent' | 'Delivered' | 'Read' | 'Failed';

export interface MessageItemProps {
  id: string;
  senderName: string;
  text: string;
  time: number;
  own: boolean;
  /** Own messages only. */
  status?: OwnStatus;
  /** Failed outbox entries: why. */
  entry?: OutboxEntry;
}

/** Builds the props of an acknowledged message. */
export function fromMessage(m: Message, own: boolean, status?: OwnStatus): MessageItemProps {
  return { id: m.id, senderName: m.senderName, text: m.text, time: m.createdAt, own, status };
}

/** Builds the props of an outbox entry (always own). */
export function fromOutbox(e: OutboxEntry, myName: string): MessageItemProps {
  return {
    id: e.id,
    senderName: myName,
    text: e.text,
    time: e.typedAt,
    own: true,
    status: e.state === 'failed' ? 'Failed' : 'Queued',
    entry: e,
  };
}

/** A message bubble. */
export function MessageItem(p: MessageItemProps) {
  const { lang } = useI18n();
  const dom = `m-${p.id}`;
  return (
    <article
      data-id={p.id}
      aria-labelledby={`${dom}-from ${dom}-text`}
      class={`msg${p.own ? ' own' : ''}${p.status === 'Failed' ? ' failed' : ''}`}
    >
      <div class="msg-head">
        <span id={`${dom}-from`} class="msg-from">
          {p.senderName}
        </span>
        <time dateTime={new Date(p.time).toISOString()} title={formatFull(p.time, lang)}>
          {formatTime(p.time, lang)}
        </time>
      </div>
      <p id={`${dom}-text`} class="msg-text" data-text="">
        {p.text}
      </p>
      {p.status && <Status {...p} />}
    </article>
  );
}

function Status(p: MessageItemProps) {
  const { t, lang } = useI18n();
  const [busy, setBusy] = useState(false);
  if (p.status !== 'Failed') {
    const text = { Queued: t.queued, Sent: t.sent, Delivered: t.delivered, Read: t.read }[p.status!];
    return <p class={`msg-status st-${p.status!.toLowerCase()}`}>{text}</p>;
  }
  const reason = p.entry?.error ? errorText(p.entry.error, lang) : t.errorGeneric;
  const act = (fn: (id: string) => Promise<void>) => async () => {
    setBusy(true);
    try {
      await fn(p.id);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="msg-status st-failed">
      <p>{t.failedReason(reason)}</p>
      <div class="row">
        <button type="button" disabled={busy} onClick={act((id) => actions.retry(id))}>
          {t.retry}
        </button>
        <button type="button" disabled={busy} onClick={act((id) => actions.discard(id))}>
          {t.delete}
        </button>
      </div>
    </div>
  );
}
