/**
 * "New room" (textbox "Room name", button "Create") and "New direct message" (textbox "Username",
 * button "Start"), each a button that opens a small form. These accessible names are what screen
 * readers and the browser tests rely on.
 */
import { useRef, useState } from 'preact/hooks';
import { useI18n } from '../i18n/index';
import { useEscape } from './keyboard/escape';
import { lazy } from './lazy';
import type { Kind } from './NewConversationForm';

// The form's code comes when a button opens it: the buttons alone are on the first screen.
const NewForm = lazy(() => import('./NewConversationForm').then((m) => m.NewForm));

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
