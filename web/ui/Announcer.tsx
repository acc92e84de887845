/**
 * What a screen reader hears on its own, through the page's one polite live region: a new message
 * from someone else once (several arriving together as one summary), and a change of connection
 * (lost, back) once. Everything else that changes by itself stays quiet: the message log and the
 * status bar are not live regions, so a catch-up of hundreds of messages after a reconnect, the
 * waiting count, or Sent → Delivered → Read are never read out one by one.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Message } from '../../contract/index';
import { onArrived, storedName, useHubStatus } from '../data/index';
import { useI18n } from '../i18n/index';
import type { Strings } from '../i18n/en';

/** Arrivals this close together are announced together. */
const GATHER_MS = 500;
/** …but a steady stream is still summarised at least this often. */
const GATHER_MAX_MS = 3_000;
/** A long message is cut here: the log holds the rest. */
const TEXT_MAX = 200;

type Say = (text: string) => void;

/** One announcement for arrivals gathered together: the message itself, or a count. */
export function arrivalText(
  arrived: Message[],
  t: Strings,
  nameOf: (conversationId: string) => string,
): string {
  if (arrived.length === 1) {
    const m = arrived[0]!;
    const text = m.text.length > TEXT_MAX ? `${m.text.slice(0, TEXT_MAX)}…` : m.text;
    return `${t.notificationFrom(m.senderName, nameOf(m.conversationId))}: ${text}`;
  }
  const conversations = new Set(arrived.map((m) => m.conversationId)).size;
  return conversations > 1 ? t.newMessagesIn(arrived.length, conversations) : t.newMessages(arrived.length);
}

function useArrivals(say: Say, t: Strings): void {
  const strings = useRef(t);
  strings.current = t;
  useEffect(() => {
    let gathered: Message[] = [];
    let quiet: ReturnType<typeof setTimeout> | undefined;
    let longest: ReturnType<typeof setTimeout> | undefined;
    async function flush() {
      clearTimeout(quiet);
      clearTimeout(longest);
      longest = undefined;
      const arrived = gathered;
      gathered = [];
      const first = arrived[0];
      if (!first) return;
      // Named as stored, one read per announcement: the list in memory may not be read yet (it
      // waits while the open conversation shows), and the conversation is stored before its
      // messages are.
      const name = (await storedName(first.conversationId)) || first.senderName;
      say(arrivalText(arrived, strings.current, () => name));
    }
    const off = onArrived((m) => {
      // A hidden tab is not being listened to (its notification covers it).
      if (document.visibilityState !== 'visible') return;
      gathered.push(m);
      clearTimeout(quiet);
      quiet = setTimeout(flush, GATHER_MS);
      longest ??= setTimeout(flush, GATHER_MAX_MS);
    });
    return () => {
      off();
      clearTimeout(quiet);
      clearTimeout(longest);
    };
  }, [say]);
}

function useConnectionChanges(say: Say, t: Strings): void {
  const { connection, queued } = useHubStatus();
  // Null until the first time online: starting up is not a change worth saying.
  const wasOnline = useRef<boolean | null>(null);
  useEffect(() => {
    const online = connection === 'online';
    if (wasOnline.current === null) {
      if (online) wasOnline.current = true;
      return;
    }
    // Offline and connecting alternate while retrying: only losing and regaining the link count.
    if (online === wasOnline.current) return;
    wasOnline.current = online;
    say(
      online
        ? t.statusOnline
        : connection === 'offline'
          ? t.statusOffline(queued)
          : t.statusConnecting(queued),
    );
  }, [connection]);
}

/** The live region; mount once, in the signed-in shell. */
export function Announcer() {
  const { t } = useI18n();
  const [said, setSaid] = useState<{ n: number; text: string } | null>(null);
  // Each announcement is a new node, so the same words twice are still read twice.
  const say = useRef<Say>((text) => setSaid((prev) => ({ n: (prev?.n ?? 0) + 1, text }))).current;
  useArrivals(say, t);
  useConnectionChanges(say, t);
  return (
    <div class="sr-only" aria-live="polite" data-announcer="">
      {said && <p key={said.n}>{said.text}</p>}
    </div>
  );
}
