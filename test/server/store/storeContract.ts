/**
 * The store contract suite: every Store implementation (SQLite, PostgreSQL) must pass it.
 * Call describeStoreContract from a *.test.ts file with a function that opens a fresh, migrated
 * store on real storage.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, plainMessageFields, type Message } from '../../../contract/index.js';
import { searchWords } from '../../../contract/search.js';
import type {
  AppendInput,
  AppendResult,
  ConversationRecord,
  MessageSearch,
  Store,
  UserRecord,
  UserRef,
} from '../../../server/store/Store.js';

export interface OpenedStore {
  /** A fresh, migrated store with no data the suite relies on. */
  store: Store;
  /** Opens the same data again (after the suite closed `store`). */
  reopen?: () => Promise<Store>;
  /** Closes every store open() and reopen() gave (close is idempotent) and removes their data. */
  cleanup: () => Promise<void>;
  /**
   * Every text the database itself holds for a conversation's entries (text and any search copy),
   * read past the store, to prove a deletion removed the words instead of hiding them.
   */
  storedTexts?: (conversationId: string) => Promise<string[]>;
}

/**
 * An OpenedStore from `openOne` (opens the same data each time it is called) and `removeData`:
 * cleanup closes every store it opened, then removes the data.
 */
export async function reopenable(
  openOne: () => Promise<Store>,
  removeData: () => Promise<unknown>,
  storedTexts?: OpenedStore['storedTexts'],
): Promise<OpenedStore> {
  const stores: Store[] = [];
  const open = async (): Promise<Store> => {
    const store = await openOne();
    stores.push(store);
    return store;
  };
  return {
    store: await open(),
    reopen: open,
    storedTexts,
    cleanup: async () => {
      for (const store of stores) await store.close();
      await removeData();
    },
  };
}

