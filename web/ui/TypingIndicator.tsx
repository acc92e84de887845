/**
 * "alice is typing…" for the others typing in a conversation now. A person's message ends their
 * "typing" at once: the notice they sent before it is hidden when the message arrives (their
 * client's "stopped" may come later or never, e.g. when the tab closed), and only a notice
 * received after the message shows them typing again.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { TypingNotice } from '../../contract/index';
import { onArrived } from '../data/index';
import { useTyping } from '../data/typing';
import { useLaterI18n } from '../i18n/later';

/** A polite live region naming who is typing. */
export function TypingIndicator({ conversationId }: { conversationId: string }) {
  const { t } = useLaterI18n();
  const notices = useTyping(conversationId);
  // Per sender: the notice that was current when their message arrived (hidden from then on).
  const [ended, setEnded] = useState<ReadonlyMap<string, TypingNotice | undefined>>(new Map());
  const latest = useRef(new Map<string, TypingNotice>());
  latest.current = new Map(notices.map((n) => [n.userId, n]));
  useEffect(
    () =>
      onArrived((m) => {
        if (m.conversationId !== conversationId || (m.kind && m.kind !== 'message')) return;
        setEnded((before) => new Map(before).set(m.senderId, latest.current.get(m.senderId)));
      }),
    [conversationId],
  );
  const typing = notices.filter((n) => n.typing && !(ended.has(n.userId) && ended.get(n.userId) === n));
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
