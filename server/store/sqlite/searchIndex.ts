/**
 * What the SQLite store writes into its FTS5 search table and how it asks it. Each message's row
 * holds its words (contract/search.ts) and, in columns of their own, its conversation and its
 * sender as one word each: "in this conversation" and "from this member" are then words FTS5
 * intersects with the query's while it walks the matches, instead of filters applied to every
 * match of the words alone. The SQL filters stay in the statement (statements.ts), so these
 * columns only make a filtered search cheaper, never decide what it may return.
 */
import { searchTermsText } from '../../../contract/search.js';

/** The values of one message_search row: words, conversation word, sender word. */
export type SearchRow = [terms: string, conversation: string, sender: string];

/**
 * Ids made into words lately: every message indexes its conversation's and its sender's, and a busy
 * writer sees the same few again and again (a Unicode regex replace each time otherwise).
 */
const idWords = new Map<string, string>();
const ID_WORDS_KEPT = 4_096;

/** An id as one FTS5 word: its letters and digits (unicode61 would split a UUID at its dashes). */
export function idWord(id: string): string {
  let word = idWords.get(id);
  if (word === undefined) {
    word = id.replace(/[^\p{L}\p{N}]/gu, '').toLowerCase();
    if (idWords.size >= ID_WORDS_KEPT) idWords.clear();
    idWords.set(id, word);
  }
  return word;
}

/** The row a message with this text, conversation and sender is indexed as. */
export function searchRow(text: string, conversationId: string, senderId: string): SearchRow {
  return [searchTermsText(text), idWord(conversationId), idWord(senderId)];
}

/**
 * The FTS5 query: every term as a word prefix in the words column, and the conversation and
 * sender words when those filters are set. Terms hold only letters, marks and digits
 * (searchWords), so quoting is enough.
 */
export function searchMatch(terms: readonly string[], conversationId?: string, senderId?: string): string {
  const parts = [`terms : (${terms.map((term) => `"${term}"*`).join(' ')})`];
  const conversation = conversationId === undefined ? '' : idWord(conversationId);
  if (conversation) parts.push(`conversation : "${conversation}"`);
  const sender = senderId === undefined ? '' : idWord(senderId);
  if (sender) parts.push(`sender : "${sender}"`);
  return parts.join(' AND ');
}