/** Registers the contract tests for one Store implementation. */
export function describeStoreContract(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store contract: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;

    beforeEach(async () => {
      opened = await open();
      store = opened.store;
    });
    afterEach(async () => {
      await opened.cleanup();
    });

    async function newUser(prefix = 'user'): Promise<UserRef & { record: UserRecord }> {
      const record: UserRecord = {
        id: randomUUID(),
        username: `${prefix}_${randomUUID().slice(0, 8)}`.toLowerCase(),
        passwordHash: 'scrypt$test$hash',
        createdAt: Date.now(),
      };
      expect(await store.createUser(record)).toBe('created');
      return { userId: record.id, username: record.username, record };
    }

    async function newRoom(creator: UserRef, name = 'Room'): Promise<ConversationRecord> {
      return store.createRoom(
        { id: randomUUID(), name, inviteCode: randomUUID().replaceAll('-', ''), createdAt: Date.now() },
        creator,
      );
    }

    function draft(
      conversationId: string,
      sender: UserRef,
      text = 'hello',
      id: string = randomUUID(),
    ): AppendInput {
      return {
        id,
        conversationId,
        senderId: sender.userId,
        senderName: sender.username,
        text,
        typedAt: 1_700_000_000_000,
      };
    }

    function created(result: AppendResult): Message {
      if (result.status !== 'created') throw new Error(`expected a created message, got ${result.status}`);
      return result.message;
    }

    async function appendN(conversationId: string, sender: UserRef, n: number): Promise<Message[]> {
      const out: Message[] = [];
      for (let i = 1; i <= n; i++)
        out.push(created(await store.appendMessage(draft(conversationId, sender, `m${i}`))));
      return out;
    }

    describe('users', () => {
      it('finds a created user by id and by username in any letter case', async () => {
        const alice = await newUser('Alice');
        expect(await store.getUserById(alice.userId)).toEqual(alice.record);
        expect(await store.getUserByUsername(alice.username.toUpperCase())).toEqual(alice.record);
      });

      it('reports a username as taken whatever its letter case, and keeps the first user', async () => {
        const alice = await newUser('alice');
        const clash = {
          ...alice.record,
          id: randomUUID(),
          username: alice.username.toUpperCase(),
          passwordHash: 'x',
        };
        expect(await store.createUser(clash)).toBe('taken');
        expect(await store.getUserById(clash.id)).toBeNull();
        expect(await store.getUserByUsername(alice.username)).toEqual(alice.record);
      });

      it('stores usernames lower-case', async () => {
        const record = {
          id: randomUUID(),
          username: `MiXeD_${randomUUID().slice(0, 6)}`,
          passwordHash: 'h',
          createdAt: 1,
        };
        expect(await store.createUser(record)).toBe('created');
        expect((await store.getUserById(record.id))?.username).toBe(record.username.toLowerCase());
      });

      it('returns null for an unknown user', async () => {
        expect(await store.getUserById(randomUUID())).toBeNull();
        expect(await store.getUserByUsername('nobody_' + randomUUID().slice(0, 8))).toBeNull();
      });
    });

    describe('sessions', () => {
      it('returns a session until its expiry time and null from then on', async () => {
        const alice = await newUser();
        const session = { tokenHash: randomUUID(), userId: alice.userId, createdAt: 1_000, expiresAt: 5_000 };
        await store.createSession(session);
        expect(await store.getSession(session.tokenHash, 4_999)).toEqual(session);
        expect(await store.getSession(session.tokenHash, 5_000)).toBeNull();
        expect(await store.getSession(session.tokenHash, 9_000)).toBeNull();
      });

      it('forgets a deleted session and ignores deleting an unknown one', async () => {
        const alice = await newUser();
        const session = {
          tokenHash: randomUUID(),
          userId: alice.userId,
          createdAt: 1,
          expiresAt: Date.now() + 60_000,
        };
        await store.createSession(session);
        await store.deleteSession(session.tokenHash);
        await store.deleteSession(randomUUID());
        expect(await store.getSession(session.tokenHash, Date.now())).toBeNull();
      });
    });

    describe('rooms', () => {
      it('creates an empty room with its creator as the only member', async () => {
        const alice = await newUser();
        const room = await newRoom(alice, 'Hikers');
        expect(room).toMatchObject({ kind: 'room', name: 'Hikers', lastSeq: 0 });
        expect(await store.getConversation(room.id)).toEqual(room);
        const members = await store.listMembers(room.id);
        expect(members).toEqual([
          expect.objectContaining({
            conversationId: room.id,
            userId: alice.userId,
            username: alice.username,
          }),
        ]);
        expect(members[0]).toMatchObject({ deliveredSeq: 0, readSeq: 0 });
      });

      it('finds a room by its invite code and nothing for an unknown code', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        expect(await store.getConversationByInvite(room.inviteCode!)).toEqual(room);
        expect(await store.getConversationByInvite('no-such-code')).toBeNull();
        expect(await store.getConversation(randomUUID())).toBeNull();
      });
    });

    describe('direct conversations', () => {
      it('creates one direct conversation per pair, whichever person starts it', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const first = await store.getOrCreateDirect({ id: randomUUID(), createdAt: Date.now() }, alice, bob);
        expect(first.created).toBe(true);
        expect(first.conversation).toMatchObject({
          kind: 'direct',
          name: null,
          inviteCode: null,
          lastSeq: 0,
        });
        const again = await store.getOrCreateDirect({ id: randomUUID(), createdAt: Date.now() }, bob, alice);
        expect(again).toEqual({ conversation: first.conversation, created: false });
        const members = await store.listMembers(first.conversation.id);
        expect(members.map((m) => m.userId).sort()).toEqual([alice.userId, bob.userId].sort());
      });

      it('returns the same conversation to concurrent starts of one pair', async () => {
        const [alice, bob, carol] = [await newUser('alice'), await newUser('bob'), await newUser('carol')];
        const results = await Promise.all(
          Array.from({ length: 12 }, (_, i) =>
            store.getOrCreateDirect(
              { id: randomUUID(), createdAt: Date.now() },
              i % 2 ? alice : bob,
              i % 2 ? bob : alice,
            ),
          ),
        );
        expect(new Set(results.map((r) => r.conversation.id)).size).toBe(1);
        expect(results.filter((r) => r.created)).toHaveLength(1);
        expect(await store.listMembers(results[0]!.conversation.id)).toHaveLength(2);
        const other = await store.getOrCreateDirect(
          { id: randomUUID(), createdAt: Date.now() },
          alice,
          carol,
        );
        expect(other.created).toBe(true);
        expect(other.conversation.id).not.toBe(results[0]!.conversation.id);
      });

      it('brings a person who left back when the direct conversation is started again', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const { conversation } = await store.getOrCreateDirect(
          { id: randomUUID(), createdAt: 1 },
          alice,
          bob,
        );
        expect(await store.removeMember(conversation.id, bob.userId)).toBe(true);
        const again = await store.getOrCreateDirect({ id: randomUUID(), createdAt: 2 }, alice, bob);
        expect(again).toMatchObject({ created: false, conversation: { id: conversation.id } });
        expect(await store.getMember(conversation.id, bob.userId)).not.toBeNull();
      });
    });

    describe('members', () => {
      it('adds a member with receipts at the current last seq, once', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        await appendN(room.id, alice, 3);
        const joined = await store.addMember(room.id, bob, 123);
        expect(joined).toEqual({
          added: true,
          member: {
            conversationId: room.id,
            userId: bob.userId,
            username: bob.username,
            deliveredSeq: 3,
            readSeq: 3,
            joinedAt: 123,
          },
        });
        const twice = await store.addMember(room.id, bob, 456);
        expect(twice).toEqual({ added: false, member: joined.member });
        expect(await store.getMember(room.id, bob.userId)).toEqual(joined.member);
        expect(await store.listMembers(room.id)).toHaveLength(2);
      });

      it('rejects adding a member to a conversation that does not exist', async () => {
        const alice = await newUser();
        await expect(store.addMember(randomUUID(), alice, 1)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      });

      it('removes a member once, and the conversation leaves their list', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        await store.addMember(room.id, bob, 1);
        expect(await store.listUserConversationIds(bob.userId)).toEqual([room.id]);
        expect(await store.removeMember(room.id, bob.userId)).toBe(true);
        expect(await store.removeMember(room.id, bob.userId)).toBe(false);
        expect(await store.getMember(room.id, bob.userId)).toBeNull();
        expect((await store.listMembers(room.id)).map((m) => m.userId)).toEqual([alice.userId]);
        expect(await store.listUserConversationIds(bob.userId)).toEqual([]);
        expect(await store.listUserConversations(bob.userId)).toEqual([]);
      });
    });

    describe('listUserConversations', () => {
      it("lists each of the user's conversations with its members and last message", async () => {
        const [alice, bob, carol] = [await newUser('alice'), await newUser('bob'), await newUser('carol')];
        const busy = await newRoom(alice, 'Busy');
        await store.addMember(busy.id, bob, 1);
        const messages = await appendN(busy.id, bob, 3);
        const quiet = await newRoom(alice, 'Quiet');
        const { conversation: direct } = await store.getOrCreateDirect(
          { id: randomUUID(), createdAt: 1 },
          alice,
          carol,
        );
        await newRoom(bob, 'Not for alice');

        const list = await store.listUserConversations(alice.userId);
        const byId = new Map(list.map((c) => [c.conversation.id, c]));
        expect([...byId.keys()].sort()).toEqual([busy.id, quiet.id, direct.id].sort());
        expect((await store.listUserConversationIds(alice.userId)).sort()).toEqual([...byId.keys()].sort());

        const busyEntry = byId.get(busy.id)!;
        expect(busyEntry.conversation).toMatchObject({ kind: 'room', name: 'Busy', lastSeq: 3 });
        expect(busyEntry.lastMessage).toEqual(messages[2]);
        expect(busyEntry.members.map((m) => m.username).sort()).toEqual(
          [alice.username, bob.username].sort(),
        );
        expect(busyEntry.members.find((m) => m.userId === bob.userId)).toMatchObject({
          deliveredSeq: 3,
          readSeq: 3,
        });

        expect(byId.get(quiet.id)).toMatchObject({ lastMessage: null, conversation: { lastSeq: 0 } });
        expect(byId.get(quiet.id)!.members.map((m) => m.userId)).toEqual([alice.userId]);
        expect(byId.get(direct.id)!.conversation).toMatchObject({ kind: 'direct', name: null });
        expect(
          byId
            .get(direct.id)!
            .members.map((m) => m.userId)
            .sort(),
        ).toEqual([alice.userId, carol.userId].sort());
      });
    });

    describe('appendMessage', () => {
      it('stores a message with the next seq and the server time', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const before = Date.now();
        const input = draft(room.id, alice, 'first');
        const message = created(await store.appendMessage(input));
        expect(message).toEqual({
          ...input,
          seq: 1,
          createdAt: expect.any(Number),
          ...plainMessageFields(),
        });
        expect(message.createdAt).toBeGreaterThanOrEqual(before);
        expect(message.createdAt).toBeLessThanOrEqual(Date.now());
        expect(await store.messagesAfter(room.id, 0, 10)).toEqual([message]);
        expect((await store.getConversation(room.id))?.lastSeq).toBe(1);
      });

      it('gives seqs 1..n with no gap per conversation under 500 concurrent appends to 3 conversations', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const rooms = [await newRoom(alice, 'a'), await newRoom(alice, 'b'), await newRoom(alice, 'c')];
        for (const room of rooms) await store.addMember(room.id, bob, 1);
        const inputs = Array.from({ length: 500 }, (_, i) =>
          draft(rooms[i % 3]!.id, i % 2 ? alice : bob, `message ${i}`),
        );
        const results = await Promise.all(inputs.map((input) => store.appendMessage(input)));
        const messages = results.map(created);
        expect(messages.map((m) => m.id)).toEqual(inputs.map((i) => i.id));

        for (const room of rooms) {
          const mine = messages.filter((m) => m.conversationId === room.id);
          const seqs = mine.map((m) => m.seq).sort((x, y) => x - y);
          expect(seqs).toEqual(Array.from({ length: mine.length }, (_, i) => i + 1));
          expect((await store.getConversation(room.id))?.lastSeq).toBe(mine.length);
          const stored = await store.messagesAfter(room.id, 0, 500);
          expect(stored).toEqual([...mine].sort((x, y) => x.seq - y.seq));
        }
      });

      it('gives messages appended one after another increasing seqs in that order', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const messages = await appendN(room.id, alice, 5);
        expect(messages.map((m) => [m.text, m.seq])).toEqual([
          ['m1', 1],
          ['m2', 2],
          ['m3', 3],
          ['m4', 4],
          ['m5', 5],
        ]);
      });

      it('returns the original seq and createdAt when a message id is sent again, and creates nothing', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const input = draft(room.id, alice, 'original');
        const original = created(await store.appendMessage(input));
        await appendN(room.id, alice, 2);
        // The client's clock is informational: a resend typed "later" is the same message.
        const again = await store.appendMessage({ ...input, typedAt: 5 });
        expect(again).toEqual({ status: 'duplicate', message: original });
        // Another text under the same id is another message.
        expect(await store.appendMessage({ ...input, text: 'changed on resend' })).toEqual({
          status: 'conflict',
        });
        expect((await store.getConversation(room.id))?.lastSeq).toBe(3);
        expect(await store.messagesAfter(room.id, 0, 10)).toHaveLength(3);
      });

      it('finds a stored message by id, and nothing for an unknown id', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const input = draft(room.id, alice, 'look me up');
        const original = created(await store.appendMessage(input));
        expect(await store.getMessage(input.id)).toEqual(original);
        expect(await store.getMessage(randomUUID())).toBeNull();
      });

      it('stores a message once when both copies are sent at the same moment', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const input = draft(room.id, alice);
        const results = await Promise.all([store.appendMessage(input), store.appendMessage({ ...input })]);
        expect(results.map((r) => r.status).sort()).toEqual(['created', 'duplicate']);
        const [a, b] = results.map((r) => (r.status === 'conflict' ? null : r.message));
        expect(a).toEqual(b);
        expect(a?.seq).toBe(1);
        expect(await store.messagesAfter(room.id, 0, 10)).toEqual([a]);
        expect((await store.getConversation(room.id))?.lastSeq).toBe(1);
      });

      it('reports a conflict when another sender or conversation reuses a message id', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        const other = await newRoom(alice);
        await store.addMember(room.id, bob, 1);
        const input = draft(room.id, alice);
        const original = created(await store.appendMessage(input));
        expect(
          await store.appendMessage({ ...input, senderId: bob.userId, senderName: bob.username }),
        ).toEqual({
          status: 'conflict',
        });
        expect(await store.appendMessage({ ...input, conversationId: other.id })).toEqual({
          status: 'conflict',
        });
        expect(await store.messagesAfter(room.id, 0, 10)).toEqual([original]);
        expect(await store.messagesAfter(other.id, 0, 10)).toEqual([]);
        expect((await store.getConversation(other.id))?.lastSeq).toBe(0);
      });

      it("advances the sender's own receipts to the new seq and nobody else's", async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        await store.addMember(room.id, bob, 1);
        await appendN(room.id, alice, 2);
        await appendN(room.id, bob, 1);
        expect(await store.getMember(room.id, bob.userId)).toMatchObject({ deliveredSeq: 3, readSeq: 3 });
        expect(await store.getMember(room.id, alice.userId)).toMatchObject({ deliveredSeq: 2, readSeq: 2 });
      });

      it('rejects a message to a conversation that does not exist without failing others sent with it', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const [bad, good] = await Promise.allSettled([
          store.appendMessage(draft(randomUUID(), alice)),
          store.appendMessage(draft(room.id, alice)),
        ]);
        expect(bad).toMatchObject({ status: 'rejected', reason: { code: 'NOT_FOUND' } });
        expect(good).toMatchObject({
          status: 'fulfilled',
          value: { status: 'created', message: { seq: 1 } },
        });
      });
    });

    describe('appendMessages (a group committed together)', () => {
      it('stores a group in its order with consecutive seqs, while single appends share the commit', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const singles = Array.from({ length: 20 }, (_, i) => draft(room.id, alice, `single ${i}`));
        const group = Array.from({ length: 30 }, (_, i) => draft(room.id, alice, `group ${i}`));
        const results = await Promise.all([
          ...singles.slice(0, 10).map((input) => store.appendMessage(input)),
          ...store.appendMessages(group),
          ...singles.slice(10).map((input) => store.appendMessage(input)),
        ]);
        const messages = results.map(created);
        const groupSeqs = messages.filter((m) => m.text.startsWith('group')).map((m) => m.seq);
        expect(groupSeqs).toEqual(groupSeqs.map((_, i) => groupSeqs[0]! + i));
        expect(messages.filter((m) => m.text.startsWith('group')).map((m) => m.text)).toEqual(
          group.map((g) => g.text),
        );
        const stored = await store.messagesAfter(room.id, 0, 100);
        expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
      });

      it('applies an operation on a message earlier in the group; an input refused alone leaves the others', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const message = draft(room.id, alice, 'first words');
        const inputs: AppendInput[] = [
          message,
          { ...draft(room.id, alice, ''), kind: 'edit', targetId: randomUUID(), text: 'no such message' },
          { ...draft(room.id, alice, ''), kind: 'edit', targetId: message.id, text: 'second words' },
          draft(room.id, alice, 'after'),
        ];
        const settled = await Promise.allSettled(store.appendMessages(inputs));
        expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
        expect(settled[1]).toMatchObject({ reason: { code: ErrorCode.MESSAGE_NOT_FOUND } });
        const stored = await store.messagesAfter(room.id, 0, 10);
        expect(stored.map((m) => [m.seq, m.kind, m.text])).toEqual([
          [1, 'message', 'second words'],
          [2, 'edit', 'second words'],
          [3, 'message', 'after'],
        ]);
      });
    });

    describe('log entries (edit, delete, reaction)', () => {
      const op = (
        conversationId: string,
        sender: UserRef,
        fields: Partial<AppendInput> & Pick<AppendInput, 'kind'>,
      ): AppendInput => ({ ...draft(conversationId, sender, ''), ...fields });
      const edit = (c: string, who: UserRef, targetId: string, text: string, editableFrom?: number) =>
        op(c, who, { kind: 'edit', targetId, text, editableFrom });
      const del = (c: string, who: UserRef, targetId: string) => op(c, who, { kind: 'delete', targetId });
      const react = (c: string, who: UserRef, targetId: string, emoji: string, reactionOn: boolean) =>
        op(c, who, { kind: 'reaction', targetId, emoji, reactionOn });
      const refusal = async (input: AppendInput, code: string): Promise<void> => {
        await expect(store.appendMessage(input)).rejects.toMatchObject({ code });
      };
      const search = async (userId: string, query: string): Promise<string[]> =>
        (await store.searchMessages({ userId, terms: searchWords(query), limit: 20 })).map((m) => m.id);

      it('acks every kind of entry exactly as it is stored', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const first = created(await store.appendMessage(draft(room.id, alice, 'first')));
        const acked = [
          created(await store.appendMessage({ ...draft(room.id, alice, 'a reply'), replyTo: first.id })),
          created(await store.appendMessage(react(room.id, alice, first.id, '👍', true))),
          created(await store.appendMessage(edit(room.id, alice, first.id, 'first, edited'))),
        ];
        expect(await store.messagesAfter(room.id, first.seq, 10)).toEqual(acked);
        const deletion = created(await store.appendMessage(del(room.id, alice, acked[0]!.id)));
        expect(await store.messagesAfter(room.id, deletion.seq - 1, 10)).toEqual([deletion]);
      });

      async function twoInRoom() {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        await store.addMember(room.id, bob, 1);
        return { alice, bob, room };
      }

      it('appends each kind with the next seq; the message read back carries their effect', async () => {
        const { alice, bob, room } = await twoInRoom();
        const m = created(await store.appendMessage(draft(room.id, alice, 'first words')));
        const reply = created(
          await store.appendMessage({ ...draft(room.id, bob, 'a reply'), replyTo: m.id }),
        );
        expect(reply).toMatchObject({ kind: 'message', replyTo: m.id, targetId: null });
        const e = created(await store.appendMessage(edit(room.id, alice, m.id, 'second words')));
        expect(e).toMatchObject({
          seq: 3,
          kind: 'edit',
          targetId: m.id,
          text: 'second words',
          reactions: [],
        });
        const r1 = created(await store.appendMessage(react(room.id, bob, m.id, '👍', true)));
        expect(r1).toMatchObject({ seq: 4, kind: 'reaction', text: '', emoji: '👍', reactionOn: true });
        created(await store.appendMessage(react(room.id, alice, m.id, '❤️', true)));
        created(await store.appendMessage(react(room.id, alice, m.id, '👍', true)));

        const read = await store.getMessage(m.id);
        expect(read).toMatchObject({
          text: 'second words',
          editedAt: e.createdAt,
          deleted: false,
          reactions: [
            { emoji: '👍', userIds: [bob.userId, alice.userId] },
            { emoji: '❤️', userIds: [alice.userId] },
          ],
        });
        const all = await store.messagesAfter(room.id, 0, 10);
        expect(all.map((x) => [x.seq, x.kind])).toEqual([
          [1, 'message'],
          [2, 'message'],
          [3, 'edit'],
          [4, 'reaction'],
          [5, 'reaction'],
          [6, 'reaction'],
        ]);
        expect(all[0]).toEqual(read);
        // Catch-up after seq 2 returns only the operations; history pages read the same state.
        expect((await store.messagesAfter(room.id, 2, 10)).map((x) => x.kind)).toEqual([
          'edit',
          'reaction',
          'reaction',
          'reaction',
        ]);
        expect((await store.messagesBefore(room.id, 2, 10))[0]).toEqual(read);
        expect((await store.getConversation(room.id))?.lastSeq).toBe(6);
      });

      it('toggles reactions per user and emoji: adding twice keeps one, taking back removes it, each change is logged', async () => {
        const { alice, bob, room } = await twoInRoom();
        const m = created(await store.appendMessage(draft(room.id, alice)));
        await store.appendMessage(react(room.id, bob, m.id, '👍', true));
        await store.appendMessage(react(room.id, bob, m.id, '👍', true));
        await store.appendMessage(react(room.id, alice, m.id, '👍', true));
        expect((await store.getMessage(m.id))?.reactions).toEqual([
          { emoji: '👍', userIds: [bob.userId, alice.userId] },
        ]);
        await store.appendMessage(react(room.id, bob, m.id, '👍', false));
        await store.appendMessage(react(room.id, bob, m.id, '👍', false));
        expect((await store.getMessage(m.id))?.reactions).toEqual([{ emoji: '👍', userIds: [alice.userId] }]);
        // Taken back and given again: now after the others.
        await store.appendMessage(react(room.id, bob, m.id, '👍🏽', true));
        await store.appendMessage(react(room.id, bob, m.id, '👍', true));
        expect((await store.getMessage(m.id))?.reactions).toEqual([
          { emoji: '👍', userIds: [alice.userId, bob.userId] },
          { emoji: '👍🏽', userIds: [bob.userId] },
        ]);
        expect((await store.getConversation(room.id))?.lastSeq).toBe(8);
      });

      it('refuses each broken rule with its code and stores nothing', async () => {
        const { alice, bob, room } = await twoInRoom();
        const other = await newRoom(alice, 'other');
        const m = created(await store.appendMessage(draft(room.id, alice, 'hello')));
        const elsewhere = created(await store.appendMessage(draft(other.id, alice, 'elsewhere')));
        const anEdit = created(await store.appendMessage(edit(room.id, alice, m.id, 'hello again')));
        const lastSeq = 2;

        await refusal(edit(room.id, alice, randomUUID(), 'x'), 'MESSAGE_NOT_FOUND');
        await refusal(edit(room.id, alice, elsewhere.id, 'x'), 'MESSAGE_NOT_FOUND');
        await refusal(del(room.id, alice, anEdit.id), 'MESSAGE_NOT_FOUND');
        await refusal(react(room.id, bob, elsewhere.id, '👍', true), 'MESSAGE_NOT_FOUND');
        await refusal({ ...draft(room.id, bob, 'reply'), replyTo: elsewhere.id }, 'MESSAGE_NOT_FOUND');
        await refusal({ ...draft(room.id, bob, 'reply'), replyTo: randomUUID() }, 'MESSAGE_NOT_FOUND');
        await refusal(edit(room.id, bob, m.id, 'not mine'), 'NOT_AUTHOR');
        await refusal(del(room.id, bob, m.id), 'NOT_AUTHOR');
        await refusal(edit(room.id, alice, m.id, 'too late', m.createdAt + 1), 'EDIT_WINDOW_CLOSED');
        // At the edge of the window it is still open.
        created(await store.appendMessage(edit(room.id, alice, m.id, 'just in time', m.createdAt)));

        created(await store.appendMessage(del(room.id, alice, m.id)));
        await refusal(edit(room.id, alice, m.id, 'after deletion'), 'MESSAGE_DELETED');
        await refusal(react(room.id, bob, m.id, '👍', true), 'MESSAGE_DELETED');
        await refusal({ ...draft(room.id, bob, 'reply'), replyTo: m.id }, 'MESSAGE_DELETED');
        // Deleting again is accepted as its own entry and changes nothing.
        const again = created(await store.appendMessage(del(room.id, alice, m.id)));
        expect(again.seq).toBe(lastSeq + 3);
        expect((await store.getConversation(room.id))?.lastSeq).toBe(lastSeq + 3);
        expect(await store.messagesAfter(room.id, 0, 10)).toHaveLength(lastSeq + 3);
      });

      it('answers a resent operation as its duplicate even after its target changed, and another payload under its id as a conflict', async () => {
        const { alice, bob, room } = await twoInRoom();
        const m = created(await store.appendMessage(draft(room.id, alice, 'hello')));
        const e = edit(room.id, alice, m.id, 'edited');
        const r = react(room.id, bob, m.id, '😂', true);
        const storedEdit = created(await store.appendMessage(e));
        const storedReaction = created(await store.appendMessage(r));
        const d = del(room.id, alice, m.id);
        const storedDelete = created(await store.appendMessage(d));
        // The message is deleted now: every rule would refuse these, but they are resends.
        expect(await store.appendMessage(e)).toEqual({
          status: 'duplicate',
          message: { ...storedEdit, text: '' },
        });
        expect(await store.appendMessage(r)).toEqual({ status: 'duplicate', message: storedReaction });
        expect(await store.appendMessage(d)).toEqual({ status: 'duplicate', message: storedDelete });
        expect(await store.appendMessage(draft(room.id, alice, 'hello', m.id))).toMatchObject({
          status: 'duplicate',
          message: { id: m.id, deleted: true, text: '' },
        });
        // Same id, other kind, emoji, direction, target or sender: another entry.
        expect(await store.appendMessage({ ...r, reactionOn: false })).toEqual({ status: 'conflict' });
        expect(await store.appendMessage({ ...r, emoji: '👍' })).toEqual({ status: 'conflict' });
        expect(await store.appendMessage({ ...r, senderId: alice.userId })).toEqual({ status: 'conflict' });
        expect(await store.appendMessage({ ...d, kind: 'edit', text: 'x' })).toEqual({ status: 'conflict' });
        expect(await store.appendMessage({ ...e, targetId: randomUUID() })).toEqual({ status: 'conflict' });
        expect((await store.getConversation(room.id))?.lastSeq).toBe(4);
      });

      it('decides operations in one batch in order: an edit then a delete both apply; a delete then an edit refuses the edit', async () => {
        const { alice, room } = await twoInRoom();
        const m1 = created(await store.appendMessage(draft(room.id, alice, 'one')));
        const m2 = created(await store.appendMessage(draft(room.id, alice, 'two')));
        // Not awaited one by one: they share a group commit.
        const [e1, d1, d2, e2] = await Promise.allSettled([
          store.appendMessage(edit(room.id, alice, m1.id, 'one edited')),
          store.appendMessage(del(room.id, alice, m1.id)),
          store.appendMessage(del(room.id, alice, m2.id)),
          store.appendMessage(edit(room.id, alice, m2.id, 'two edited')),
        ]);
        expect(e1).toMatchObject({ status: 'fulfilled', value: { status: 'created' } });
        expect(d1).toMatchObject({ status: 'fulfilled', value: { status: 'created' } });
        expect(d2).toMatchObject({ status: 'fulfilled', value: { status: 'created' } });
        expect(e2).toMatchObject({ status: 'rejected', reason: { code: 'MESSAGE_DELETED' } });
        const entries = await store.messagesAfter(room.id, 0, 10);
        expect(entries.map((x) => [x.seq, x.kind, x.text])).toEqual([
          [1, 'message', ''],
          [2, 'message', ''],
          [3, 'edit', ''],
          [4, 'delete', ''],
          [5, 'delete', ''],
        ]);
      });

      it('removes a deleted message text from the store: the row, its edits and the search index', async () => {
        const { alice, bob, room } = await twoInRoom();
        const m = created(await store.appendMessage(draft(room.id, alice, 'zebra secret')));
        const kept = created(await store.appendMessage(draft(room.id, bob, 'zebra stays')));
        await store.appendMessage(edit(room.id, alice, m.id, 'giraffe secret'));
        // Search finds the latest text only, and never the edit entry itself.
        expect(await search(bob.userId, 'giraffe')).toEqual([m.id]);
        expect(await search(bob.userId, 'zebra')).toEqual([kept.id]);
        expect(await search(bob.userId, 'secret')).toEqual([m.id]);

        await store.appendMessage(del(room.id, alice, m.id));
        expect(await search(bob.userId, 'giraffe')).toEqual([]);
        expect(await search(bob.userId, 'secret')).toEqual([]);
        expect(await search(bob.userId, 'zebra')).toEqual([kept.id]);
        expect(await store.getMessage(m.id)).toMatchObject({
          text: '',
          deleted: true,
          editedAt: expect.any(Number),
        });
        const entries = await store.messagesAfter(room.id, 0, 10);
        expect(entries.filter((x) => x.kind === 'edit').map((x) => x.text)).toEqual(['']);
        if (opened.storedTexts) {
          const texts = (await opened.storedTexts(room.id)).join(' ');
          expect(texts).toContain('zebra stays');
          expect(texts).not.toMatch(/secret|giraffe/);
        }
      });

      it('counts unread as others’ undeleted messages after readSeq, and names the newest message as last, ignoring operations', async () => {
        const { alice, bob, room } = await twoInRoom();
        // Bob's own entry raises his receipts to seq 1.
        await store.appendMessage(draft(room.id, bob, 'mine'));
        const m1 = created(await store.appendMessage(draft(room.id, alice, 'one')));
        const m2 = created(await store.appendMessage(draft(room.id, alice, 'two')));
        const m3 = created(await store.appendMessage(draft(room.id, alice, 'three')));
        await store.appendMessage(react(room.id, alice, m3.id, '👍', true));
        await store.appendMessage(edit(room.id, alice, m1.id, 'one!'));
        await store.appendMessage(del(room.id, alice, m2.id));
        expect(await store.countUnread(room.id, bob.userId)).toBe(2);
        expect(await store.countUnread(room.id, alice.userId)).toBe(0);
        expect(await store.countUnread(room.id, (await newUser()).userId)).toBe(0);
        const last = await store.lastMessage(room.id);
        expect(last).toMatchObject({ id: m3.id, reactions: [{ emoji: '👍', userIds: [alice.userId] }] });
        const listed = (await store.listUserConversations(bob.userId)).find(
          (c) => c.conversation.id === room.id,
        )!;
        expect(listed).toMatchObject({ unreadCount: 2, lastMessage: last, conversation: { lastSeq: 7 } });
        await store.updateReceipt(room.id, bob.userId, { readSeq: 2 });
        expect(await store.countUnread(room.id, bob.userId)).toBe(1);
        // The newest message deleted is still the last one (shown as deleted).
        await store.appendMessage(del(room.id, alice, m3.id));
        expect(await store.lastMessage(room.id)).toMatchObject({ id: m3.id, deleted: true, text: '' });
        expect(await store.countUnread(room.id, bob.userId)).toBe(0);
        const emptyRoom = await newRoom(alice);
        expect(await store.lastMessage(emptyRoom.id)).toBeNull();
      });
    });

    describe('attachments', () => {
      const sha = (n: number): string => n.toString(16).padStart(64, '0');
      const upload = (uploader: UserRef, conversationId: string, n: number, createdAt = Date.now()) => ({
        id: randomUUID(),
        uploaderId: uploader.userId,
        conversationId,
        name: `file${n}.png`,
        size: 100 + n,
        type: 'image/png',
        inline: true,
        width: 10,
        height: 20,
        sha256: sha(n),
        thumbnail: true,
        messageId: null,
        createdAt,
      });

      it('sends a finished upload once, with its sender and conversation only, and forgets it with its message', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        const other = await newRoom(alice);
        await store.addMember(room.id, bob, 1);
        const file = upload(alice, room.id, 1);
        expect(await store.createAttachment(file)).toBe('created');
        expect(await store.createAttachment(file)).toBe('exists');
        expect(await store.attachmentBytes(alice.userId)).toBe(101);
        expect(await store.blobReferences(sha(1))).toBe(1);

        const refused = async (input: AppendInput) =>
          expect(store.appendMessage(input)).rejects.toMatchObject({ code: 'UPLOAD_NOT_FOUND' });
        await refused({ ...draft(room.id, bob, ''), attachmentId: file.id });
        await refused({ ...draft(other.id, alice, ''), attachmentId: file.id });
        await refused({ ...draft(room.id, alice, ''), attachmentId: randomUUID() });

        const input = { ...draft(room.id, alice, 'caption'), attachmentId: file.id };
        const m = created(await store.appendMessage(input));
        const wire = {
          id: file.id,
          name: 'file1.png',
          size: 101,
          type: 'image/png',
          inline: true,
          width: 10,
          height: 20,
        };
        expect(m.attachment).toEqual(wire);
        expect((await store.getMessage(m.id))?.attachment).toEqual(wire);
        expect((await store.messagesAfter(room.id, 0, 10)).at(-1)?.attachment).toEqual(wire);
        expect(await store.appendMessage(input)).toMatchObject({
          status: 'duplicate',
          message: { attachment: wire },
        });
        // One upload, one message.
        await refused({ ...draft(room.id, alice, 'again'), attachmentId: file.id });
        expect((await store.getAttachment(file.id))?.messageId).toBe(m.id);

        created(await store.appendMessage({ ...draft(room.id, alice, ''), kind: 'delete', targetId: m.id }));
        expect((await store.getMessage(m.id))?.attachment).toBeNull();
        expect(await store.getAttachment(file.id)).toBeNull();
        expect(await store.blobReferences(sha(1))).toBe(0);
        expect(await store.attachmentBytes(alice.userId)).toBe(0);
      });

      it('removes unsent uploads older than a time, keeping sent ones', async () => {
        const alice = await newUser('alice');
        const room = await newRoom(alice);
        const old = upload(alice, room.id, 2, 1_000);
        const sent = upload(alice, room.id, 3, 1_000);
        const fresh = upload(alice, room.id, 4, 5_000);
        for (const file of [old, sent, fresh]) await store.createAttachment(file);
        created(await store.appendMessage({ ...draft(room.id, alice, ''), attachmentId: sent.id }));
        const removed = await store.deleteUnsentAttachments(2_000);
        expect(removed.map((a) => a.id)).toEqual([old.id]);
        expect(await store.getAttachment(old.id)).toBeNull();
        expect(await store.getAttachment(sent.id)).not.toBeNull();
        expect(await store.getAttachment(fresh.id)).not.toBeNull();
      });
    });

    describe('paging', () => {
      it('pages forward after a seq, oldest first, until nothing is left', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const all = await appendN(room.id, alice, 7);
        expect(await store.messagesAfter(room.id, 0, 3)).toEqual(all.slice(0, 3));
        expect(await store.messagesAfter(room.id, 3, 3)).toEqual(all.slice(3, 6));
        expect(await store.messagesAfter(room.id, 6, 3)).toEqual(all.slice(6));
        expect(await store.messagesAfter(room.id, 7, 3)).toEqual([]);
        expect(await store.messagesAfter(randomUUID(), 0, 3)).toEqual([]);
      });

      it('pages backward before a seq (newest page when none), each page oldest first', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const all = await appendN(room.id, alice, 7);
        expect(await store.messagesBefore(room.id, null, 3)).toEqual(all.slice(4, 7));
        expect(await store.messagesBefore(room.id, 5, 3)).toEqual(all.slice(1, 4));
        expect(await store.messagesBefore(room.id, 2, 3)).toEqual(all.slice(0, 1));
        expect(await store.messagesBefore(room.id, 1, 3)).toEqual([]);
        expect(await store.messagesBefore(room.id, null, 100)).toEqual(all);
      });

      it('keeps conversations apart', async () => {
        const alice = await newUser();
        const [a, b] = [await newRoom(alice), await newRoom(alice)];
        const inA = await appendN(a.id, alice, 2);
        const inB = await appendN(b.id, alice, 2);
        expect(await store.messagesAfter(a.id, 0, 10)).toEqual(inA);
        expect(await store.messagesBefore(b.id, null, 10)).toEqual(inB);
      });
    });

    describe('receipts', () => {
      /** A room where Alice sent `count` messages, and Bob, who joined it at time 1. */
      async function bobInRoomOf(count: number) {
        const alice = await newUser();
        const room = await newRoom(alice);
        const bob = await newUser('bob');
        await store.addMember(room.id, bob, 1);
        await appendN(room.id, alice, count);
        return { room, bob };
      }

      it('raises receipts and never lowers them', async () => {
        const { room, bob } = await bobInRoomOf(5);
        expect(await store.updateReceipt(room.id, bob.userId, { deliveredSeq: 4 })).toMatchObject({
          deliveredSeq: 4,
          readSeq: 0,
        });
        expect(await store.updateReceipt(room.id, bob.userId, { deliveredSeq: 2, readSeq: 1 })).toMatchObject(
          {
            deliveredSeq: 4,
            readSeq: 1,
          },
        );
        expect(await store.updateReceipt(room.id, bob.userId, { readSeq: 0 })).toMatchObject({
          deliveredSeq: 4,
          readSeq: 1,
        });
        expect(await store.getMember(room.id, bob.userId)).toMatchObject({ deliveredSeq: 4, readSeq: 1 });
      });

      it('clamps receipts to the last seq and counts read as delivered', async () => {
        const { room, bob } = await bobInRoomOf(3);
        expect(await store.updateReceipt(room.id, bob.userId, { readSeq: 2 })).toMatchObject({
          deliveredSeq: 2,
          readSeq: 2,
        });
        expect(await store.updateReceipt(room.id, bob.userId, { deliveredSeq: 999, readSeq: 999 })).toEqual({
          conversationId: room.id,
          userId: bob.userId,
          username: bob.username,
          deliveredSeq: 3,
          readSeq: 3,
          joinedAt: 1,
        });
      });

      it('returns null for someone who is not a member', async () => {
        const alice = await newUser();
        const room = await newRoom(alice);
        const stranger = await newUser('stranger');
        expect(await store.updateReceipt(room.id, stranger.userId, { readSeq: 1 })).toBeNull();
        expect(await store.getMember(room.id, stranger.userId)).toBeNull();
      });
    });

    describe('search', () => {
      const words = (query: string) => searchWords(query);
      const newestFirst = (a: Message, b: Message) =>
        b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
      /** The ids of every page of `search`, in order, each page starting after the last one's end. */
      const allPages = async (search: Omit<MessageSearch, 'after'>): Promise<string[]> => {
        const ids: string[] = [];
        let after: MessageSearch['after'];
        for (;;) {
          const page = await store.searchMessages({ ...search, after });
          ids.push(...page.map((m) => m.id));
          if (page.length < search.limit) return ids;
          after = { createdAt: page.at(-1)!.createdAt, id: page.at(-1)!.id };
        }
      };

      it('finds English by word prefix and Chinese and Japanese by word, all terms required', async () => {
        const alice = await newUser('alice');
        const room = await newRoom(alice);
        const english = created(
          await store.appendMessage(draft(room.id, alice, 'The address is 12 Harbour Street')),
        );
        const chinese = created(await store.appendMessage(draft(room.id, alice, '我们明天在北京见面吧')));
        const japanese = created(await store.appendMessage(draft(room.id, alice, '東京タワーに行きました')));
        await store.appendMessage(draft(room.id, alice, 'nothing to see'));
        const find = async (query: string) =>
          (await store.searchMessages({ userId: alice.userId, terms: words(query), limit: 10 })).map(
            (m) => m.id,
          );
        expect(await find('harb')).toEqual([english.id]);
        expect(await find('ADDRESS street')).toEqual([english.id]);
        expect(await find('address nowhere')).toEqual([]);
        expect(await find('北京')).toEqual([chinese.id]);
        expect(await find('明天见面')).toEqual([chinese.id]);
        expect(await find('東京タワー')).toEqual([japanese.id]);
        expect(await store.searchMessages({ userId: alice.userId, terms: [], limit: 10 })).toEqual([]);
        // Whole messages come back, as stored.
        expect(await store.searchMessages({ userId: alice.userId, terms: words('北京'), limit: 10 })).toEqual(
          [chinese],
        );
      });

      it('never returns messages of a conversation the user is not (or no longer) a member of', async () => {
        const [alice, bob, carol] = [await newUser('alice'), await newUser('bob'), await newUser('carol')];
        const secret = await newRoom(alice, 'secret');
        await store.addMember(secret.id, bob, 1);
        const mine = await newRoom(carol, 'mine');
        const hidden = created(await store.appendMessage(draft(secret.id, alice, 'password is swordfish')));
        const visible = created(await store.appendMessage(draft(mine.id, carol, 'swordfish for dinner')));
        const find = (userId: string) =>
          store
            .searchMessages({ userId, terms: words('swordfish'), limit: 10 })
            .then((r) => r.map((m) => m.id));
        expect(await find(carol.userId)).toEqual([visible.id]);
        expect(await find(bob.userId)).toEqual([hidden.id]);
        // Naming the other conversation does not help either.
        expect(
          await store.searchMessages({
            userId: carol.userId,
            terms: words('swordfish'),
            conversationId: secret.id,
            limit: 10,
          }),
        ).toEqual([]);
        await store.removeMember(secret.id, bob.userId);
        expect(await find(bob.userId)).toEqual([]);
      });

      it('pages newest first with a cursor, with no repeat and no gap, and filters by conversation and sender', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const room = await newRoom(alice);
        const other = await newRoom(alice, 'other');
        await store.addMember(room.id, bob, 1);
        const all: Message[] = [];
        for (let i = 0; i < 7; i++) {
          const sender = i % 2 === 0 ? alice : bob;
          all.push(created(await store.appendMessage(draft(room.id, sender, `apple number ${i}`))));
        }
        const elsewhere = created(await store.appendMessage(draft(other.id, alice, 'apple pie')));
        const expected = [...all, elsewhere].sort(newestFirst).map((m) => m.id);

        const seen = await allPages({ userId: alice.userId, terms: words('apple'), limit: 3 });
        expect(seen).toEqual(expected);

        const inRoom = await store.searchMessages({
          userId: alice.userId,
          terms: words('apple'),
          conversationId: room.id,
          limit: 50,
        });
        expect(inRoom.map((m) => m.id)).toEqual([...all].sort(newestFirst).map((m) => m.id));
        const fromBob = await store.searchMessages({
          userId: alice.userId,
          terms: words('apple'),
          senderId: bob.userId,
          limit: 50,
        });
        expect(fromBob.map((m) => m.seq).sort()).toEqual([2, 4, 6]);
      });

      it('pages many matches across many conversations newest first, complete, once each, members only', async () => {
        const [alice, bob, carol] = [await newUser('alice'), await newUser('bob'), await newUser('carol')];
        const rooms: ConversationRecord[] = [];
        for (let i = 0; i < 6; i++) {
          const room = await newRoom(carol, `room ${i}`);
          await store.addMember(room.id, bob, 1);
          // Alice is in rooms 0-3, left room 4 and was never in room 5.
          if (i < 5) await store.addMember(room.id, alice, 1);
          rooms.push(room);
        }
        await store.removeMember(rooms[4]!.id, alice.userId);
        // Sent concurrently, so one commit stamps many with one time and ties are ordered by id.
        const sent = await Promise.all(
          Array.from({ length: 120 }, (_, i) =>
            store
              .appendMessage(
                draft(
                  rooms[i % 6]!.id,
                  i % 3 === 0 ? bob : carol,
                  i % 4 === 3 ? `no match ${i}` : `otter ${i}`,
                ),
              )
              .then(created),
          ),
        );
        // Deleted messages are never found; edits are followed both ways.
        const op = (m: Message, kind: 'edit' | 'delete', text: string) =>
          store.appendMessage({
            ...draft(m.conversationId, m.senderId === bob.userId ? bob : carol, text),
            kind,
            targetId: m.id,
          });
        const matching = sent.filter((m) => m.text.startsWith('otter'));
        const deleted = new Set(matching.filter((_, i) => i % 10 === 0).map((m) => m.id));
        for (const id of deleted)
          await op(
            sent.find((m) => m.id === id)!,
            'delete',
            '',
          );
        const unmatched = matching.filter((m, i) => i % 10 === 5 && !deleted.has(m.id));
        for (const m of unmatched) await op(m, 'edit', 'a beaver now');
        const rematched = sent.filter((m, i) => !m.text.startsWith('otter') && i % 8 === 7);
        for (const m of rematched) await op(m, 'edit', 'an otter after all');
        const gone = new Set([...deleted, ...unmatched.map((m) => m.id)]);
        const visible = new Set(rooms.slice(0, 4).map((r) => r.id));
        const expected = [...matching.filter((m) => !gone.has(m.id)), ...rematched]
          .filter((m) => visible.has(m.conversationId))
          .sort(newestFirst)
          .map((m) => m.id);
        expect(expected.length).toBeGreaterThan(40);

        const pages = (filter: { conversationId?: string; senderId?: string }) =>
          allPages({ userId: alice.userId, terms: words('otte'), limit: 7, ...filter });
        const all = await pages({});
        expect(all).toEqual(expected);
        expect(new Set(all).size).toBe(all.length);
        const byId = new Map(sent.map((m) => [m.id, m]));
        expect(await pages({ conversationId: rooms[1]!.id })).toEqual(
          expected.filter((id) => byId.get(id)!.conversationId === rooms[1]!.id),
        );
        expect(await pages({ senderId: bob.userId })).toEqual(
          expected.filter((id) => byId.get(id)!.senderId === bob.userId),
        );
        // Bob, a member of every room, finds the rooms Alice cannot see too.
        const bobFinds = await store.searchMessages({
          userId: bob.userId,
          terms: words('otter'),
          limit: 500,
        });
        expect(bobFinds.some((m) => !visible.has(m.conversationId))).toBe(true);
      });
    });

    describe('push subscriptions and mutes', () => {
      async function session(userId: string, expiresAt = Date.now() + 60_000): Promise<string> {
        const tokenHash = randomUUID();
        await store.createSession({ tokenHash, userId, createdAt: 1, expiresAt });
        return tokenHash;
      }
      const subscription = (userId: string, sessionHash: string, showText = true) => ({
        endpoint: `https://push.example.com/${randomUUID()}`,
        userId,
        sessionHash,
        p256dh: 'BP'.padEnd(87, 'x'),
        auth: 'a'.padEnd(22, 'b'),
        showText,
        createdAt: 1_000,
      });

      it('saves, replaces by endpoint, lists by user and deletes subscriptions', async () => {
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const a1 = subscription(alice.userId, await session(alice.userId));
        const b1 = subscription(bob.userId, await session(bob.userId), false);
        await store.savePushSubscription(a1);
        await store.savePushSubscription(b1);
        expect(await store.listPushSubscriptions([alice.userId])).toEqual([a1]);
        expect(await store.listPushSubscriptions([alice.userId, bob.userId])).toHaveLength(2);
        expect(await store.listPushSubscriptions([])).toEqual([]);
        const changed = { ...a1, showText: false, auth: 'c'.padEnd(22, 'd') };
        await store.savePushSubscription(changed);
        expect(await store.listPushSubscriptions([alice.userId])).toEqual([changed]);
        // Another user's endpoint is not theirs to delete.
        expect(await store.deletePushSubscription(b1.endpoint, alice.userId)).toBe(false);
        expect(await store.deletePushSubscription(b1.endpoint)).toBe(true);
        expect(await store.deletePushSubscription(b1.endpoint)).toBe(false);
        expect(await store.listPushSubscriptions([bob.userId])).toEqual([]);
      });

      it("deletes a session's subscriptions with the session (sign-out) and keeps the others", async () => {
        const alice = await newUser('alice');
        const [phone, laptop] = [await session(alice.userId), await session(alice.userId)];
        const onPhone = subscription(alice.userId, phone);
        const onLaptop = subscription(alice.userId, laptop);
        await store.savePushSubscription(onPhone);
        await store.savePushSubscription(onLaptop);
        await store.deleteSession(phone);
        expect(await store.listPushSubscriptions([alice.userId])).toEqual([onLaptop]);
      });

      it('lists no subscription of an expired session, before its row is swept', async () => {
        const alice = await newUser('alice');
        const valid = subscription(alice.userId, await session(alice.userId));
        const expired = subscription(alice.userId, await session(alice.userId, Date.now() - 1));
        await store.savePushSubscription(valid);
        await store.savePushSubscription(expired);
        expect(await store.listPushSubscriptions([alice.userId])).toEqual([valid]);
      });

      it('mutes and unmutes for members only; leaving forgets the mute', async () => {
        const [alice, bob, carol] = [await newUser('alice'), await newUser('bob'), await newUser('carol')];
        const room = await newRoom(alice);
        const other = await newRoom(alice, 'Other');
        await store.addMember(room.id, bob, 1);
        expect(await store.setMuted(room.id, bob.userId, true)).toBe(true);
        expect(await store.setMuted(room.id, bob.userId, true)).toBe(true);
        expect(await store.setMuted(room.id, carol.userId, true)).toBe(false);
        expect(await store.setMuted(other.id, alice.userId, true)).toBe(true);
        expect(await store.mutedConversationIds(bob.userId)).toEqual([room.id]);
        expect(await store.mutedConversationIds(carol.userId)).toEqual([]);
        expect(await store.mutedMembers(room.id, [alice.userId, bob.userId, carol.userId])).toEqual([
          bob.userId,
        ]);
        expect(await store.setMuted(room.id, bob.userId, false)).toBe(true);
        expect(await store.mutedMembers(room.id, [bob.userId])).toEqual([]);
        expect(await store.setMuted(room.id, bob.userId, true)).toBe(true);
        await store.removeMember(room.id, bob.userId);
        await store.addMember(room.id, bob, 2);
        expect(await store.mutedConversationIds(bob.userId)).toEqual([]);
      });
    });

    describe('durability', () => {
      it('keeps every record across close and reopen', async (ctx) => {
        if (!opened.reopen) ctx.skip(`${name} gives no reopen(): persistence across restarts is not checked`);
        const [alice, bob] = [await newUser('alice'), await newUser('bob')];
        const session = {
          tokenHash: randomUUID(),
          userId: alice.userId,
          createdAt: 1,
          expiresAt: Date.now() + 60_000,
        };
        await store.createSession(session);
        const room = await newRoom(alice);
        await store.addMember(room.id, bob, 7);
        const messages = await appendN(room.id, alice, 4);
        await store.updateReceipt(room.id, bob.userId, { readSeq: 2 });
        await store.close();
        await store.close();

        store = await opened.reopen!();
        expect(await store.getUserByUsername(alice.username)).toEqual(alice.record);
        expect(await store.getSession(session.tokenHash, Date.now())).toEqual(session);
        expect(await store.getConversation(room.id)).toEqual({ ...room, lastSeq: 4 });
        expect(await store.getMember(room.id, bob.userId)).toMatchObject({
          deliveredSeq: 2,
          readSeq: 2,
          joinedAt: 7,
        });
        expect(await store.messagesAfter(room.id, 0, 10)).toEqual(messages);
        expect(await store.appendMessage(draft(room.id, alice, 'm1', messages[0]!.id))).toEqual({
          status: 'duplicate',
          message: messages[0],
        });
        expect(created(await store.appendMessage(draft(room.id, bob))).seq).toBe(5);
      });
    });
  });
}
