/**
 * Builds the SharedWorker hub as a second entry of the page's own build, not as Vite's separate
 * worker bundle: the modules both use (IndexedDB access, the outbox, the contract) then land in
 * chunks they share, and a browser fetches them once instead of twice on the first visit. The
 * page takes the hub's URL from web/data/hubUrl.ts, whose text this plugin replaces.
 */
import path from 'node:path';
import type { Plugin } from 'vite';

/** The plugin: `hubEntry` is the hub's entry module, `urlModule` the module that names its URL. */
export function hubChunk(hubEntry: string, urlModule: string): Plugin {
  const entry = path.resolve(hubEntry);
  const target = path.resolve(urlModule);
  let serve = false;
  let reference = '';
  return {
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
  };
}
