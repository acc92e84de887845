/**
 * The device's full-text index over the messages in IndexedDB (MiniSearch), for instant search
 * that works offline. Words come from contract/search.ts (Intl.Segmenter), so Chinese and
 * Japanese are found by word; English words match as prefixes and with small typos.
 *
 * Where it lives: one instance per browser, in the hub (the SharedWorker, or the elected tab). The
 * hub is the one context that stores what the server sends, so each message is indexed once when
 * it arrives, not once per open tab, and tabs ask the hub to search. The index is saved to
 * IndexedDB a moment after it changes, and loaded a few seconds after the hub starts (or at the
 * first search), out of the way of the first conversation on screen, instead of being rebuilt;
 * messages written meanwhile by other contexts (the Service Worker's replay) or lost with an
 * unsaved change are reconciled by id on load and when those contexts announce a change. Only an
 * index saved in another format is rebuilt from scratch.
 */
import type MiniSearch from 'minisearch';
import type { SearchResult } from 'minisearch';
import type { Message } from '../contract/index';
import { searchWords } from '../contract/search';
import type { GetFerryDb } from './connection';
import type { MessageWrite } from './messageWrites';
import type { SavedSearchIndex } from './schema';

/** Bump when the tokenizer or the indexed fields change: older saved indexes are rebuilt. */
export const SEARCH_INDEX_FORMAT = 2;
const SAVED_KEY = 'messages';
/** Changes are saved this long after the last one (a burst of arrivals saves once). */
const SAVE_DELAY_MS = 1_000;
/**
 * ... but no later than this after the first unsaved one. Each save writes the whole index: a
 * catch-up of thousands of messages saves a few times, not every second.
 */
const SAVE_MAX_DELAY_MS = 10_000;
/** Reconciling reads every stored id: announced writes are reconciled at most this often. */
const RECONCILE_DELAY_MS = 2_000;
/**
 * The saved index (megabytes for a big account) is read and parsed this long after the hub starts,
 * or at the first search if sooner: a starting hub serves tabs opening a conversation, whose reads
 * of IndexedDB and first frame come first. Messages stored meanwhile are indexed once it is loaded.
 */
export const SEARCH_INDEX_LOAD_DELAY_MS = 5_000;
/** Query words this long or longer also match with one typo in five letters. */
const FUZZY_MIN_LENGTH = 4;

/**
 * What the index holds per message: the text's words, the two fields results are filtered by, and
 * when it was last edited (so a reconcile sees an edit another context stored).
 */
interface IndexedMessage {
  id: string;
  text: string;
  conversationId: string;
  senderId: string;
  editedAt: number | null;
}

/**
 * Only messages are searchable, and only while not deleted: operations carry no text of their
 * own to find (an edit's new text is its message's text), and a deleted message's text is gone.
 */
function searchable(message: Message): boolean {
  return (message.kind ?? 'message') === 'message' && !message.deleted;
}

export interface LocalSearchOptions {
  conversationId?: string;
  senderId?: string;
  /** Most results (the best ones). */
  limit: number;
}

/** One match: the message's id, and the indexed words that matched (for highlighting). */
export interface LocalSearchMatch {
  id: string;
  terms: string[];
  score: number;
}

const LATIN_ONLY = /^[\p{Script=Latin}\p{N}]+$/u;

const OPTIONS = {
  fields: ['text'],
  storeFields: ['conversationId', 'senderId', 'editedAt'],
  tokenize: (text: string) => searchWords(text),
  // searchWords already normalises case and width.
  processTerm: (term: string) => term,
  // Removed messages' words are swept out before each save instead (see save()).
  autoVacuum: false,
  searchOptions: {
    prefix: true,
    // A typo allowance only for alphabetic words long enough to carry one: a Chinese or Japanese
    // word of two characters with "one typo" would match unrelated words.
    fuzzy: (term: string) => (term.length >= FUZZY_MIN_LENGTH && LATIN_ONLY.test(term) ? 0.2 : false),
    combineWith: 'AND' as const,
  },
};

let miniSearchModule: Promise<typeof MiniSearch> | undefined;

/**
 * MiniSearch, loaded with the index's first step rather than with the hub: the hub's first load
 * (and the first conversation on screen) does not wait for the search engine's code.
 */
function loadMiniSearch(): Promise<typeof MiniSearch> {
  miniSearchModule ??= import('minisearch').then(
    (m) => m.default,
    (err: unknown) => {
      // A later step tries again (e.g. the chunk could not be fetched this time).
      miniSearchModule = undefined;
      throw err;
    },
  );
  return miniSearchModule;
}

