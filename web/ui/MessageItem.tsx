/**
 * One message: `role="article"` named by its sender and text ("Message deleted" once deleted).
 * Own messages show their status as text (Queued on this device / Sent / Delivered / Read / Failed
 * with reason, Retry and Delete); a pending edit, deletion or reaction shows its status the same
 * way. "More actions" offers Reply, Edit and Delete (own messages) and React; reactions are toggle
 * buttons named "<emoji> <count>". Text is rendered as a text node: markup in it is never
 * interpreted.
 *
 * A file: an image shows as `img` (alt = caption or file name) sized from the Attachment so the
 * list never jumps, loading its thumbnail and opening the full image on click; another file is a
 * download link named "<name>, <size>". While queued it shows from this device's copy, with a
 * progressbar named by the file name and "Cancel upload".
 */
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
import { QUICK_REACTIONS, THUMBNAIL_MAX_PX, attachmentPath, type WireError } from '../../contract/index';
import { useLocalFileUrl, useMessage } from '../data/conversationHooks';
import { actions } from '../data/actions';
import type { ShownAttachment, ShownMessage } from '../data/overlay';
import { useLaterI18n } from '../i18n/later';
import { requestJump } from '../search/jump';
import { Dialog } from './Dialog';
import { errorText, notQueuedText } from './errors';
import { formatBytes, formatFull, formatTime } from './format';
import { useEscape } from './keyboard/escape';
import { focusIsLost } from './keyboard/focus';
import { MessageMenu, type MenuItem } from './MessageMenu';

/** What an acknowledged own message has reached (receipts). */
export type Receipt = 'Sent' | 'Delivered' | 'Read';

/** What the conversation does when a message's Reply or Edit is chosen. */
export interface MessageHandlers {
  reply(m: ShownMessage): void;
  edit(m: ShownMessage): void;
}

export interface MessageItemProps {
  m: ShownMessage;
  /** Own acknowledged messages with nothing pending. */
  receipt?: Receipt;
  handlers: MessageHandlers;
  /** A message shown in this conversation (for reply quotes), with pending changes applied. */
  lookup: (id: string) => ShownMessage | undefined;
}

