/**
 * What each message of a conversation shows: the acknowledged messages (which already carry the
 * effect of every acknowledged edit, deletion and reaction) with this device's still-pending
 * entries laid over them in typing order. Pending messages are appended; a pending edit shows its
 * text, a pending deletion shows the message as deleted, a pending reaction change moves the
 * counts; the message then shows the state of its latest pending entry, as a send does ("Queued",
 * or "Failed" with the reason and the entry to retry or discard).
 *
 * Pure (no DOM, no IndexedDB): the outbox is the device's optimistic guess, recomputed on every
 * change, so when an operation is acknowledged it leaves the outbox and the stored message (now
 * changed by the server) shows the same thing without a flash. This is the "rebase pending
 * operations onto what the server says" half of offline operations.
 */
import { EntryKind, type Attachment, type Message, type WireError } from '../../contract/index';
import { sameValue } from '../../client-kit/index';
import type { OutboxAttachment } from '../../localdb/index';

/** Image types the server shows inline (Attachment.inline): a queued one is previewed as an image. */
const INLINE_TYPES: ReadonlySet<string> = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/** A message's file as shown: the server's Attachment, or a queued one still on this device. */
export interface ShownAttachment extends Attachment {
  /** True while its bytes are in this device's outbox (shown from a local object URL). */
  local: boolean;
  /** Queued: bytes the server holds so far (undefined until the upload started). */
  uploaded?: number;
}

/** The fields of an outbox entry the overlay reads (OutboxEntry is one). */
export interface PendingEntry {
  id: string;
  conversationId: string;
  text: string;
  typedAt: number;
  state: 'queued' | 'failed';
  error?: WireError;
  /** Missing: a message (entries queued before operations existed). */
  kind?: EntryKind;
  replyTo?: string | null;
  targetId?: string | null;
  emoji?: string | null;
  on?: boolean | null;
  attachment?: OutboxAttachment;
}

export interface ShownReaction {
  emoji: string;
  count: number;
  /** The viewer reacted with it. */
  mine: boolean;
}

/** The latest pending entry of a message (the message itself when it is unsent). */
export interface PendingState {
  state: 'queued' | 'failed';
  /** The outbox entry that Retry and Delete act on. */
  entryId: string;
  kind: EntryKind;
  error?: WireError;
}

export interface ShownMessage {
  id: string;
  conversationId: string;
  senderId: string;
  senderName: string;
  /** '' when deleted. */
  text: string;
  /** Server commit time, or typing time while unsent. */
  time: number;
  /** null while unsent. */
  seq: number | null;
  replyTo: string | null;
  edited: boolean;
  deleted: boolean;
  reactions: ShownReaction[];
  /** The file it carries (its text is then the caption); null when none or deleted. */
  attachment: ShownAttachment | null;
  own: boolean;
  pending: PendingState | null;
  /** The acknowledged message (for receipts), absent while unsent. */
  stored?: Message;
}

interface Draft extends Omit<ShownMessage, 'reactions'> {
  /** Who reacted, per emoji, in first-reaction order. */
  reactions: Map<string, string[]>;
}

function fromStored(m: Message, myId: string): Draft {
  const reactions = new Map<string, string[]>();
  for (const r of m.reactions ?? []) if (r.userIds.length > 0) reactions.set(r.emoji, [...r.userIds]);
  return {
    id: m.id,
    conversationId: m.conversationId,
    senderId: m.senderId,
    senderName: m.senderName,
    text: m.deleted ? '' : m.text,
    time: m.createdAt,
    seq: m.seq,
    replyTo: m.replyTo ?? null,
    edited: m.editedAt != null,
    deleted: Boolean(m.deleted),
    reactions,
    attachment: m.attachment && !m.deleted ? { ...m.attachment, local: false } : null,
    own: m.senderId === myId,
    pending: null,
    stored: m,
  };
}

