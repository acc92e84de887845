/**
 * The reads that can return many rows (catch-up and history pages, member lists, a user's
 * conversation list). The reader thread runs them, so building a big page never holds up the
 * event loop.
 */
import type { Message } from '../../../contract/index.js';
import type { MemberRecord, MessageSearch, UserConversation } from '../Store.js';
import { pageLimit } from '../entries.js';
import { toMessages } from './messageRows.js';
import { searchMatch } from './searchIndex.js';
import type { MessageRow, ReadStatements } from './statements.js';
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
      search.terms.length === 0 ? [] : toMessages(q, searchPage(q, search)),
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

/** Beyond every rowid: no upper bound for the walk. */
const NO_ROWID_BOUND = Number.MAX_SAFE_INTEGER;

/**
 * One page of search results, newest first by (created_at, id). The statement walks the matches
 * backwards by rowid, which is time order, so the walk stops once the page is full and the next
 * match is older than the page's oldest: its cost is the page (and the non-member matches between
 * its rows), not the number of matches. Rows of one time are sorted by id here, as they need not
 * be in id order by rowid.
 */
function searchPage(q: ReadStatements, search: MessageSearch): MessageRow[] {
  const limit = pageLimit(search.limit);
  if (limit === 0) return [];
  const after = search.after;
  const rows: MessageRow[] = [];
  const walk = q.searchMessages.iterate({
    userId: search.userId,
    match: searchMatch(search.terms, search.conversationId, search.senderId),
    conversationId: search.conversationId ?? null,
    senderId: search.senderId ?? null,
    afterCreatedAt: after?.createdAt ?? null,
    afterId: after?.id ?? null,
    below: (after && q.searchCursorEnd.get({ id: after.id, createdAt: after.createdAt })) ?? NO_ROWID_BOUND,
  });
  for (const row of walk) {
    if (rows.length >= limit && row.createdAt < rows.at(-1)!.createdAt) break;
    rows.push(row);
  }
  return rows
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
    .slice(0, limit);
}