/** A message bubble. */
export function MessageItem({ m, receipt, handlers, lookup }: MessageItemProps) {
  const { t, lang } = useLaterI18n();
  const dom = `m-${m.id}`;
  const article = useRef<HTMLElement>(null);
  const moreButton = useRef<HTMLButtonElement>(null);
  const [picking, setPicking] = useState(false);
  const [confirming, setConfirming] = useState(false);
  // Reacting and deleting are queued like a send; when that fails, nothing was done: say so here.
  const [actionError, setActionError] = useState<string | null>(null);
  const queue = (work: Promise<unknown>) => {
    setActionError(null);
    work.catch((err: unknown) => setActionError(notQueuedText(err, t, t.actionCodeUnavailable)));
  };
  const failedSend = m.pending?.kind === 'message' && m.pending.state === 'failed';

  // Deleted while its controls had the focus: keep the keyboard on the message, not the page.
  useLayoutEffect(() => {
    if (m.deleted && focusIsLost() && article.current) {
      article.current.tabIndex = -1;
      article.current.focus({ preventScroll: true });
    }
  }, [m.deleted]);

  const items: MenuItem[] = [];
  if (!m.deleted && !failedSend) {
    items.push({ id: 'reply', label: t.reply, onChoose: () => handlers.reply(m) });
    if (m.own) items.push({ id: 'edit', label: t.edit, onChoose: () => handlers.edit(m) });
    if (m.own)
      items.push({
        id: 'delete',
        label: t.delete,
        onChoose: () => {
          // The dialog gives the focus back to what had it when it opened: this message's button.
          moreButton.current?.focus();
          setConfirming(true);
        },
      });
    items.push({ id: 'react', label: t.react, onChoose: () => setPicking(true) });
  }

  const closePicker = () => {
    setPicking(false);
    moreButton.current?.focus();
  };

  return (
    <article
      ref={article}
      data-id={m.id}
      aria-labelledby={`${dom}-from ${dom}-text`}
      class={`msg${m.own ? ' own' : ''}${m.pending?.state === 'failed' ? ' failed' : ''}${m.deleted ? ' deleted' : ''}`}
    >
      <div class="msg-head">
        <span id={`${dom}-from`} class="msg-from">
          {m.senderName}
        </span>
        <time dateTime={new Date(m.time).toISOString()} title={formatFull(m.time, lang)}>
          {formatTime(m.time, lang)}
        </time>
        {m.edited && !m.deleted && <span class="msg-edited">{t.edited}</span>}
        {items.length > 0 && <MessageMenu items={items} buttonRef={moreButton} />}
      </div>
      {m.replyTo && !m.deleted && (
        <ReplyQuote id={m.replyTo} conversationId={m.conversationId} lookup={lookup} />
      )}
      {m.attachment && !m.deleted && <AttachmentView m={m} attachment={m.attachment} />}
      <p id={`${dom}-text`} class="msg-text" data-text="">
        {m.deleted ? t.messageDeleted : m.text}
      </p>
      {!m.deleted && m.reactions.length > 0 && (
        <div class="reactions" role="group" aria-label={t.reactions}>
          {m.reactions.map((r) => (
            <button
              key={r.emoji}
              type="button"
              class="reaction"
              aria-pressed={r.mine}
              onClick={() => queue(actions.react(m.conversationId, m.id, r.emoji, !r.mine))}
            >
              {`${r.emoji} ${r.count}`}
            </button>
          ))}
        </div>
      )}
      {picking && !m.deleted && (
        <ReactionPicker
          onClose={closePicker}
          onPick={(emoji) => {
            const mine = m.reactions.some((r) => r.emoji === emoji && r.mine);
            queue(actions.react(m.conversationId, m.id, emoji, !mine));
            closePicker();
          }}
        />
      )}
      <Status m={m} receipt={receipt} />
      {actionError && (
        <p class="error" role="alert">
          {actionError}
        </p>
      )}
      {confirming && (
        <Dialog title={t.deleteForEveryone} onClose={() => setConfirming(false)} class="confirm">
          <p>{t.deleteForEveryoneIntro}</p>
          <div class="row">
            <button
              type="button"
              class="danger"
              onClick={() => {
                setConfirming(false);
                queue(actions.deleteMessage(m.conversationId, m.id));
              }}
            >
              {t.delete}
            </button>
            <button type="button" onClick={() => setConfirming(false)}>
              {t.cancel}
            </button>
          </div>
        </Dialog>
      )}
    </article>
  );
}

/** Display size of an image's thumbnail: its own size scaled into THUMBNAIL_MAX_PX. */
function thumbnailSize(a: ShownAttachment): { width: number; height: number } | null {
  if (!a.width || !a.height) return null;
  const scale = Math.min(1, THUMBNAIL_MAX_PX / Math.max(a.width, a.height));
  return {
    width: Math.max(1, Math.round(a.width * scale)),
    height: Math.max(1, Math.round(a.height * scale)),
  };
}