function fromEntry(e: PendingEntry, me: { id: string; username: string }): Draft {
  return {
    id: e.id,
    conversationId: e.conversationId,
    senderId: me.id,
    senderName: me.username,
    text: e.text,
    time: e.typedAt,
    seq: null,
    replyTo: e.replyTo ?? null,
    edited: false,
    deleted: false,
    reactions: new Map(),
    attachment: e.attachment
      ? {
          id: e.attachment.id,
          name: e.attachment.name,
          size: e.attachment.size,
          type: e.attachment.type,
          inline: INLINE_TYPES.has(e.attachment.type),
          width: e.attachment.width ?? null,
          height: e.attachment.height ?? null,
          local: true,
          ...(e.attachment.uploaded !== undefined ? { uploaded: e.attachment.uploaded } : {}),
        }
      : null,
    own: true,
    pending: null,
  };
}

function pendingOf(e: PendingEntry): PendingState {
  return { state: e.state, entryId: e.id, kind: e.kind ?? EntryKind.message, error: e.error };
}

/**
 * The messages to show, in order: acknowledged ones (ascending seq), then unsent ones in typing
 * order, each with the pending entries of `outbox` (in typing order) applied.
 *
 * With `cache`, a message no pending entry touches (its shown form depends on the stored object
 * alone) is taken from it, or built and put there: a window of thousands, prepended a page at a
 * time while scrolling back, builds only the new page's. One cache per viewer.
 */
export function overlay(
  messages: readonly Message[],
  outbox: readonly PendingEntry[],
  me: { id: string; username: string },
  cache?: WeakMap<Message, ShownMessage>,
): ShownMessage[] {
  const touched = new Set<string>();
  for (const e of outbox) if (e.targetId) touched.add(e.targetId);
  const shown: Array<Draft | ShownMessage> = [];
  const ids = new Set<string>();
  const byId = new Map<string, Draft>();
  for (const m of messages) {
    if ((m.kind ?? EntryKind.message) !== EntryKind.message || ids.has(m.id)) continue;
    ids.add(m.id);
    const hit = touched.has(m.id) ? undefined : cache?.get(m);
    if (hit) {
      shown.push(hit);
      continue;
    }
    const d = fromStored(m, me.id);
    shown.push(d);
    byId.set(d.id, d);
  }
  for (const e of outbox) {
    const kind = e.kind ?? EntryKind.message;
    if (kind === EntryKind.message) {
      // Acknowledged meanwhile (the outbox is read a moment apart): the stored one wins.
      if (ids.has(e.id)) continue;
      const d = fromEntry(e, me);
      d.pending = pendingOf(e);
      shown.push(d);
      ids.add(d.id);
      byId.set(d.id, d);
      continue;
    }
    // An operation on a message not shown here (e.g. outside the loaded window) changes nothing.
    const target = e.targetId ? byId.get(e.targetId) : undefined;
    if (!target) continue;
    target.pending = pendingOf(e);
    if (kind === EntryKind.delete) {
      target.deleted = true;
      target.text = '';
      target.attachment = null;
      target.edited = false;
      target.reactions.clear();
    } else if (target.deleted) {
      // A deletion before it wins: an edit or a reaction cannot bring the message back.
    } else if (kind === EntryKind.edit) {
      target.text = e.text;
      target.edited = true;
    } else if (kind === EntryKind.reaction && e.emoji) {
      const who = target.reactions.get(e.emoji) ?? [];
      const without = who.filter((id) => id !== me.id);
      const next = e.on ? [...without, me.id] : without;
      if (next.length > 0) target.reactions.set(e.emoji, next);
      else target.reactions.delete(e.emoji);
    }
  }
  return shown.map((d) => {
    if (!(d.reactions instanceof Map)) return d as ShownMessage;
    const done: ShownMessage = {
      ...(d as Draft),
      reactions: [...d.reactions].map(([emoji, userIds]) => ({
        emoji,
        count: userIds.length,
        mine: userIds.includes(me.id),
      })),
    };
    if (cache && done.stored && !done.pending) cache.set(done.stored, done);
    return done;
  });
}

