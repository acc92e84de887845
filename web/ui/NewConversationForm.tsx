/** The form of "New room" or "New direct message" (NewConversation.tsx opens it). */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Ack, ConversationSummary } from '../../contract/index';
import { ROOM_NAME_MAX, USERNAME_MAX } from '../../contract/index';
import { actions } from '../data/actions';
import { useLaterI18n, type AllStrings } from '../i18n/later';
import { Field, FormLayout, useFormAction } from './FormLayout';
import { conversationPath, navigate } from './router';

export type Kind = 'room' | 'direct';

const FORMS: Record<
  Kind,
  {
    label: (t: AllStrings) => string;
    submit: (t: AllStrings) => string;
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
  const { t } = useLaterI18n();
  const form = FORMS[kind];
  const [value, setValue] = useState('');
  const { busy, error, run } = useFormAction();
  const input = useRef<HTMLInputElement>(null);
  // The form opens where the person is typing next (autofocus only works on page load).
  useEffect(() => input.current?.focus(), []);

  async function submit() {
    const v = value.trim();
    if (!v) return;
    const res = await run(() => form.run(v));
    if (!res) return;
    onCreated();
    navigate(conversationPath(res.conversation.id));
  }

  return (
    <FormLayout
      class="new-form"
      onSubmit={() => void submit()}
      error={error}
      busy={busy}
      submit={form.submit(t)}
      other={
        <button type="button" onClick={onCancel}>
          {t.cancel}
        </button>
      }
    >
      <Field label={form.label(t)}>
        <input
          ref={input}
          required
          maxLength={form.max}
          autoCapitalize={kind === 'direct' ? 'none' : undefined}
          value={value}
          onInput={(e) => setValue(e.currentTarget.value)}
        />
      </Field>
    </FormLayout>
  );
}
