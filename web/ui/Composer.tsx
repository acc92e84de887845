/**
 * The composer: textbox "Message" and button "Send"; while replying, the quoted message above it
 * with "Cancel reply"; while editing, "Save" and "Cancel" (Escape cancels too). Up arrow in an
 * empty composer edits my last message. Enter sends, Shift+Enter adds a line (and
 * Enter while an IME is composing, e.g. for Chinese, is left to the IME). The length against
 * MESSAGE_TEXT_MAX is shown before sending; over it, the limit is named and neither Send nor Enter
 * sends, so an over-long message never reaches the outbox (the server would refuse it for good).
 * Within the limit a message's payload stays far below the socket's MAX_PAYLOAD_BYTES. A sent
 * text leaves the box once the outbox holds it (a few milliseconds, shown queued in the same
 * render); Send pressed meanwhile sends only what was typed after it.
 *
 * Files: "Attach" opens the file picker; pasting or dropping a file attaches it too. The size limit
 * is checked at once (an over-large file is never attached); an attached file shows by name with
 * "Remove attachment" until sent, and the text becomes its caption. Sending writes file and message
 * to the outbox in one transaction; a full device storage is said at once (role alert), and the
 * text typed is kept so it can still be sent alone.
 */
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { MESSAGE_TEXT_MAX, TYPING_RESEND_MS, textLength } from '../../contract/index';
import { attachmentMaxBytes, attachmentMaxMb } from '../data/index';
import { actions } from '../data/actions';
import { notQueuedText } from './errors';
import { lastOwnMessage, type ShownMessage } from '../data/overlay';
import { useLaterI18n } from '../i18n/later';
import { useEscape } from './keyboard/escape';
import { useFocusTarget } from './keyboard/focus';
import { formatBytes } from './format';
import { askNotificationPermissionOnce } from './notifications';
import { afterSent, unsent, type Handed } from './sentText';

/** Show the counter once this few characters are left. */
const COUNTER_FROM = 500;
/** Drafts survive switching conversations (not reloads: a draft is not a typed message yet). */
const drafts = new Map<string, string>();

/** A reply or an edit being written (null: a new message). */
export type ComposeMode = { kind: 'reply' | 'edit'; target: ShownMessage } | null;

