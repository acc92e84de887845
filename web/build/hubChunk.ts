/**
 * Builds the SharedWorker hub as a second entry of the page's own build, not as Vite's separate
 * worker bundle: the modules both use (IndexedDB access, the outbox, the contract) then land in
 * chunks they share, and a browser fetches them once instead of twice on the first visit. The
 * page takes the hub's URL from web/data/hubUrl.ts, whose text this plugin replaces.
 */
import path from 'node:path';
import type { Plugin } from 'vite';

/** The plugin and what it learnt of the build. */
export interface HubChunk extends Plugin {
  /**
   * Whether the chunk `fileName` runs in the hub: its entry, a chunk it imports, or one it loads
   * later by a dynamic import (the search index, the outbox queue, the upload code), followed
   * through their imports in turn. Which of those load at the hub's start is decided at run time
   * (a queued message, the first search), so every chunk the hub can load counts. The helper that
   * preloads a dynamic import's chunks writes <link> tags into `document`, which a worker has not
   * (web/build/preloadHelper.ts only imports there): dynamic imports in these chunks are given no
   * dependencies to preload (`build.modulePreload.resolveDependencies`), so the hub's chunks do
   * not carry lists it cannot use. A chunk the page shares loses them in the page too, as the
   * shared chunks the hub imports statically always have. Known once the chunks are written.
   */
  runsInHub(fileName: string): boolean;
}

/** The plugin: `hubEntry` is the hub's entry module, `urlModule` the module that names its URL. */
export function hubChunk(hubEntry: string, urlModule: string): HubChunk {
  const entry = path.resolve(hubEntry);
  const target = path.resolve(urlModule);
  let serve = false;
  let reference = '';
  const inHub = new Set<string>();
  return {
    runsInHub: (fileName) => inHub.has(fileName),
    name: 'ferry-hub-chunk',
    enforce: 'pre',
    configResolved(config) {
      serve = config.command === 'serve';
    },
    buildStart() {
      if (!serve) reference = this.emitFile({ type: 'chunk', id: entry, name: 'hub' });
    },
    load(id) {
      if (id.split('?')[0] !== target) return undefined;
      // `npm run dev`: Vite serves (and transforms) any file of the repository under /@fs/.
      if (serve) return `export default ${JSON.stringify('/@fs' + entry)};`;
      return `export default import.meta.ROLLUP_FILE_URL_${reference};`;
    },
    // Before Vite's own generateBundle (which asks resolveDependencies): this plugin runs first.
    generateBundle(_options, bundle) {
      inHub.clear();
      const queue = [this.getFileName(reference)];
      for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
        const chunk = bundle[file];
        if (inHub.has(file) || chunk?.type !== 'chunk') continue;
        inHub.add(file);
        queue.push(...chunk.imports, ...chunk.dynamicImports);
      }
    },
  };
}
