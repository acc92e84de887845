/**
 * Everything the UI can do. Sending, editing, deleting and reacting write the outbox first (they
 * work offline and reach the server in the order acted); the rest goes through the hub or HTTP.
 */
import {
  MESSAGE_TEXT_MAX,
  isOneEmoji,
  mutePath,
  textLength,
  type Ack,
  type ConversationSummary,
  type User,
} from '../../contract/index';
import { registerBackgroundSync } from '../../client-kit/index';
import { getMe, setMutedLocally, type OutboxEntry } from '../../localdb/index';
import {
  OUTBOX_SYNC_TAG,
  type AddedEntry,
  type OutboxAction,
  listEntries,
  deleteUpload,
  loadQueue,
} from '../../outbox/index';
import { attachmentMaxBytes, attachmentMaxMb } from './limits';
import { askPersistentStorage } from './storage';
import { ensureRoomFor } from './storageUsage';
import { getDb } from './db';
import { postJson } from './http';
import { hubClient } from './hubClient';
import { tellQueuedHere } from './ownEcho';
import { sessionActions } from './session';

type ConversationAck = Ack<{ conversation: ConversationSummary }>;

/** Asks the Service Worker to replay the outbox over HTTP when the browser is back online. */
function requestBackgroundSync(): void {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator)) return;
  // Without Background Sync the Service Worker replays on start, on `online`, on app open.
  void navigator.serviceWorker.ready.then((registration) =>
    registerBackgroundSync(registration, OUTBOX_SYNC_TAG),
  );
}

/**
 * Tells this tab at once, and asks the hub to drain. The write itself (outbox/queue.ts announces
 * it) reaches the hub once, which recounts the outbox and tells the other tabs.
 */
function outboxChanged(conversationId: string): void {
  const client = hubClient();
  client.emitLocal('changed', { stores: ['outbox'], conversationIds: [conversationId] });
  void client.request('outboxChanged', {});
}

/**
 * An entry just queued: the hub is asked first (the Send's way to the server is what the person
 * waits on), with the entry, so it can send it without reading the outbox; then this tab's views
 * get it as it is (shown without waiting for a re-read, see ownEcho.ts) and its readers re-read.
 */
function entryQueued(added: AddedEntry): void {
  const client = hubClient();
  void client.request('outboxChanged', { added });
  tellQueuedHere(added.entry);
  client.emitLocal('changed', { stores: ['outbox'], conversationIds: [added.entry.conversationId] });
}

const lastTyping = new Map<string, boolean>();

/** Refuses text the server refuses for good: it never enters the outbox (the composer says why). */
function checkText(text: string): void {
  if (text.trim().length === 0) throw new Error('A message cannot be empty.');
  if (textLength(text) > MESSAGE_TEXT_MAX) {
    throw new Error(`A message can have at most ${MESSAGE_TEXT_MAX} characters.`);
  }
}

/** The signed-in user of this device (from the hub, or IndexedDB before it answers). */
async function currentUser(): Promise<User> {
  const me = hubClient().status?.user ?? (await getMe(await getDb()));
  if (!me) throw new Error('Sign in to send messages.');
  return me;
}

/** Thrown when a file is over the attachment limit: it never enters the outbox. */
export class FileTooLargeError extends Error {
  constructor(readonly maxMb: number) {
    super(`A file can be at most ${maxMb} MB.`);
    this.name = 'FileTooLargeError';
  }
}

/**
 * Thrown when the queue's code could not be fetched: the device went offline before the app was
 * saved on it (the Service Worker precaches that code, and the page fetches it when the composer
 * gets focus), or the chunk is gone. Nothing was queued; the same action works once it can load.
 */
export class QueueCodeUnavailableError extends Error {
  constructor(cause: unknown) {
    super("The outbox's code could not be fetched: nothing was queued.", { cause });
    this.name = 'QueueCodeUnavailableError';
  }
}

/** The queue's code, or QueueCodeUnavailableError when it cannot be fetched now. */
async function queueCode(): Promise<Awaited<ReturnType<typeof loadQueue>>> {
  try {
    return await loadQueue();
  } catch (err) {
    throw new QueueCodeUnavailableError(err);
  }
}

/** True when an error says the browser's storage for this site is full. */
export function isQuotaError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as { name?: unknown }).name === 'QuotaExceededError' ||
      // Older Firefox.
      (err as { name?: unknown }).name === 'NS_ERROR_DOM_QUOTA_REACHED')
  );
}

/** An image's size in pixels (EXIF orientation applied, as displayed); {} for other files. */
async function imageSize(file: Blob): Promise<{ width?: number; height?: number }> {
  if (!file.type.startsWith('image/') || typeof createImageBitmap !== 'function') return {};
  try {
    const bitmap = await createImageBitmap(file);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return size;
  } catch {
    return {};
  }
}

/** Writes an action to the outbox, tells every tab, and makes sure it is sent when possible. */
async function queueAction(conversationId: string, action: OutboxAction): Promise<OutboxEntry> {
  const me = await currentUser();
  const { enqueueAdded } = await queueCode();
  const added = await enqueueAdded(await getDb(), { ...action, conversationId, senderId: me.id });
  const entry = added.entry;
  entryQueued(added);
  // What waits on this device only should not be cleared by the browser under storage pressure.
  void askPersistentStorage();
  if (hubClient().status?.connection !== 'online') requestBackgroundSync();
  return entry;
}

