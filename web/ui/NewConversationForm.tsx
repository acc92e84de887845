/** The form of "New room" or "New direct message" (NewConversation.tsx opens it). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Ack, ConversationSummary } from '../../contract/index';
import { ROOM_NAME_MAX, USERNAME_MAX } from '../../contract/index';
import { actions } from '../data/index';
import { useI18n } from '../i18n/index';
import type { Strings } from '../i18n/en';
import { errorText } from './errors';
import { conversationPath, navigate } from './router';

export type Kind = 'room' | 'direct';

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

/** One form: its field, errors, submit and cancel. */
export function NewForm({
  kind,
  onCancel,
  onCreated,
}: {
  kind: Kind;
  onCancel: () => void;
  onCreated: () => void;
}) {
  const { t } = useI18n();
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
      } else setError(errorText(res.error, t));
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