/** A message's file: image or download link; while queued, its upload's progress and "Cancel upload". */
function AttachmentView({ m, attachment: a }: { m: ShownMessage; attachment: ShownAttachment }) {
  const { t, lang } = useLaterI18n();
  const localUrl = useLocalFileUrl(a.local ? a.id : null);
  const label = t.fileLink(a.name, formatBytes(a.size, lang));
  const alt = m.text.trim() || a.name;
  const full = a.local ? localUrl : attachmentPath(m.conversationId, a.id);
  const uploading = a.local && m.pending?.kind === 'message' && m.pending.state === 'queued';
  const percent = Math.min(100, Math.round(((a.uploaded ?? 0) / Math.max(1, a.size)) * 100));
  let body;
  if (a.inline) {
    const size = thumbnailSize(a);
    const src = a.local ? localUrl : attachmentPath(m.conversationId, a.id, true);
    body = src ? (
      <a href={full ?? undefined} target="_blank" rel="noopener" class="msg-image">
        <img src={src} alt={alt} width={size?.width} height={size?.height} loading="lazy" decoding="async" />
      </a>
    ) : (
      <span
        class="msg-image placeholder"
        style={size ? { width: size.width, height: size.height } : undefined}
      />
    );
  } else {
    body = (
      <a href={full ?? undefined} download={a.name} class="msg-file">
        {label}
      </a>
    );
  }
  return (
    <div class="msg-attachment">
      {body}
      {uploading && (
        <div class="upload">
          <div
            role="progressbar"
            aria-label={a.name}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
            aria-valuetext={`${percent}%`}
            class="upload-bar"
          >
            <span style={{ width: `${percent}%` }} />
          </div>
          <button type="button" onClick={() => void actions.cancelUpload(m.conversationId, m.id)}>
            {t.cancelUpload}
          </button>
        </div>
      )}
    </div>
  );
}

/** The quick reactions, one button each, named by the emoji; Escape closes them. */
function ReactionPicker({ onPick, onClose }: { onPick: (emoji: string) => void; onClose: () => void }) {
  const { t } = useLaterI18n();
  const group = useRef<HTMLDivElement>(null);
  useEscape(true, onClose);
  useLayoutEffect(() => group.current?.querySelector<HTMLButtonElement>('button')?.focus(), []);
  return (
    <div
      class="react-picker"
      role="group"
      aria-label={t.react}
      ref={group}
      onKeyDown={(e) => {
        if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
        const all = [...(group.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
        const at = all.indexOf(document.activeElement as HTMLButtonElement);
        const step = e.key === 'ArrowRight' ? 1 : -1;
        all[(at + step + all.length) % all.length]?.focus();
        e.preventDefault();
      }}
    >
      {QUICK_REACTIONS.map((emoji) => (
        <button key={emoji} type="button" onClick={() => onPick(emoji)}>
          {emoji}
        </button>
      ))}
    </div>
  );
}

/** The message a reply answers: "Reply to <sender>" (a link to it) and the start of its text. */
function ReplyQuote({
  id,
  conversationId,
  lookup,
}: {
  id: string;
  conversationId: string;
  lookup: (id: string) => ShownMessage | undefined;
}) {
  const { t } = useLaterI18n();
  const shown = lookup(id);
  // Outside the loaded window, the device may still hold it.
  const stored = useMessage(id);
  const sender = shown?.senderName ?? stored?.senderName;
  if (!sender) return <p class="msg-quote muted">{t.originalNotHere}</p>;
  const deleted = shown ? shown.deleted : Boolean(stored?.deleted);
  const text = shown ? shown.text : (stored?.text ?? '');
  const seq = shown?.seq ?? stored?.seq ?? 0;
  return (
    <div class="msg-quote">
      <a
        href={`#m-${id}`}
        onClick={(e) => {
          e.preventDefault();
          requestJump({ conversationId, messageId: id, seq });
        }}
      >
        {t.replyTo(sender)}
      </a>
      <span class="quote-text">{deleted ? t.messageDeleted : text}</span>
    </div>
  );
}

function Status({ m, receipt }: { m: ShownMessage; receipt?: Receipt }) {
  const { t } = useLaterI18n();
  const [busy, setBusy] = useState(false);
  const pending = m.pending;
  if (pending?.state === 'queued') return <p class="msg-status st-queued">{t.queued}</p>;
  if (!pending) {
    if (!receipt) return null;
    const text = { Sent: t.sent, Delivered: t.delivered, Read: t.read }[receipt];
    return <p class={`msg-status st-${receipt.toLowerCase()}`}>{text}</p>;
  }
  const reason = pending.error ? errorText(pending.error as WireError, t) : t.errorGeneric;
  const act = (fn: (id: string) => Promise<void>) => async () => {
    setBusy(true);
    try {
      await fn(pending.entryId);
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