export const actions = {
  /**
   * Fetches the queue's code ahead of a Send (the composer calls it on focus): the write on Send
   * then starts at once. Never throws (a failed fetch is tried again at the Send).
   */
  prepareToSend(): void {
    loadQueue().catch(() => undefined);
  },
  ...sessionActions,
  /**
   * Queues a message (IndexedDB first, before any network) and returns its outbox entry. With
   * `replyTo`, it answers that message of the conversation (which may itself still be queued).
   */
  async send(conversationId: string, text: string, options: { replyTo?: string } = {}): Promise<OutboxEntry> {
    checkText(text);
    return queueAction(conversationId, {
      kind: 'message',
      text,
      ...(options.replyTo ? { replyTo: options.replyTo } : {}),
    });
  },
  /**
   * Queues a message carrying a file, with `caption` as its text (may be empty). The file's bytes
   * and the outbox entry are written in one IndexedDB transaction before any network attempt; the
   * drainer uploads the file, then sends the message, in the conversation's order. Throws
   * FileTooLargeError over the limit, and the browser's QuotaExceededError when storage is full
   * (nothing is queued then).
   */
  async sendFile(conversationId: string, file: Blob & { name?: string }, caption = ''): Promise<OutboxEntry> {
    if (textLength(caption) > MESSAGE_TEXT_MAX)
      throw new Error(`A message can have at most ${MESSAGE_TEXT_MAX} characters.`);
    if (file.size > attachmentMaxBytes()) throw new FileTooLargeError(attachmentMaxMb());
    await ensureRoomFor(file.size);
    return queueAction(conversationId, {
      kind: 'message',
      text: caption,
      file: {
        blob: file,
        name: file.name || 'file',
        type: file.type || 'application/octet-stream',
        ...(await imageSize(file)),
      },
    });
  },
  /**
   * Cancels a file's upload: the message and its bytes leave the outbox (one transaction), and the
   * unfinished upload is deleted on the server. The drainer sees the entry gone before its next
   * chunk and stops (deleting it again), so the message is never sent.
   */
  async cancelUpload(conversationId: string, entryId: string): Promise<void> {
    const db = await getDb();
    const entry = await db.get('outbox', entryId);
    if (!entry) return;
    const { withdraw } = await queueCode();
    await withdraw(db, conversationId, entryId);
    outboxChanged(conversationId);
    if (entry.attachment) await deleteUpload(entry.attachment.id);
  },
  /**
   * Queues an edit of one's own message (sent or still queued: then it follows the message). The
   * server refuses it for good after the edit window or once the message was deleted.
   */
  async edit(conversationId: string, targetId: string, text: string): Promise<OutboxEntry> {
    checkText(text);
    return queueAction(conversationId, { kind: 'edit', targetId, text });
  },
  /**
   * Deletes one's own message for everyone. Still in the outbox (queued or failed): it is taken
   * out with every operation on it, and nothing of it reaches the server. Sent: a deletion is
   * queued (once; queued edits and reactions of it are dropped, the deletion makes them moot).
   */
  async deleteMessage(conversationId: string, targetId: string): Promise<void> {
    const me = await currentUser();
    const db = await getDb();
    const { withdraw, discard: discardEntry } = await queueCode();
    if (await withdraw(db, conversationId, targetId)) {
      outboxChanged(conversationId);
      return;
    }
    const queued = (await listEntries(db, me.id, conversationId)).filter((e) => e.targetId === targetId);
    if (queued.some((e) => e.kind === 'delete' && e.state === 'queued')) return;
    for (const e of queued) await discardEntry(db, e.id);
    await queueAction(conversationId, { kind: 'delete', targetId });
  },
  /** Queues adding (`on`) or taking back one's reaction `emoji` to a message. */
  async react(conversationId: string, targetId: string, emoji: string, on: boolean): Promise<OutboxEntry> {
    if (!isOneEmoji(emoji)) throw new Error('A reaction is exactly one emoji.');
    return queueAction(conversationId, { kind: 'reaction', targetId, emoji, on });
  },
  /** Puts a failed entry (any kind) back in the queue. */
  async retry(id: string): Promise<void> {
    const db = await getDb();
    const entry = await db.get('outbox', id);
    await (await queueCode()).retry(db, id);
    if (entry) outboxChanged(entry.conversationId);
    if (hubClient().status?.connection !== 'online') requestBackgroundSync();
  },
  /** Drops an unsent entry (any kind; a message goes with the operations on it). */
  async discard(id: string): Promise<void> {
    const db = await getDb();
    const entry = await db.get('outbox', id);
    await (await queueCode()).discard(db, id);
    if (entry) outboxChanged(entry.conversationId);
  },
  createRoom: (name: string): Promise<ConversationAck> => hubClient().request('createRoom', { name }),
  joinRoom: (inviteCode: string): Promise<ConversationAck> => hubClient().request('joinRoom', { inviteCode }),
  startDirect: (username: string): Promise<ConversationAck> =>
    hubClient().request('startDirect', { username }),
  leave: (conversationId: string): Promise<Ack> => hubClient().request('leave', { conversationId }),
  /** Marks messages up to `seq` as seen (every tab clears the unread count at once). */
  /** Mutes or unmutes push notifications for a conversation (this user, every device). */
  async setMuted(conversationId: string, muted: boolean): Promise<Ack<{ muted: boolean }>> {
    const answer = await postJson<{ muted: boolean }>(mutePath(conversationId, muted), {});
    if (answer.ok) await setMutedLocally(await getDb(), conversationId, muted);
    return answer;
  },
  async markRead(conversationId: string, seq: number): Promise<void> {
    await hubClient().request('markRead', { conversationId, seq });
  },
  /** Tells others whether the user is typing (dropped when offline; repeated "stopped" is not sent). */
  setTyping(conversationId: string, typing: boolean): void {
    if (!typing && !lastTyping.get(conversationId)) return;
    lastTyping.set(conversationId, typing);
    void hubClient().request('typing', { conversationId, typing });
  },
};
