/**
 * The composer: textbox "Message" and button "Send". Enter sends, Shift+Enter adds a line (and
 * Enter while an IME is composing, e.g. for Chinese, is left to the IME). The length against
 * MESSAGE_TEXT_MAX is shown before sending; over it, the limit is named and neither Send nor Enter
 * sends, so an over-long message never reaches the outbox (the server would refuse it for good).
 * Within the limit a message's payload stays far below the socket's MAX_PAYLOAD_BYTES.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { MESSAGE_TEXT_MAX, TYPING_RESEND_MS, textLength } from '../../contract/index';
import { actions } from '../data/index';
import { useI18n } from '../i18n/index';
import { useFocusTarget } from './keyboard/focus';
import { askNotificationPermissionOnce } from './notifications';

/** Show the counter once this few characters are left. */
const COUNTER_FROM = 500;
/** Drafts survive switching conversations (not reloads: a draft is not a typed message yet). */
const drafts = new Map<string, string>();

/** Message input of one conversation. */
export function Composer({ conversationId, onSent }: { conversationId: string; onSent: () => void }) {
  const { t } = useI18n();
  const [text, setText] = useState(() => drafts.get(conversationId) ?? '');
  const [error, setError] = useState<string | null>(null);
  const typingSentAt = useRef(0);
  const box = useRef<HTMLTextAreaElement>(null);
  // Opening a conversation puts the keyboard here; shortcuts can send it back here.
  useFocusTarget('composer', box);
  useEffect(() => box.current?.focus({ preventScroll: true }), []);

  const length = textLength(text);
  const over = length > MESSAGE_TEXT_MAX;
  const empty = text.trim().length === 0;
  const counterId = `counter-${conversationId}`;

  function stopTyping() {
    if (typingSentAt.current) actions.setTyping(conversationId, false);
    typingSentAt.current = 0;
  }
  // Leaving the conversation (the composer is keyed by it) ends "typing".
  useEffect(() => stopTyping, []);

  function change(value: string) {
    setText(value);
    drafts.set(conversationId, value);
    if (!value.trim()) stopTyping();
    else if (Date.now() - typingSentAt.current > TYPING_RESEND_MS) {
      typingSentAt.current = Date.now();
      actions.setTyping(conversationId, true);
    }
  }

  async function send() {
    if (empty || over) return;
    const value = text;
    setError(null);
    change('');
    stopTyping();
    try {
      await actions.send(conversationId, value);
      onSent();
      askNotificationPermissionOnce();
    } catch {
      // Not written to the outbox: give the text back so nothing typed is lost.
      change(value);
      setError(t.errorGeneric);
    }
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
    >
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="composer-row">
        <textarea
          ref={box}
          aria-label={t.message}
          placeholder={t.message}
          aria-describedby={length > MESSAGE_TEXT_MAX - COUNTER_FROM ? counterId : undefined}
          aria-invalid={over}
          rows={rows}
          value={text}
          onInput={(e) => change(e.currentTarget.value)}
          onKeyDown={(e) => {
            // keyCode 229: Safari reports IME composition this way instead of isComposing.
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
              e.preventDefault();
              void send();
            }
          }}
          onBlur={stopTyping}
        />
        <button type="submit" class="primary" disabled={empty || over}>
          {t.send}
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
