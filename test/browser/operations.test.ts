/**
 * Every action works offline as a queued operation (the data layer, driven through
 * `window.__ferryData` where the UI does not exist yet): replies, edits, deletions and reactions
 * typed offline reach the server once each, in the order acted, from the Service Worker with every
 * tab closed; a message deleted while still queued never reaches the server, nor do its
 * operations; operations on a message that failed for good fail with it; an operation the server
 * refuses for good ends failed with its reason; and a device that was away while others edited,
 * deleted and reacted converges by catch-up (IndexedDB state, unread count and device search).
 */
import { randomUUID } from 'node:crypto';
import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TEXT_MAX, type Message } from '../../contract/index';
import type { LocalConversation, OutboxEntry } from '../../localdb/index';
import type {} from '../../web/data/testHook';
import {
  addSessionCookie,
  newContext,
  eventually,
  ferrySuite,
  newUser,
  opViaApi,
  openOnlineTab,
  openTab,
  sendViaApi,
  serverMessages,
  sharedRoom,
  signUp,
  socketCount,
  UI_TIMEOUT,
  waitOffline,
  waitUntil,
} from './support/index';
import { putOutboxEntry, readOutboxScript, SyncDispatcher, waitForServiceWorkerControl } from './pwaSupport';

const suite = ferrySuite();

/** Makes every page of the context expose its data actions (see web/data/testHook.ts). */
async function exposeData(context: BrowserContext): Promise<void> {
  await context.addInitScript(() => {
    window.__ferryExposeData = true;
  });
}

async function dataReady(page: Page): Promise<void> {
  await page.waitForFunction(() => window.__ferryData !== undefined);
}

/** Every entry stored in the page's IndexedDB `store` (raw API, no app code). */
function readAll<T>(page: Page, store: 'messages' | 'conversations'): Promise<T[]> {
  return page.evaluate(
    (name) =>
      new Promise<T[]>((resolve, reject) => {
        const open = indexedDB.open('ferry');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const req = db.transaction(name).objectStore(name).getAll();
          req.onsuccess = () => {
            db.close();
            resolve(req.result as T[]);
          };
          req.onerror = () => reject(req.error);
        };
      }),
    store,
  );
}

async function storedMessage(page: Page, id: string): Promise<Message | undefined> {
  return (await readAll<Message>(page, 'messages')).find((m) => m.id === id);
}

/** What the server's log says, compactly: one line per entry, in seq order. */
function describeLog(log: Message[], names: Record<string, string>): string[] {
  const name = (id: string | null) => (id ? (names[id] ?? id) : '-');
  return log.map((m) => {
    switch (m.kind) {
      case 'edit':
        return `edit ${name(m.targetId)} "${m.text}"`;
      case 'delete':
        return `delete ${name(m.targetId)}`;
      case 'reaction':
        return `reaction ${name(m.targetId)} ${m.emoji} ${m.reactionOn ? 'on' : 'off'}`;
      default:
        return `message ${name(m.id)}${m.replyTo ? ` reply to ${name(m.replyTo)}` : ''}`;
    }
  });
}

