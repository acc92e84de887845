/**
 * The reads that can return many rows (catch-up and history pages, member lists, a user's
 * conversation list). The reader thread runs them, so building a big page never holds up the
 * event loop.
 */
import type { Message } from '../../../contract/index.js';
import type { MemberRecord, MessageSearch, UserConversation } from '../Store.js';
import { pageLimit } from '../entries.js';
import { toMessages } from './messageRows.js';
import type { ReadStatements } from './statements.js';
import type Database from 'better-sqlite3';

/** The reader thread's operations, by name, with their arguments. */
export interface ReadOps {
  messagesAfter: { conversationId: string; afterSeq: number; limit: number };
  messagesBefore: { conversationId: string; beforeSeq: number | null; limit: number };
  listMembers: { conversationId: string };
  listUserConversations: { userId: string };
  searchMessages: MessageSearch;
}

/** What each read resolves to. */
export interface ReadResults {
  messagesAfter: Message[];
  messagesBefore: Message[];
  listMembers: MemberRecord[];
  listUserConversations: UserConversation[];
  searchMessages: Message[];
}

/** The read operations over one connection. */
export function readOperations(db: Database.Database, q: ReadStatements) {
  // One read transaction: the list and its members come from the same snapshot.
  const conversationsWithMembers = db.transaction((userId: string) => {
    const rows = q.userConversations.all(userId);
    const members = q.membersOfUserConversations.all(userId);
    const lastIds = rows.flatMap((r) => (r.lastMessageId === null ? [] : [r.lastMessageId]));
    const last = lastIds.length > 0 ? toMessages(q, q.messagesByIds.all(JSON.stringify(lastIds))) : [];
    return [rows, members, last] as const;
  });
  return {
    messagesAfter: ({ conversationId, afterSeq, limit }: ReadOps['messagesAfter']): Message[] =>
      toMessages(q, q.messagesAfter.all(conversationId, afterSeq, pageLimit(limit))),
    messagesBefore: ({ conversationId, beforeSeq, limit }: ReadOps['messagesBefore']): Message[] =>
      toMessages(
        q,
        q.messagesBefore
          .all(conversationId, beforeSeq ?? Number.MAX_SAFE_INTEGER, pageLimit(limit))
          .reverse(),
      ),
    searchMessages: (search: MessageSearch): Message[] =>
      search.terms.length === 0
        ? []
        : toMessages(
            q,
            q.searchMessages.all({
              userId: search.userId,
              // Terms hold only letters, marks and digits (searchWords), so quoting is enough.
              match: search.terms.map((term) => `"${term}"*`).join(' '),
              conversationId: search.conversationId ?? null,
              senderId: search.senderId ?? null,
              afterCreatedAt: search.after?.createdAt ?? null,
              afterId: search.after?.id ?? null,
              limit: pageLimit(search.limit),
            }),
          ),
    listMembers: ({ conversationId }: ReadOps['listMembers']): MemberRecord[] =>
      q.membersOf.all(conversationId),
    listUserConversations: ({ userId }: ReadOps['listUserConversations']): UserConversation[] => {
      const [rows, members, last] = conversationsWithMembers(userId);
      const lastById = new Map(last.map((m) => [m.id, m]));
      const byConversation = new Map<string, MemberRecord[]>();
      for (const m of members) {
        const list = byConversation.get(m.conversationId);
        if (list) list.push(m);
        else byConversation.set(m.conversationId, [m]);
      }
      const list = rows.map((row) => ({
        conversation: {
          id: row.id,
          kind: row.kind,
          name: row.name,
          inviteCode: row.inviteCode,
          lastSeq: row.lastSeq,
          createdAt: row.createdAt,
        },
        members: byConversation.get(row.id) ?? [],
        lastMessage: (row.lastMessageId !== null && lastById.get(row.lastMessageId)) || null,
        unreadCount: row.unreadCount,
      }));
      // Newest activity first.
      const activity = (u: UserConversation): number => u.lastMessage?.createdAt ?? u.conversation.createdAt;
      return list.sort(
        (x, y) => activity(y) - activity(x) || x.conversation.id.localeCompare(y.conversation.id),
      );
    },
  } satisfies { [K in keyof ReadOps]: (args: ReadOps[K]) => ReadResults[K] };
}