/** Message input of one conversation. */
export function Composer({
  conversationId,
  onSent,
  mode,
  setMode,
  shown,
}: {
  conversationId: string;
  onSent: () => void;
  mode: ComposeMode;
  setMode: (mode: ComposeMode) => void;
  /** The conversation's messages as shown (Up arrow edits my last one). */
  shown: { current: ShownMessage[] };
}) {
  const { t, lang } = useLaterI18n();
  const [text, setText] = useState(() => drafts.get(conversationId) ?? '');
  const [error, setError] = useState<string | null>(null);
  const [file, setFile] = useState<File | null>(null);
  const picker = useRef<HTMLInputElement>(null);
  const typingSentAt = useRef(0);
  const box = useRef<HTMLTextAreaElement>(null);
  /** Sends whose outbox write is under way, in the order sent. */
  const writing = useRef<Handed[]>([]);
  const modeNow = useRef(mode);
  modeNow.current = mode;
  // Opening a conversation puts the keyboard here; shortcuts can send it back here.
  useFocusTarget('composer', box);
  useEffect(() => box.current?.focus({ preventScroll: true }), []);

  const length = textLength(text);
  const over = length > MESSAGE_TEXT_MAX;
  const empty = text.trim().length === 0 && file === null;
  const counterId = `counter-${conversationId}`;

  function stopTyping() {
    if (typingSentAt.current) actions.setTyping(conversationId, false);
    typingSentAt.current = 0;
  }
  // Leaving the conversation (the composer is keyed by it) ends "typing".
  useEffect(() => stopTyping, []);

  const editing = mode?.kind === 'edit' ? mode.target : null;
  const replying = mode?.kind === 'reply' ? mode.target : null;
  // The draft put aside while an edit uses the box; it comes back when the edit ends.
  const draftBeforeEdit = useRef<string | null>(null);
  const caretToEnd = useRef(false);

  // Choosing Reply or Edit puts the keyboard here; Edit brings the message's text.
  useLayoutEffect(() => {
    if (mode?.kind === 'edit') {
      if (draftBeforeEdit.current === null) draftBeforeEdit.current = text;
      stopTyping();
      setText(mode.target.text);
      caretToEnd.current = true;
    } else if (draftBeforeEdit.current !== null) {
      setText(draftBeforeEdit.current);
      draftBeforeEdit.current = null;
    }
    if (mode) box.current?.focus();
  }, [mode]);
  useLayoutEffect(() => {
    const el = box.current;
    if (!caretToEnd.current || !el) return;
    caretToEnd.current = false;
    el.setSelectionRange(el.value.length, el.value.length);
  });

  function cancel() {
    setMode(null);
    box.current?.focus();
  }
  useEscape(mode !== null, cancel);

  function change(value: string) {
    setText(value);
    for (const handed of writing.current) handed.edited = true;
    // An edit is neither a draft nor "typing" a new message.
    if (editing) return;
    drafts.set(conversationId, value);
    if (!value.trim()) stopTyping();
    else if (Date.now() - typingSentAt.current > TYPING_RESEND_MS) {
      typingSentAt.current = Date.now();
      actions.setTyping(conversationId, true);
    }
  }

  const notQueued = (err: unknown) => notQueuedText(err, t, t.queueCodeUnavailable);

  async function save(target: ShownMessage) {
    const value = text;
    setError(null);
    try {
      if (value !== target.text) await actions.edit(conversationId, target.id, value);
      setMode(null);
    } catch (err) {
      setError(notQueued(err));
    }
    box.current?.focus();
  }

  /** Attaches a picked, pasted or dropped file, if it is within the size limit. */
  function attach(picked: File | null | undefined) {
    if (!picked || editing) return;
    if (picked.size > attachmentMaxBytes()) {
      setError(t.fileTooLarge(attachmentMaxMb()));
      return;
    }
    setError(null);
    setFile(picked);
  }

  async function sendFile(attached: File) {
    const caption = text;
    setError(null);
    // Cleared at once, like a text send: what is typed next is the next message, not this one.
    setFile(null);
    if (picker.current) picker.current.value = '';
    change('');
    stopTyping();
    try {
      await actions.sendFile(conversationId, attached, caption);
      onSent();
    } catch (err) {
      // Nothing was queued (one transaction): give the file and its caption back.
      setFile(attached);
      setText((typed) => {
        const back = typed ? typed : caption;
        drafts.set(conversationId, back);
        return back;
      });
      setError(notQueued(err));
    }
    box.current?.focus();
  }

  async function send() {
    if (empty || over) return;
    if (editing) return save(editing);
    if (file) return sendFile(file);
    // Texts of earlier Sends still being written are in the box too: not sent again.
    const value = unsent(text, writing.current);
    if (value.trim().length === 0) return;
    const answering = writing.current.length === 0 ? replying : null;
    // "Stopped typing" is told after the message is handed on, not on the socket ahead of it.
    const wasTyping = typingSentAt.current !== 0;
    typingSentAt.current = 0;
    const handed: Handed = { text: value, edited: false };
    writing.current = [...writing.current, handed];
    try {
      try {
        await actions.send(conversationId, value, answering ? { replyTo: answering.id } : undefined);
      } finally {
        writing.current = writing.current.filter((h) => h !== handed);
        if (wasTyping) actions.setTyping(conversationId, false);
      }
    } catch (err) {
      // Not written to the outbox: the text (and the reply) are still here, nothing typed is lost.
      setError(notQueued(err));
      box.current?.focus();
      return;
    }
    // The text leaves the box only now, in the render that shows it queued: emptying it at once
    // made the page draw a frame (3-8 ms on a slow machine) before the write's reply could run,
    // and the message left for the server that much later.
    drafts.set(conversationId, afterSent(drafts.get(conversationId) ?? '', handed));
    setText((typed) => afterSent(typed, handed));
    setError(null);
    const now = modeNow.current;
    if (answering && now?.kind === 'reply' && now.target.id === answering.id) setMode(null);
    onSent();
    askNotificationPermissionOnce();
    box.current?.focus();
  }

  const rows = Math.min(6, text.split('\n').length);
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
      onDragOver={(e) => {
        if (!editing && e.dataTransfer?.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const dropped = e.dataTransfer?.files[0];
        if (!dropped) return;
        e.preventDefault();
        attach(dropped);
      }}
    >
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {replying && (
        <div class="composer-context">
          <p class="composer-quote">
            <span class="quote-from">{t.replyingTo(replying.senderName)}</span>
            <span class="quote-text">{replying.deleted ? t.messageDeleted : replying.text}</span>
          </p>
          <button type="button" onClick={cancel}>
            {t.cancelReply}
          </button>
        </div>
      )}
      {editing && (
        <div class="composer-context">
          <p class="composer-quote">
            <span class="quote-from">{t.editingMessage}</span>
          </p>
        </div>
      )}
      {file && (
        <div class="composer-context composer-file" role="group" aria-label={t.attachedFile}>
          <p class="composer-quote">
            <span class="quote-text">{t.fileLink(file.name, formatBytes(file.size, lang))}</span>
          </p>
          <button
            type="button"
            onClick={() => {
              setFile(null);
              if (picker.current) picker.current.value = '';
              box.current?.focus();
            }}
          >
            {t.removeAttachment}
          </button>
        </div>
      )}
      <div class="composer-row">
        {!editing && (
          <>
            <input
              ref={picker}
              type="file"
              class="sr-only"
              tabIndex={-1}
              aria-hidden="true"
              onChange={(e) => attach(e.currentTarget.files?.[0])}
            />
            <button type="button" onClick={() => picker.current?.click()}>
              {t.attach}
            </button>
          </>
        )}
        <textarea
          ref={box}
          aria-label={t.message}
          placeholder={t.message}
          aria-describedby={length > MESSAGE_TEXT_MAX - COUNTER_FROM ? counterId : undefined}
          aria-invalid={over}
          rows={rows}
          value={text}
          // The queue's code arrives while the person types, before the Send that needs it.
          onFocus={() => actions.prepareToSend()}
          onInput={(e) => change(e.currentTarget.value)}
          onPaste={(e) => {
            const pasted = e.clipboardData?.files[0];
            if (!pasted) return;
            e.preventDefault();
            attach(pasted);
          }}
          onKeyDown={(e) => {
            // keyCode 229: Safari reports IME composition this way instead of isComposing.
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
              e.preventDefault();
              void send();
            } else if (
              e.key === 'ArrowUp' &&
              !editing &&
              text === '' &&
              !e.shiftKey &&
              !e.altKey &&
              !e.ctrlKey &&
              !e.metaKey
            ) {
              const last = lastOwnMessage(shown.current);
              if (last) {
                e.preventDefault();
                setMode({ kind: 'edit', target: last });
              }
            }
          }}
          onBlur={stopTyping}
        />
        {editing && (
          <button type="button" onClick={cancel}>
            {t.cancel}
          </button>
        )}
        <button type="submit" class="primary" disabled={empty || over}>
          {editing ? t.save : t.send}
        </button>
      </div>
      {length > MESSAGE_TEXT_MAX - COUNTER_FROM && (
        <p id={counterId} class={over ? 'counter over' : 'counter'} aria-live="polite">
          {over
            ? t.tooLong(MESSAGE_TEXT_MAX, length - MESSAGE_TEXT_MAX)
            : t.charsLeft(MESSAGE_TEXT_MAX - length)}{' '}
          <span class="muted">
            ({length}/{MESSAGE_TEXT_MAX})
          </span>
        </p>
      )}
    </form>
  );
}