/**
 * `shown` with each item that shows the same as in `previous` replaced by the previous object: an
 * acknowledged message with nothing pending shows exactly what its stored message holds, so when
 * that is the same (equal content after the window is read again) the row keeps its object, and a
 * memoized row does not render again.
 */
export function keepUnchanged(
  shown: readonly ShownMessage[],
  previous: ReadonlyMap<string, ShownMessage>,
): ShownMessage[] {
  return shown.map((m) => {
    const before = previous.get(m.id);
    if (!before || before === m || before.pending || m.pending || !before.stored || !m.stored) return m;
    if (before.own !== m.own) return m;
    return before.stored === m.stored || sameValue(before.stored, m.stored) ? before : m;
  });
}

/** The messages shown for a window, with an index of them by id. */
export interface ShownWindow {
  /** What they were made from (for the next call's prepend test). */
  messages: readonly Message[];
  outbox: readonly PendingEntry[];
  cache: WeakMap<Message, ShownMessage>;
  items: ShownMessage[];
  byId: Map<string, ShownMessage>;
}

/**
 * overlay() then keepUnchanged() of a window, with its index by id. When the window only grew at
 * its old end (an older page prepended: the previous messages are its tail, the same objects, and
 * the outbox is the same), only the new page is built and `previous` is extended: a window of
 * thousands, prepended a page at a time while scrolling back, costs the page's work, not a pass
 * (and a few copies, promoted to the old generation and collected later) over every message
 * loaded. `previous.byId` is extended in place: it must not be used after.
 */
export function shownWindow(
  messages: readonly Message[],
  outbox: readonly PendingEntry[],
  me: { id: string; username: string },
  cache: WeakMap<Message, ShownMessage>,
  previous: ShownWindow | null,
): ShownWindow {
  const added = previous?.cache === cache ? prependedCount(previous, messages, outbox) : -1;
  if (previous && added > 0) {
    const page = overlay(messages.slice(0, added), NO_ENTRIES, me, cache);
    if (page.every((m) => !previous.byId.has(m.id))) {
      for (const m of page) previous.byId.set(m.id, m);
      return { messages, outbox, cache, items: page.concat(previous.items), byId: previous.byId };
    }
  }
  const items = keepUnchanged(overlay(messages, outbox, me, cache), previous?.byId ?? NO_SHOWN);
  return { messages, outbox, cache, items, byId: new Map(items.map((m) => [m.id, m])) };
}

const NO_ENTRIES: readonly PendingEntry[] = [];
const NO_SHOWN: ReadonlyMap<string, ShownMessage> = new Map();

/**
 * How many messages were put before `previous.messages` to make `messages` (the rest the same
 * objects, the outbox the same and touching none of them), or -1 when it changed otherwise.
 */
function prependedCount(
  previous: ShownWindow,
  messages: readonly Message[],
  outbox: readonly PendingEntry[],
): number {
  const before = previous.messages;
  const added = messages.length - before.length;
  if (outbox !== previous.outbox || added <= 0 || before.length === 0) return -1;
  for (let i = 0; i < before.length; i++) if (messages[added + i] !== before[i]) return -1;
  // An entry on a message of the new page would change how it shows (or, for a message entry
  // acknowledged meanwhile, whether it is shown twice): build it whole.
  const ids = new Set<string>();
  for (let i = 0; i < added; i++) ids.add(messages[i]!.id);
  for (const e of outbox) if (ids.has(e.id) || (e.targetId && ids.has(e.targetId))) return -1;
  return added;
}

/** My newest message that is not deleted (what Up arrow in an empty composer edits). */
export function lastOwnMessage(shown: readonly ShownMessage[]): ShownMessage | null {
  for (let i = shown.length - 1; i >= 0; i--) {
    const m = shown[i]!;
    if (m.own && !m.deleted && !(m.pending?.kind === EntryKind.message && m.pending.state === 'failed'))
      return m;
  }
  return null;
}
