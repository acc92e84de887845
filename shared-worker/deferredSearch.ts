/**
 * The hub's search index (localdb/searchIndex.ts), started a few seconds after the hub or at the
 * first search, whichever comes first: its code and MiniSearch's stay off the path to the first
 * conversation on screen. Writes made before it starts are kept and applied in order once it has
 * loaded (its load also picks up whatever the messages store holds), so nothing goes unindexed.
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

const warn = (err: unknown) => console.warn('ferry hub: could not index messages', err);

/** The index as the hub and its search requests use it. */
export class DeferredSearchIndex {
  private index: Promise<SearchIndex> | null = null;
  private pending: MessageWrite[] = [];
  private readonly timer: ReturnType<typeof setTimeout>;

  constructor(private readonly getDb: GetFerryDb) {
    this.timer = setTimeout(() => void this.started().catch(warn), START_AFTER_MS);
  }

  /** Indexes a write to the messages store (kept until the index has started). */
  apply(write: MessageWrite): Promise<void> {
    if (!this.index) {
      // Clearing makes every earlier write moot.
      if (write.kind === 'cleared') this.pending = [];
      this.pending.push(write);
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

  private started(): Promise<SearchIndex> {
    if (this.index) return this.index;
    clearTimeout(this.timer);
    const pending = this.pending;
    this.pending = [];
    this.index = loadSearchIndex().then(
      ({ SearchIndex }) => {
        const index = new SearchIndex(this.getDb);
        for (const write of pending) index.apply(write).catch(warn);
        return index;
      },
      (err: unknown) => {
        // The chunk could not be fetched this time: the next search tries again.
        this.index = null;
        this.pending = [...pending, ...this.pending];
        throw err;
      },
    );
    return this.index;
  }
}