describe('operations typed offline', () => {
  it('reach the server once each, in order, from the Service Worker with every tab closed; a queued message deleted never does', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'ops-alice', {
      permissions: ['background-sync'],
    });
    const bob = await newUser(suite.browser, suite.ferry, 'ops-bob');
    await exposeData(alice.context);
    const north = await sharedRoom(suite.ferry, alice, bob, 'Ops north');
    const south = await sharedRoom(suite.ferry, alice, bob, 'Ops south');
    const first = (await sendViaApi(suite.ferry, alice.cookie, north.id, 'First words')).message;
    const doomed = (await sendViaApi(suite.ferry, alice.cookie, north.id, 'Regrettable words')).message;
    const south1 = (await sendViaApi(suite.ferry, alice.cookie, south.id, 'Typo in tihs')).message;

    // Two tabs, one per conversation, used in turn as a person would.
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${north.id}`);
    await waitForServiceWorkerControl(page);
    await dataReady(page);
    const southTab = await openOnlineTab(alice.context, suite.ferry, `/c/${south.id}`);
    await dataReady(southTab);
    await eventually(async () => (await storedMessage(page, south1.id))?.text).toBe('Typo in tihs');
    await eventually(async () => (await storedMessage(page, doomed.id))?.text).toBe('Regrettable words');
    const dispatcher = await SyncDispatcher.open(alice.context, suite.ferry);

    await suite.ferry.kill();
    await waitOffline(page);
    await waitOffline(southTab);
    const ids = { north: north.id, south: south.id, first: first.id, doomed: doomed.id, south1: south1.id };
    const reply = await page.evaluate(async ({ north, first }) => {
      const { actions } = window.__ferryData!;
      const sent = await actions.send(north, 'A reply while offline', { replyTo: first });
      await actions.react(north, first, '👍', true);
      return sent.id;
    }, ids);
    await southTab.evaluate(
      ({ south, south1 }) => window.__ferryData!.actions.edit(south, south1, 'Typo in this'),
      ids,
    );
    await page.evaluate(({ north, doomed }) => window.__ferryData!.actions.deleteMessage(north, doomed), ids);
    const fresh = await southTab.evaluate(async ({ south }) => {
      const { actions } = window.__ferryData!;
      const sent = await actions.send(south, 'Queued then changed');
      await actions.edit(south, sent.id, 'Queued, then edited');
      await actions.react(south, sent.id, '🎉', true);
      return sent.id;
    }, ids);
    const never = await page.evaluate(async ({ north }) => {
      const { actions } = window.__ferryData!;
      const sent = await actions.send(north, 'Never sent');
      await actions.react(north, sent.id, '😂', true);
      await actions.edit(north, sent.id, 'Never sent, edited');
      await actions.deleteMessage(north, sent.id);
      return sent.id;
    }, ids);
    const queued = { reply, fresh, never };

    // The outbox holds every operation in the order acted; nothing of the withdrawn message.
    const outbox = (await page.evaluate(readOutboxScript)).sort((a, b) => a.order - b.order);
    expect(outbox.map((e) => [e.kind, e.targetId ?? e.replyTo ?? null, e.state])).toEqual([
      ['message', first.id, 'queued'],
      ['reaction', first.id, 'queued'],
      ['edit', south1.id, 'queued'],
      ['delete', doomed.id, 'queued'],
      ['message', null, 'queued'],
      ['edit', queued.fresh, 'queued'],
      ['reaction', queued.fresh, 'queued'],
    ]);
    expect(outbox.filter((e) => e.kind === 'delete' || e.kind === 'reaction').map((e) => e.text)).toEqual([
      '',
      '',
      '',
    ]);

    // Every tab of the app closes: only the Service Worker is left to send.
    await page.close();
    await southTab.close();
    await suite.ferry.restart();
    expect(await socketCount(suite.ferry, alice.user.id)).toBe(0);
    await dispatcher.dispatch('ferry-outbox');

    const names: Record<string, string> = {
      [first.id]: 'first',
      [doomed.id]: 'doomed',
      [south1.id]: 'south1',
      [queued.reply]: 'reply',
      [queued.fresh]: 'fresh',
      [queued.never]: 'never',
    };
    // Bob reads the log: each operation once, in the order acted.
    await eventually(async () =>
      describeLog(await serverMessages(suite.ferry, bob.cookie, north.id), names),
    ).toEqual([
      'message first',
      'message doomed',
      'message reply reply to first',
      'reaction first 👍 on',
      'delete doomed',
    ]);
    await eventually(async () =>
      describeLog(await serverMessages(suite.ferry, bob.cookie, south.id), names),
    ).toEqual([
      'message south1',
      'edit south1 "Typo in this"',
      'message fresh',
      'edit fresh "Queued, then edited"',
      'reaction fresh 🎉 on',
    ]);
    const northLog = await serverMessages(suite.ferry, bob.cookie, north.id);
    const southLog = await serverMessages(suite.ferry, bob.cookie, south.id);
    expect(northLog.find((m) => m.id === first.id)?.reactions).toEqual([
      { emoji: '👍', userIds: [alice.user.id] },
    ]);
    expect(northLog.find((m) => m.id === doomed.id)).toMatchObject({ deleted: true, text: '' });
    expect(southLog.find((m) => m.id === queued.fresh)).toMatchObject({ text: 'Queued, then edited' });
    expect(JSON.stringify([...northLog, ...southLog])).not.toContain('Never sent');
    expect(JSON.stringify([...northLog, ...southLog])).not.toContain(queued.never);

    // The worker emptied the outbox and stored each acknowledged entry, its effects applied.
    const worker = alice.context.serviceWorkers().find((w) => w.url() === `${suite.ferry.url}/sw.js`);
    expect(await worker!.evaluate(readOutboxScript)).toEqual([]);
    const again = await openTab(alice.context, suite.ferry, `/c/${north.id}`);
    await eventually(async () => (await storedMessage(again, queued.fresh))?.text).toBe(
      'Queued, then edited',
    );
    // Each conversation is caught up in its own turn: wait for each.
    await eventually(async () => (await storedMessage(again, first.id))?.reactions).toEqual([
      { emoji: '👍', userIds: [alice.user.id] },
    ]);
    await eventually(async () => (await storedMessage(again, doomed.id))?.deleted).toBe(true);
    expect(await storedMessage(again, doomed.id)).toMatchObject({ text: '' });
    await alice.context.close();
    await bob.context.close();
  });
});

describe('operations that cannot succeed', () => {
  it('fail with their message when it fails for good, and fail with the reason when the server refuses them', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'ops-fail');
    await exposeData(alice.context);
    const room = await sharedRoom(
      suite.ferry,
      alice,
      await newUser(suite.browser, suite.ferry, 'ops-other'),
      'Ops fail',
    );
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await dataReady(page);
    // Offline, the code of what fails comes from the precache: the Service Worker must have it.
    await waitForServiceWorkerControl(page);

    // A message the server refuses for good (too long), with an edit and a reaction queued on it.
    await suite.ferry.kill();
    await waitOffline(page);
    const tooLong = await putOutboxEntry(page, {
      conversationId: room.id,
      text: `Too long ${'~'.repeat(MESSAGE_TEXT_MAX)}`,
      senderId: alice.user.id,
    });
    await page.evaluate(
      async ({ room, target }) => {
        const { actions } = window.__ferryData!;
        await actions.edit(room, target, 'Shorter now');
        await actions.react(room, target, '👍', true);
        await actions.send(room, 'After the long one');
      },
      { room: room.id, target: tooLong.id },
    );
    await suite.ferry.restart();
    await eventually(async () =>
      (await page.evaluate(readOutboxScript))
        .sort((a, b) => a.order - b.order)
        .map((e) => [e.kind ?? 'message', e.state, e.error?.code]),
    ).toEqual([
      ['message', 'failed', 'BAD_REQUEST'],
      ['edit', 'failed', 'MESSAGE_NOT_FOUND'],
      ['reaction', 'failed', 'MESSAGE_NOT_FOUND'],
    ]);
    const dependents = (await page.evaluate(readOutboxScript)).filter((e) => e.targetId === tooLong.id);
    for (const e of dependents) expect(e.error?.message).toMatch(/could not be sent/);
    expect((await serverMessages(suite.ferry, alice.cookie, room.id)).map((m) => m.text)).toEqual([
      'After the long one',
    ]);
    // Deleting the failed message discards the operations on it too.
    await page.evaluate(({ id }) => window.__ferryData!.actions.discard(id), { id: tooLong.id });
    expect(await page.evaluate(readOutboxScript)).toEqual([]);

    // An edit of a message another device deleted: refused for good, failed with the reason.
    const sent = (await sendViaApi(suite.ferry, alice.cookie, room.id, 'Soon deleted elsewhere')).message;
    await opViaApi(suite.ferry, alice.cookie, room.id, { kind: 'delete', targetId: sent.id });
    const edit = await page.evaluate(
      ({ room, id }) => window.__ferryData!.actions.edit(room, id, 'Too late'),
      { room: room.id, id: sent.id },
    );
    await eventually(
      async () => (await page.evaluate(readOutboxScript)).find((e) => e.id === edit.id)?.state,
    ).toBe('failed');
    const [failed] = (await page.evaluate(readOutboxScript)).filter((e) => e.id === edit.id) as OutboxEntry[];
    expect(failed!.error?.code).toBe('MESSAGE_DELETED');
    // Delete (discard) drops it; nothing of it was stored.
    await page.evaluate(({ id }) => window.__ferryData!.actions.discard(id), { id: edit.id });
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    expect((await serverMessages(suite.ferry, alice.cookie, room.id)).some((m) => m.id === edit.id)).toBe(
      false,
    );
    await alice.context.close();
  });
});

describe('a device that was away', () => {
  it(
    'converges by catch-up on edits, deletions and reactions, with a true unread count and device search',
    async () => {
      const alice = await newUser(suite.browser, suite.ferry, 'ops-away-a');
      const bob = await newUser(suite.browser, suite.ferry, 'ops-away-b');
      const room = await sharedRoom(suite.ferry, alice, bob, 'Ops away');
      const send = async (text: string) =>
        (await sendViaApi(suite.ferry, alice.cookie, room.id, text)).message;
      const kept = await send('Meet at the lighthouse');
      const gone = await send('Secret harbour plans');
      const liked = await send('Bring the ropes');

      // Bob's device stores them, then goes away (no tab: no hub, no socket).
      let page = await openOnlineTab(bob.context, suite.ferry, '/');
      await eventually(async () => (await readAll<Message>(page, 'messages')).length).toBe(3);
      await page.close();
      // Away for real: the hub let go of its socket (it closes it when its last tab goes).
      await waitUntil(
        "Bob's device to go away",
        async () => (await socketCount(suite.ferry, bob.user.id)) === 0,
      );

      const op = (body: Record<string, unknown>) => opViaApi(suite.ferry, alice.cookie, room.id, body);
      await op({ kind: 'edit', targetId: kept.id, text: 'Meet at the pier' });
      await op({ kind: 'edit', targetId: gone.id, text: 'Secret harbour maps' });
      await op({ kind: 'delete', targetId: gone.id });
      await op({ kind: 'reaction', targetId: liked.id, emoji: '👍', on: true });
      await op({ kind: 'reaction', targetId: liked.id, emoji: '❤️', on: true });
      await op({ kind: 'reaction', targetId: liked.id, emoji: '❤️', on: false });
      const last = await send('One more thing');

      page = await openOnlineTab(bob.context, suite.ferry, '/');
      await eventually(async () => (await readAll<Message>(page, 'messages')).length).toBe(10);
      const stored = await readAll<Message>(page, 'messages');
      const byId = new Map(stored.map((m) => [m.id, m]));
      expect(byId.get(kept.id)).toMatchObject({ text: 'Meet at the pier', deleted: false });
      expect(byId.get(kept.id)!.editedAt).toBeGreaterThan(0);
      expect(byId.get(gone.id)).toMatchObject({ text: '', deleted: true });
      // The deleted message's edit lost its text on the device too.
      expect(stored.filter((m) => m.targetId === gone.id && m.kind === 'edit').map((m) => m.text)).toEqual([
        '',
      ]);
      expect(byId.get(liked.id)!.reactions).toEqual([{ emoji: '👍', userIds: [alice.user.id] }]);
      // Every entry as the server holds it now, whatever order things arrived in.
      const state = (m: Message) => [m.id, m.kind, m.text, m.deleted, m.editedAt, m.reactions];
      expect(stored.sort((a, b) => a.seq - b.seq).map(state)).toEqual(
        (await serverMessages(suite.ferry, bob.cookie, room.id)).map(state),
      );

      // Unread: Alice's messages that are not deleted (3), not her operations.
      const [conversation] = await readAll<LocalConversation>(page, 'conversations');
      expect(conversation!.lastSeq).toBe(10);
      expect(conversation!.unreadCount).toBe(3);
      expect(conversation!.lastMessage?.id).toBe(last.id);

      // Device search: the edited message by its new word, not the old; the deleted one not at all.
      // Offline, the search code comes from the precache: the Service Worker must have it.
      await waitForServiceWorkerControl(page);
      await suite.ferry.kill();
      await waitOffline(page);
      const results = page
        .getByRole('search', { name: 'Search messages' })
        .getByRole('list', { name: 'Search results' });
      const searchBox = page
        .getByRole('search', { name: 'Search messages' })
        .getByRole('searchbox', { name: 'Search messages' });
      await searchBox.fill('pier');
      await eventually(() => results.getByRole('link').allTextContents()).toEqual([
        expect.stringContaining('Meet at the pier'),
      ]);
      await searchBox.fill('lighthouse');
      await eventually(() => page.getByText('No messages found.').count()).toBeGreaterThan(0);
      expect(await results.getByRole('link').count()).toBe(0);
      await searchBox.fill('harbour');
      await eventually(() => page.getByText('No messages found.').count()).toBeGreaterThan(0);
      expect(await results.getByRole('link').count()).toBe(0);
      await suite.ferry.restart();
      await alice.context.close();
      await bob.context.close();
    },
    UI_TIMEOUT * 8,
  );
});

describe('a device upgraded from the schema before operations', () => {
  it('keeps its messages, unread count and queued messages working', async () => {
    const alice = await signUp(suite.ferry, 'ops-upgrade-a');
    const bob = await signUp(suite.ferry, 'ops-upgrade-b');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Ops upgrade');
    const old = (await sendViaApi(suite.ferry, bob.cookie, room.id, 'Stored before the upgrade')).message;
    const context = await newContext(suite.browser);
    await addSessionCookie(context, suite.ferry, alice.cookie);

    // A device as schema v2 left it: rows without kind, unread count or operation fields.
    const page = await context.newPage();
    await page.goto(`${suite.ferry.url}/healthz`);
    const queuedId = randomUUID();
    await page.evaluate(
      async ({ me, room, old, queuedId }) => {
        const db = await new Promise<IDBDatabase>((resolve, reject) => {
          const open = indexedDB.open('ferry', 2);
          open.onupgradeneeded = () => {
            const db = open.result;
            db.createObjectStore('meta');
            db.createObjectStore('conversations', { keyPath: 'id' }).createIndex('by-activity', 'activityAt');
            db.createObjectStore('messages', { keyPath: 'id' }).createIndex(
              'by-conv-seq',
              ['conversationId', 'seq'],
              { unique: true },
            );
            db.createObjectStore('members', { keyPath: ['conversationId', 'userId'] }).createIndex(
              'by-conv',
              'conversationId',
            );
            const outbox = db.createObjectStore('outbox', { keyPath: 'id' });
            outbox.createIndex('by-order', 'order');
            outbox.createIndex('by-conv-order', ['conversationId', 'order']);
            db.createObjectStore('search');
          };
          open.onsuccess = () => resolve(open.result);
          open.onerror = () => reject(open.error);
        });
        const tx = db.transaction(['meta', 'conversations', 'messages', 'outbox'], 'readwrite');
        tx.objectStore('meta').put(me, 'me');
        const message = {
          id: old.id,
          conversationId: room.id,
          seq: old.seq,
          senderId: old.senderId,
          senderName: old.senderName,
          text: old.text,
          typedAt: old.typedAt,
          createdAt: old.createdAt,
        };
        tx.objectStore('messages').put(message);
        tx.objectStore('conversations').put({
          id: room.id,
          kind: room.kind,
          name: room.name,
          inviteCode: room.inviteCode,
          lastSeq: old.seq,
          lastMessage: message,
          createdAt: room.createdAt,
          deliveredSeq: old.seq,
          readSeq: 0,
          syncedSeq: old.seq,
          activityAt: old.createdAt,
        });
        const typedAt = Date.now();
        tx.objectStore('outbox').put({
          id: queuedId,
          conversationId: room.id,
          text: 'Queued before the upgrade',
          typedAt,
          senderId: me.id,
          order: typedAt * 1000,
          state: 'queued',
          attempts: 0,
          nextAttemptAt: 0,
        });
        await new Promise<void>((resolve, reject) => {
          tx.oncomplete = () => resolve();
          tx.onerror = () => reject(tx.error);
        });
        db.close();
      },
      { me: alice.user, room, old, queuedId },
    );

    // Not opened on the conversation: reading it would clear the unread count this test checks.
    await page.goto(`${suite.ferry.url}/`);
    // The entry queued under v2 (no kind) is sent as a message.
    await eventually(async () =>
      (await serverMessages(suite.ferry, bob.cookie, room.id)).map((m) => [m.id, m.kind, m.text]),
    ).toEqual([
      [old.id, 'message', 'Stored before the upgrade'],
      [queuedId, 'message', 'Queued before the upgrade'],
    ]);
    // The old row is a full message now, and operations apply to it.
    await opViaApi(suite.ferry, bob.cookie, room.id, {
      kind: 'edit',
      targetId: old.id,
      text: 'Edited after it',
    });
    await eventually(async () => (await storedMessage(page, old.id))?.text).toBe('Edited after it');
    expect(await storedMessage(page, old.id)).toMatchObject({
      kind: 'message',
      deleted: false,
      reactions: [],
    });
    // Sending marked Bob's first message read (the server moves a sender's receipts); his next
    // message is unread, his edit and Alice's own message are not counted.
    await sendViaApi(suite.ferry, bob.cookie, room.id, 'Sent after the upgrade');
    await eventually(
      async () => (await readAll<LocalConversation>(page, 'conversations'))[0]?.unreadCount,
    ).toBe(1);
    await context.close();
  });
});

describe('operations arriving live and out of order', () => {
  it('apply live (a deletion blanks the message, its edits, its preview and its unread place) and converge when history arrives after newer edits', async () => {
    const alice = await signUp(suite.ferry, 'ops-live-a');
    const bob = await newUser(suite.browser, suite.ferry, 'ops-live-b');
    await exposeData(bob.context);
    const room = await sharedRoom(suite.ferry, alice, bob, 'Ops live');
    const op = (body: Record<string, unknown>) => opViaApi(suite.ferry, alice.cookie, room.id, body);
    let page = await openOnlineTab(bob.context, suite.ferry, '/');
    await dataReady(page);
    const conversation = async () =>
      (await readAll<LocalConversation>(page, 'conversations')).find((c) => c.id === room.id);

    const doomed = (await sendViaApi(suite.ferry, alice.cookie, room.id, 'Draft plans')).message;
    const edit = (await op({ kind: 'edit', targetId: doomed.id, text: 'Final plans' })).message;
    await eventually(async () => (await storedMessage(page, doomed.id))?.text).toBe('Final plans');
    expect(await storedMessage(page, edit.id)).toMatchObject({ kind: 'edit', text: 'Final plans' });
    await eventually(async () => (await conversation())?.unreadCount).toBe(1);
    expect((await conversation())?.lastMessage).toMatchObject({ id: doomed.id, text: 'Final plans' });

    await op({ kind: 'delete', targetId: doomed.id });
    await eventually(async () => (await storedMessage(page, doomed.id))?.deleted).toBe(true);
    expect(await storedMessage(page, doomed.id)).toMatchObject({ text: '' });
    // The edit arrived with its text; the deletion removed it from this device too.
    expect(await storedMessage(page, edit.id)).toMatchObject({ text: '' });
    expect((await conversation())?.lastMessage).toMatchObject({ id: doomed.id, deleted: true, text: '' });
    expect((await conversation())?.unreadCount).toBe(0);

    // A room where Bob's device loads only the newest page: the message and its first edit are
    // older than it, its latest edit inside it. History arriving later must not bring back the
    // first edit's text. Bob's device is away meanwhile (no tab), so it catches up afterwards.
    await page.close();
    // Away for real: the hub let go of its socket (it closes it when its last tab goes).
    await waitUntil(
      "Bob's device to go away",
      async () => (await socketCount(suite.ferry, bob.user.id)) === 0,
    );
    const deep = await sharedRoom(suite.ferry, alice, bob, 'Ops deep');
    const deepOp = (body: Record<string, unknown>) => opViaApi(suite.ferry, alice.cookie, deep.id, body);
    const old = (await sendViaApi(suite.ferry, alice.cookie, deep.id, 'Version one')).message;
    await deepOp({ kind: 'edit', targetId: old.id, text: 'Version two' });
    await deepOp({ kind: 'reaction', targetId: old.id, emoji: '👍', on: true });
    for (let i = 0; i < 100; i++) await sendViaApi(suite.ferry, alice.cookie, deep.id, `Filler ${i}`);
    await deepOp({ kind: 'edit', targetId: old.id, text: 'Version three' });
    await deepOp({ kind: 'reaction', targetId: old.id, emoji: '👍', on: false });
    page = await openOnlineTab(bob.context, suite.ferry, '/');
    await dataReady(page);
    await eventually(
      async () =>
        (await readAll<Message>(page, 'messages')).filter((m) => m.conversationId === deep.id).length,
    ).toBe(100);
    expect(await storedMessage(page, old.id)).toBeUndefined();
    const lowest = Math.min(
      ...(await readAll<Message>(page, 'messages'))
        .filter((m) => m.conversationId === deep.id)
        .map((m) => m.seq),
    );
    const answer = await page.evaluate(({ id, seq }) => window.__ferryData!.loadOlder(id, seq), {
      id: deep.id,
      seq: lowest,
    });
    expect(answer.ok).toBe(true);
    expect(await storedMessage(page, old.id)).toMatchObject({ text: 'Version three', reactions: [] });
    const server = (await serverMessages(suite.ferry, bob.cookie, deep.id)).find((m) => m.id === old.id)!;
    const local = (await storedMessage(page, old.id))!;
    expect([local.text, local.editedAt, local.deleted, local.reactions]).toEqual([
      server.text,
      server.editedAt,
      server.deleted,
      server.reactions,
    ]);
    await bob.context.close();
  });
});

describe('operations in several tabs', () => {
  it('tells every tab at once when an operation is queued, and again when it is stored', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'ops-tabs');
    await exposeData(alice.context);
    const room = await sharedRoom(suite.ferry, alice, await signUp(suite.ferry, 'ops-tabs-b'), 'Ops tabs');
    const sent = (await sendViaApi(suite.ferry, alice.cookie, room.id, 'Said in one tab')).message;
    const [acting, watching] = [
      await openOnlineTab(alice.context, suite.ferry, '/'),
      await openOnlineTab(alice.context, suite.ferry, '/'),
    ];
    for (const tab of [acting!, watching!]) await dataReady(tab);
    await eventually(async () => (await storedMessage(watching!, sent.id))?.text).toBe('Said in one tab');

    /** How many changes of `store` for the room the watching tab was told of so far. */
    const told = (store: string) =>
      watching!.evaluate(
        ({ store, id }) =>
          window.__ferryData!.changes.filter(
            (c) =>
              c.stores.includes(store as never) && (!c.conversationIds || c.conversationIds.includes(id)),
          ).length,
        { store, id: room.id },
      );

    // Offline, the operations' code comes from the precache: the Service Worker must have it.
    await waitForServiceWorkerControl(acting!);
    await suite.ferry.kill();
    await waitOffline(acting!);
    for (const act of ['edit', 'react', 'delete'] as const) {
      const before = await told('outbox');
      await acting!.evaluate(
        async ({ act, room, id }) => {
          const { actions } = window.__ferryData!;
          if (act === 'edit') await actions.edit(room, id, 'Said in one tab, edited');
          else if (act === 'react') await actions.react(room, id, '👍', true);
          else await actions.deleteMessage(room, id);
        },
        { act, room: room.id, id: sent.id },
      );
      await eventually(() => told('outbox')).toBeGreaterThan(before);
    }
    const storedBefore = await told('messages');
    await suite.ferry.restart();
    await eventually(async () => (await storedMessage(watching!, sent.id))?.deleted).toBe(true);
    expect(await told('messages')).toBeGreaterThan(storedBefore);
    await alice.context.close();
  });
});

describe('a message deleted while its send is under way', () => {
  it('is deleted for everyone once its acknowledgement arrives', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'ops-flight', {
      permissions: ['background-sync'],
    });
    await exposeData(alice.context);
    const bob = await signUp(suite.ferry, 'ops-flight-b');
    const room = await sharedRoom(suite.ferry, alice, bob, 'Ops flight');
    const page = await openOnlineTab(alice.context, suite.ferry, `/`);
    await waitForServiceWorkerControl(page);
    await dataReady(page);

    // Only the Service Worker can send (sockets refused), and its first POST is held in flight.
    suite.ferry.app.io.use((_socket, next) => next(new Error('This test refuses socket connections.')));
    suite.ferry.app.io.disconnectSockets(true);
    await waitOffline(page);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    let reached = () => {};
    const inFlight = new Promise<void>((resolve) => (reached = resolve));
    let first = true;
    await alice.context.route('**/api/conversations/*/messages', async (route) => {
      if (route.request().method() === 'POST' && first) {
        first = false;
        reached();
        await held;
      }
      await route.continue();
    });

    const entry = await page.evaluate(
      (room) => window.__ferryData!.actions.send(room, 'Taken back in flight'),
      room.id,
    );
    await inFlight;
    await page.evaluate(({ room, id }) => window.__ferryData!.actions.deleteMessage(room, id), {
      room: room.id,
      id: entry.id,
    });
    expect(await page.evaluate(readOutboxScript)).toEqual([]);
    release();

    // The message reached the server before it was taken back: a deletion follows it.
    const names = { [entry.id]: 'taken' };
    await eventually(async () =>
      describeLog(await serverMessages(suite.ferry, bob.cookie, room.id), names),
    ).toEqual(['message taken', 'delete taken']);
    await eventually(async () => (await storedMessage(page, entry.id))?.deleted).toBe(true);
    await alice.context.close();
    // Accept sockets again for the tests after this one.
    await suite.ferry.stop();
    await suite.ferry.restart();
  });
});

describe('a page opening while the hub starts', () => {
  it('reads nothing again when the hub changed nothing, and is still told what changes after', async () => {
    const alice = await newUser(suite.browser, suite.ferry, 'cold-open');
    await exposeData(alice.context);
    const room = await sharedRoom(suite.ferry, alice, await signUp(suite.ferry, 'cold-open-b'), 'Cold open');
    const before = (await sendViaApi(suite.ferry, alice.cookie, room.id, 'Stored before')).message;
    const first = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await eventually(async () => (await storedMessage(first, before.id))?.text).toBe('Stored before');
    await first.close();

    // The hub starts again with this page and finds its list as stored.
    const page = await openOnlineTab(alice.context, suite.ferry, `/c/${room.id}`);
    await dataReady(page);
    const after = (await sendViaApi(suite.ferry, alice.cookie, room.id, 'Said after')).message;
    await eventually(async () => (await storedMessage(page, after.id))?.text).toBe('Said after');
    const changes = await page.evaluate(() => window.__ferryData!.changes);
    // Told of the message that arrived, for its conversation only.
    expect(changes.some((c) => c.stores.includes('messages') && c.conversationIds?.includes(room.id))).toBe(
      true,
    );
    // Never told to re-read everything (every store of every conversation) at the hub's answer.
    expect(changes.filter((c) => !c.conversationIds)).toEqual([]);
    await alice.context.close();
  });
});
