/**
 * Server search: every message of every conversation the user is a member of now, newest first,
 * paged by a cursor (the last message of the page), so a page never repeats or skips a result
 * when new messages arrive in between. Words come from the same segmentation the store indexed
 * with (contract/search.ts).
 */
import type { SearchPage, User } from '../../contract/events.js';
import { SEARCH_PAGE_DEFAULT } from '../../contract/limits.js';
import { searchWords } from '../../contract/search.js';
import type { SearchMessagesInput } from '../../contract/schemas.js';
import type { Store } from '../store/Store.js';
import type { Membership } from './membership.js';

/** Terms beyond this many are ignored: a longer query costs more and narrows nothing useful. */
const MAX_TERMS = 16;

export class Search {
  constructor(private readonly deps: { store: Store; membership: Membership }) {}

  /** One page of messages matching every word of the query (each as a word prefix). */
  async messages(user: User, input: SearchMessagesInput): Promise<SearchPage> {
    // A named conversation must be the user's own: the same FORBIDDEN as reading it.
    if (input.conversationId) await this.deps.membership.require(user.id, input.conversationId);
    const terms = [...new Set(searchWords(input.query))].slice(0, MAX_TERMS);
    if (terms.length === 0) return { messages: [], next: null };
    const limit = input.limit ?? SEARCH_PAGE_DEFAULT;
    const rows = await this.deps.store.searchMessages({
      userId: user.id,
      terms,
      conversationId: input.conversationId,
      senderId: input.senderId,
      after: input.after,
      limit: limit + 1,
    });
    const messages = rows.slice(0, limit);
    const last = messages.at(-1);
    const next = rows.length > limit && last ? { createdAt: last.createdAt, id: last.id } : null;
    return { messages, next };
  }
}
