/** Holding one IndexedDB store of the page's database, to see what waits on it. */
import type { Page } from 'playwright-core';
import { DB_NAME } from '../../../localdb/index';

export interface HeldStore {
  /** Whether the held store has `key` (read inside the holding transaction). */
  has(key: string): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * Holds a readwrite transaction on `store` of the page's IndexedDB (kept alive by a chain of
 * reads) until `release` is called: meanwhile no context of this browser, the hub included, can
 * write to it or read it.
 */
export async function holdStore(page: Page, store: string): Promise<HeldStore> {
  await page.evaluate(
    ([name, storeName]) =>
      new Promise<void>((held, failed) => {
        const open = indexedDB.open(name);
        open.onerror = () => failed(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction([storeName], 'readwrite');
          const objects = tx.objectStore(storeName);
          const w = window as unknown as {
            __hold: { release: boolean; ask: string | null; answer: boolean | null };
          };
          w.__hold = { release: false, ask: null, answer: null };
          const spin = (): void => {
            if (w.__hold.release) return;
            const request = objects.get(w.__hold.ask ?? '');
            request.onsuccess = () => {
              if (w.__hold.ask !== null) w.__hold.answer = request.result !== undefined;
              spin();
            };
          };
          spin();
          held();
        };
      }),
    [DB_NAME, store] as const,
  );
  return {
    has: async (key) => {
      await page.evaluate((asked) => {
        const w = window as unknown as { __hold: { ask: string | null; answer: boolean | null } };
        w.__hold.answer = null;
        w.__hold.ask = asked;
      }, key);
      await page.waitForFunction(
        () => (window as unknown as { __hold: { answer: boolean | null } }).__hold.answer !== null,
      );
      return page.evaluate(() => (window as unknown as { __hold: { answer: boolean } }).__hold.answer);
    },
    release: () =>
      page.evaluate(() => {
        (window as unknown as { __hold: { release: boolean } }).__hold.release = true;
      }),
  };
}
