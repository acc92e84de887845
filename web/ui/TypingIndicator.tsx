/** "alice is typing…" for the others typing in a conversation now. */
import { useTyping } from '../data/index';
import { useI18n } from '../i18n/index';

/** A polite live region naming who is typing. */
export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const { t } = useI18n();
  const typing = useTyping(conversationId).filter((n) => n.typing);
  const names = typing.map((n) => n.username);
  const text =
    names.length === 0
      ? ''
      : names.length === 1
        ? t.typing1(names[0]!)
        : names.length === 2
          ? t.typing2(names[0]!, names[1]!)
          : t.typingMany(names.length);
  return (
    <p class="typing muted" aria-live="polite">
      {text}
    </p>
  );
}
