/**
 * "New room" (textbox "Room name", button "Create") and "New direct message" (textbox "Username",
 * button "Start"), each a button that opens a small form. These accessible names are what screen
 * readers and the browser tests rely on.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Ack, ConversationSummary } from '../../contract/index';
import { ROOM_NAME_MAX, USERNAME_MAX } from '../../contract/index';
import { actions } from '../data/index';
import { useI18n } from '../i18n/index';
import type { Strings } from '../i18n/en';
import { errorText } from './errors';
import { useEscape } from './keyboard/escape';
import { conversationPath, navigate } from './router';

type Kind = 'room' | 'direct';

/** The two "new conversation" buttons and the form of the one opened. */
export function NewConversation() {
  const { t } = useI18n();
  const [open, setOpen] = useState<Kind | null>(null);
  const openers = { room: useRef<HTMLButtonElement>(null), direct: useRef<HTMLButtonElement>(null) };
  /** Closes the form; back to the button that opened it (not after creating: that opens the new one). */
  function close(refocus: boolean) {
    if (refocus && open) openers[open].current?.focus();
    setOpen(null);
  }
  useEscape(open !== null, () => close(true));
  return (
    <div class="new-conv">
      <div class="row">
        <button
          type="button"
          ref={openers.room}
          aria-expanded={open === 'room'}
          onClick={() => setOpen(open === 'room' ? null : 'room')}
        >
          {t.newRoom}
        </button>
        <button
          type="button"
          ref={openers.direct}
          aria-expanded={open === 'direct'}
          onClick={() => setOpen(open === 'direct' ? null : 'direct')}
        >
          {t.newDirect}
        </button>
      </div>
      {open && <NewForm key={open} kind={open} onCancel={() => close(true)} onCreated={() => close(false)} />}
    </div>
  );
}

const FORMS: Record<
  Kind,
  {
    label: (t: Strings) => string;
    submit: (t: Strings) => string;
    max: number;
    run: (value: string) => Promise<Ack<{ conversation: ConversationSummary }>>;
  }
> = {
  room: {
    label: (t) => t.roomName,
    submit: (t) => t.create,
    max: ROOM_NAME_MAX,
    run: (v) => actions.createRoom(v),
  },
  direct: {
    label: (t) => t.username,
    submit: (t) => t.start,
    max: USERNAME_MAX,
    run: (v) => actions.startDirect(v),
  },
};

function NewForm({ kind, onCancel, onCreated }: { kind: Kind; onCancel: () => void; onCreated: () => void }) {
  const { t, lang } = useI18n();
  const form = FORMS[kind];
  const [value, setValue] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  // The form opens where the person is typing next (autofocus only works on page load).
  useEffect(() => input.current?.focus(), []);

  async function submit(e: Event) {
    e.preventDefault();
    const v = value.trim();
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      const res = await form.run(v);
      if (res.ok) {
        onCreated();
        navigate(conversationPath(res.conversation.id));
      } else setError(errorText(res.error, lang));
    } catch {
      setError(t.errorGeneric);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form class="new-form" onSubmit={submit}>
      <label class="field">
        <span>{form.label(t)}</span>
        <input
          ref={input}
          required
          maxLength={form.max}
          autoCapitalize={kind === 'direct' ? 'none' : undefined}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="row">
        <button type="submit" class="primary" disabled={busy}>
          {form.submit(t)}
        </button>
        <button type="button" onClick={onCancel}>
          {t.cancel}
        </button>
      </div>
    </form>
  );
}