/** The index of one browser's messages (one instance, in the hub). */
export class SearchIndex {
  private index: MiniSearch<IndexedMessage> | null = null;
  /** Every operation runs after the previous one, the first being the load. */
  private queue: Promise<unknown> = Promise.resolve();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the oldest change not saved yet was made (undefined: none waits). */
  private unsavedSince: number | undefined;
  private reconcileTimer: ReturnType<typeof setTimeout> | undefined;
  private dirty = false;
  private builtAt = 0;

  /** Starts the load now (the first search does not wait for the delay). */
  private readonly beginLoad: () => void;
  private loadBegun = false;
  private readonly loadTimer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly getDb: GetFerryDb,
    { loadDelayMs = SEARCH_INDEX_LOAD_DELAY_MS }: { loadDelayMs?: number } = {},
  ) {
    let begin!: () => void;
    // Every step queues behind the load, which waits for this.
    this.queue = new Promise<void>((resolve) => (begin = resolve));
    this.beginLoad = () => {
      clearTimeout(this.loadTimer);
      this.loadBegun = true;
      begin();
    };
    this.loadTimer = setTimeout(this.beginLoad, loadDelayMs);
    void this.run(async () => {
      try {
        await this.load();
      } catch (err) {
        // Search still works on what arrives from now on; the next start tries again.
        console.warn('ferry: the search index could not be loaded', err);
        this.index ??= new (await loadMiniSearch())<IndexedMessage>(OPTIONS);
      }
    });
  }

  /** Applies a write to the messages store (see localdb/messageWrites.ts). */
  apply(write: MessageWrite): Promise<void> {
    switch (write.kind) {
      case 'stored':
        return this.add(write.messages);
      case 'updated':
        return this.update(write.messages);
      case 'removed':
        return this.remove(write.ids);
      case 'cleared':
        return this.clear();
    }
  }

  /** Indexes messages not indexed yet (a message already indexed is left as it is). */
  add(messages: readonly Message[]): Promise<void> {
    return this.change((index) => {
      const fresh = messages.filter((m) => searchable(m) && !index.has(m.id));
      index.addAll(fresh.map(toIndexed));
      return fresh.length > 0;
    });
  }

  /** Re-indexes messages whose text changed (an edit); a deleted one leaves the index. */
  update(messages: readonly Message[]): Promise<void> {
    return this.change((index) => {
      for (const m of messages) {
        if (!searchable(m)) {
          if (index.has(m.id)) index.discard(m.id);
        } else if (index.has(m.id)) index.replace(toIndexed(m));
        else index.add(toIndexed(m));
      }
      return messages.length > 0;
    });
  }

  /** Forgets messages (deleted, or their conversation was left). */
  remove(ids: readonly string[]): Promise<void> {
    return this.change((index) => {
      let removed = false;
      for (const id of ids)
        if (index.has(id)) {
          index.discard(id);
          removed = true;
        }
      return removed;
    });
  }

  /** Forgets every message (sign-out, another account). */
  clear(): Promise<void> {
    return this.change((index) => {
      index.removeAll();
      return true;
    });
  }

  /**
   * Brings the index in step with the messages store: adds what is stored but not indexed, drops
   * what is indexed but no longer stored (or deleted), re-indexes what was edited since. For
   * writes made by contexts that have no index.
   */
  reconcile(): Promise<void> {
    return this.run(async () => {
      const index = this.index!;
      const db = await this.getDb();
      const wanted = new Map<string, Message>();
      for (const m of await db.getAll('messages')) if (searchable(m)) wanted.set(m.id, m);
      const missing = [...wanted.values()].filter((m) => !index.has(m.id));
      const gone = indexedIds(index).filter((id) => !wanted.has(id));
      for (const id of gone) index.discard(id);
      let edited = 0;
      for (const m of wanted.values()) {
        if (!index.has(m.id) || (index.getStoredFields(m.id)?.editedAt ?? null) === (m.editedAt ?? null))
          continue;
        index.replace(toIndexed(m));
        edited++;
      }
      index.addAll(missing.map(toIndexed));
      if (missing.length > 0 || gone.length > 0 || edited > 0) this.saveSoon();
    });
  }

  /**
   * Reconciles a moment from now, once for all the calls meanwhile: another context announces
   * its writes while it drains, many times a second.
   */
  reconcileSoon(): void {
    if (this.reconcileTimer !== undefined) return;
    this.reconcileTimer = setTimeout(() => {
      this.reconcileTimer = undefined;
      this.reconcile().catch((err: unknown) =>
        console.warn('ferry: could not reconcile the search index', err),
      );
    }, RECONCILE_DELAY_MS);
  }

  /** The best matches of `query`, best first. */
  search(query: string, options: LocalSearchOptions): Promise<LocalSearchMatch[]> {
    this.beginLoad();
    return this.run(() => {
      const { conversationId, senderId } = options;
      const filter =
        conversationId || senderId
          ? (r: SearchResult) =>
              (!conversationId || r.conversationId === conversationId) &&
              (!senderId || r.senderId === senderId)
          : undefined;
      return this.index!.search(query, { filter })
        .slice(0, options.limit)
        .map((r) => ({ id: String(r.id), terms: r.terms, score: r.score }));
    });
  }

  /** Saves now whatever is not saved yet (e.g. before the hub goes away). */
  flush(): Promise<void> {
    clearTimeout(this.reconcileTimer);
    clearTimeout(this.saveTimer);
    this.saveTimer = undefined;
    this.unsavedSince = undefined;
    // Never loaded: nothing to save (what was stored meanwhile is indexed at the next load).
    if (!this.loadBegun) {
      clearTimeout(this.loadTimer);
      return Promise.resolve();
    }
    return this.run(() => this.save());
  }

  private run<T>(task: () => T | Promise<T>): Promise<T> {
    const next = this.queue.then(task);
    // A failed step is reported to its caller only; the next one still runs.
    this.queue = next.catch(() => {});
    return next;
  }

  private change(mutate: (index: MiniSearch<IndexedMessage>) => boolean): Promise<void> {
    return this.run(() => {
      if (mutate(this.index!)) this.saveSoon();
    });
  }

  private async load(): Promise<void> {
    const Engine = await loadMiniSearch();
    const db = await this.getDb();
    const saved = await db.get('search', SAVED_KEY);
    if (saved && saved.format === SEARCH_INDEX_FORMAT) {
      try {
        this.index = await Engine.loadJSONAsync<IndexedMessage>(saved.json, OPTIONS);
        this.builtAt = saved.builtAt;
      } catch (err) {
        console.warn('ferry: the saved search index could not be read; rebuilding it', err);
      }
    }
    if (!this.index) {
      this.index = new Engine<IndexedMessage>(OPTIONS);
      this.builtAt = Date.now();
      this.dirty = true;
    }
    // Runs before any other queued step: reconcile() would queue behind this one.
    const index = this.index;
    let found: Message[];
    if (index.documentCount === 0) {
      // A new index: every message, in one read.
      found = (await db.getAll('messages')).filter(searchable);
    } else {
      const missing = (await db.getAllKeys('messages')).filter((id) => !index.has(id));
      const messages = await Promise.all(missing.map((id) => db.get('messages', id)));
      found = messages.filter((m): m is Message => m !== undefined && searchable(m));
    }
    index.addAll(found.map(toIndexed));
    if (found.length > 0 || this.dirty) this.saveSoon();
    // Edits and deletions another context stored after the last save are caught by text, a
    // moment later (reading every message is not worth delaying the first search for).
    if (index.documentCount > 0) this.reconcileSoon();
  }

  private saveSoon(): void {
    this.dirty = true;
    const now = Date.now();
    this.unsavedSince ??= now;
    clearTimeout(this.saveTimer);
    const wait = Math.max(0, Math.min(SAVE_DELAY_MS, this.unsavedSince + SAVE_MAX_DELAY_MS - now));
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      this.unsavedSince = undefined;
      void this.run(() => this.save()).catch((err: unknown) =>
        console.warn('ferry: could not save the search index', err),
      );
    }, wait);
  }

  private async save(): Promise<void> {
    if (!this.dirty || !this.index) return;
    this.dirty = false;
    // A removed message's words stay in the index until it is vacuumed: sweep them before they
    // reach the disk, so what was deleted or left does not linger in the saved copy.
    if (this.index.dirtCount > 0) await this.index.vacuum();
    const saved: SavedSearchIndex = {
      format: SEARCH_INDEX_FORMAT,
      builtAt: this.builtAt,
      savedAt: Date.now(),
      json: JSON.stringify(this.index),
    };
    await (await this.getDb()).put('search', saved, SAVED_KEY);
  }
}

function toIndexed(message: Message): IndexedMessage {
  return {
    id: message.id,
    text: message.text,
    conversationId: message.conversationId,
    senderId: message.senderId,
    editedAt: message.editedAt ?? null,
  };
}

/**
 * Every id in the index. MiniSearch keeps them in a private map; reading it is the only way to
 * find ids that are indexed but no longer stored without keeping a second copy of them.
 */
function indexedIds(index: MiniSearch<IndexedMessage>): string[] {
  const ids = (index as unknown as { _documentIds?: Map<number, unknown> })._documentIds;
  return ids ? [...ids.values()].map(String) : [];
}
