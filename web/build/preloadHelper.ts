/**
 * A smaller stand-in for Vite's helper that preloads a lazy chunk's imports (wrapped around every
 * dynamic import of the build). Vite's own handles what Ferry does not need (a CSP nonce, links
 * already in the page, `vite:preloadError`, relative bases) and, imported by the hub's dynamic
 * imports too, sits in the chunk the page and the hub share: about 1 KB of every first load.
 * This one adds each dependency's <link> once (a stylesheet is waited for, like Vite's; one that
 * fails fails the import, and is tried again with the next), and in a worker (no `document`; the
 * hub's chunks get no dependencies, see vite.config.ts) only imports.
 */
import type { Plugin } from 'vite';

const HELPER_ID = '\0vite/preload-helper.js';

/** The helper's module: `base` is the build's absolute base path ('/'). */
function helperCode(base: string): string {
  return `const seen = {};
export const __vitePreload = (load, deps) => {
  if (!deps || deps.length === 0 || typeof document === 'undefined') return load();
  return Promise.all(
    deps.map((dep) =>
      (seen[dep] ??= new Promise((resolve, reject) => {
        const css = dep.endsWith('.css');
        const link = document.createElement('link');
        link.rel = css ? 'stylesheet' : 'modulepreload';
        link.crossOrigin = '';
        link.href = ${JSON.stringify(base)} + dep;
        document.head.appendChild(link);
        if (!css) return resolve();
        link.onload = resolve;
        link.onerror = () => {
          delete seen[dep];
          link.remove();
          reject(new Error('Unable to preload CSS for ' + dep));
        };
      })),
    ),
  ).then(load);
};
`;
}

/** The plugin: replaces Vite's helper in builds (an absolute `base` only). */
export function preloadHelper(): Plugin {
  let base = '/';
  return {
    name: 'ferry-preload-helper',
    apply: 'build',
    enforce: 'pre',
    configResolved(config) {
      base = config.base;
      if (!base.startsWith('/')) throw new Error(`ferry-preload-helper: base must be absolute, not ${base}`);
    },
    resolveId: (id) => (id === HELPER_ID ? id : undefined),
    load: (id) => (id === HELPER_ID ? helperCode(base) : undefined),
  };
}
