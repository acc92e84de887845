import { useEffect, useState } from 'preact/hooks';
import { TYPING_TTL_MS, type TypingNotice } from '../../contract/index';
import { hubClient } from './hubClient';

interface Seen {
  notice: TypingNotice;
  until: number;
}

/** Who is typing where, kept for the page's lifetime; a notice expires after TYPING_TTL_MS. */
const typing = new Map<string, Map<string, Seen>>();
const watchers = new Set<() => void>();
let subscribed = false;

function track(): void {
  if (subscribed) return;
  subscribed = true;
  hubClient().on('typing', (notice) => {
    let byUser = typing.get(notice.conversationId);
    if (!byUser) typing.set(notice.conversationId, (byUser = new Map()));
    if (notice.typing) byUser.set(notice.userId, { notice, until: Date.now() + TYPING_TTL_MS });
    else byUser.delete(notice.userId);
    for (const watch of watchers) watch();
  });
}

function current(conversationId: string): TypingNotice[] {
  const now = Date.now();
  const out: TypingNotice[] = [];
  for (const [userId, seen] of typing.get(conversationId) ?? []) {
    if (seen.until > now) out.push(seen.notice);
    else typing.get(conversationId)?.delete(userId);
  }
  return out;
}

/** Others typing in a conversation now (the hub never relays one's own notices). */
export function useTyping(conversationId: string): TypingNotice[] {
  track();
  const [list, setList] = useState(() => current(conversationId));
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const refresh = (): void => {
      const now = current(conversationId);
      setList(now);
      // Re-check when the next notice expires, so "typing…" disappears on its own.
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      const next = Math.min(...[...(typing.get(conversationId)?.values() ?? [])].map((s) => s.until));
      if (Number.isFinite(next)) timer = setTimeout(refresh, Math.max(0, next - Date.now()) + 10);
    };
    refresh();
    watchers.add(refresh);
    return () => {
      watchers.delete(refresh);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [conversationId]);
  return list;
}
