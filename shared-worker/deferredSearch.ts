/**
 * The hub's search index (localdb/searchIndex.ts), started a few seconds after the hub or at the
 * first search, whichever comes first: its code and MiniSearch's stay off the path to the first
 * conversation on screen. Writes made before it starts are kept and applied in order once it has
 * loaded (its load also picks up whatever the messages store holds), so nothing goes unindexed.
 * A long catch-up before then would keep every message it stored in memory twice: past
 * KEPT_MAX messages the kept writes are dropped, and the index reconciles with the messages store
 * once loaded instead (the store holds every one of those writes' results).
 */
import {
  loadSearchIndex,
  type GetFerryDb,
  type LocalSearchMatch,
  type LocalSearchOptions,
  type MessageWrite,
  type SearchIndex,
} from '../localdb/index';

/** How long after the hub's start the index starts on its own (first sync done by then). */
const START_AFTER_MS = 5_000;
/** Messages (and removed ids) kept before the index starts; past this, it reconciles instead. */
const KEPT_MAX = 5_000;

const warn = (err: unknown) => console.warn('ferry hub: could not index messages', err);

/** The index as the hub and its search requests use it. */
export class DeferredSearchIndex {
  private index: Promise<SearchIndex> | null = null;
  private pending: MessageWrite[] = [];
  /** Messages and ids the pending writes hold. */
  private pendingSize = 0;
  /** Writes were dropped (past KEPT_MAX): the index reconciles with the store once loaded. */
  private overflowed = false;
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(
    private readonly getDb: GetFerryDb,
    private readonly keptMax = KEPT_MAX,
  ) {
    this.timer = setTimeout(() => void this.started().catch(warn), START_AFTER_MS);
  }

  /** Indexes a write to the messages store (kept until the index has started). */
  apply(write: MessageWrite): Promise<void> {
    if (!this.index) {
      this.keep(write);
      return Promise.resolve();
    }
    return this.index.then((index) => index.apply(write));
  }

  /** Another context wrote messages: reconcile a moment from now (the load does it anyway). */
  reconcileSoon(): void {
    void this.index?.then((index) => index.reconcileSoon()).catch(warn);
  }

  search(query: string, options: LocalSearchOptions): Promise<LocalSearchMatch[]> {
    return this.started().then((index) => index.search(query, options));
  }

  remove(ids: readonly string[]): Promise<void> {
    return this.started().then((index) => index.remove(ids));
  }

  /** Saves what is not saved yet; nothing to do if the index never started. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    return this.index ? this.index.then((index) => index.flush()) : Promise.resolve();
  }

  /** Keeps a write for the index to apply once started, or drops them all past keptMax. */
  private keep(write: MessageWrite): void {
    // The reconcile the index will run reads what this write did from the store.
    if (this.overflowed) return;
    // Clearing makes every earlier write moot.
    if (write.kind === 'cleared') this.forget();
    this.pending.push(write);
    this.pendingSize +=
      write.kind === 'cleared' ? 0 : write.kind === 'removed' ? write.ids.length : write.messages.length;
    if (this.pendingSize > this.keptMax) {
      this.forget();
      this.overflowed = true;
    }
  }

  private forget(): void {
    this.pending = [];
    this.pendingSize = 0;
  }

  private started(): Promise<SearchIndex> {
    if (this.index) return this.index;
    clearTimeout(this.timer);
    const { pending, overflowed } = this;
    this.forget();
    this.overflowed = false;
    this.index = loadSearchIndex().then(
      ({ SearchIndex }) => {
        const index = new SearchIndex(this.getDb);
        // Queued behind the index's load: it then also catches edits and removals, at once.
        if (overflowed) index.reconcile().catch(warn);
        else for (const write of pending) index.apply(write).catch(warn);
        return index;
      },
      (err: unknown) => {
        // The chunk could not be fetched this time: the next search tries again. Writes made
        // while it was being fetched went nowhere, so that index reconciles with the store.
        this.index = null;
        this.overflowed = true;
        throw err;
      },
    );
    return this.index;
  }
}
