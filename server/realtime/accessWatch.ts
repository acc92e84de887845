/**
 * Notices access changes that land while a connection is being set up. A socket or SSE feed reads
 * its session and conversations, then (after an await) joins its rooms or registers its feed; a
 * leave or sign-out announced in between reaches nobody, because the connection was not there yet
 * to be told. Watching the user's and session's keys across that window shows whether to read again.
 */

/** A watch over some keys: has any of them changed since it began? */
export interface AccessTicket {
  /** True when a change was announced for one of the keys since the ticket began. */
  changed(): boolean;
  /** Stops watching (call once the connection is set up or refused). */
  end(): void;
}

interface Watched {
  watchers: number;
  changes: number;
}

export class AccessWatch {
  /** Only keys someone is watching: the map stays as small as the handshakes in progress. */
  private readonly watched = new Map<string, Watched>();

  /** Starts watching `keys` (room names such as user:<id> and session:<hash>). */
  watch(keys: readonly string[]): AccessTicket {
    const start = keys.map((key) => {
      let entry = this.watched.get(key);
      if (!entry) {
        entry = { watchers: 0, changes: 0 };
        this.watched.set(key, entry);
      }
      entry.watchers += 1;
      return [key, entry, entry.changes] as const;
    });
    let ended = false;
    return {
      changed: () => start.some(([, entry, changes]) => entry.changes !== changes),
      end: () => {
        if (ended) return;
        ended = true;
        for (const [key, entry] of start) {
          entry.watchers -= 1;
          if (entry.watchers === 0) this.watched.delete(key);
        }
      },
    };
  }

  /** Records a change for `key` (called for every access change this node applies). */
  touch(key: string): void {
    const entry = this.watched.get(key);
    if (entry) entry.changes += 1;
  }
}
