// Builds the page (web/), its SharedWorker (shared-worker/) and the Service Worker (sw/) into dist/web.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';
import { VitePWA } from 'vite-plugin-pwa';
import { API_PREFIX, SOCKET_PATH } from './contract/http';
import { engineTransports } from './web/build/engineTransports';
import { hubChunk } from './web/build/hubChunk';
import { preloadHelper } from './web/build/preloadHelper';
import { isSharedSmall } from './web/build/sharedChunk';
import { viewsChunk } from './web/build/viewsChunk';
import { socketClientTrim } from './web/build/socketClientTrim';

/** Sea blue of the icons (scripts/make-icons.mjs): keep the two in step. */
const THEME_COLOR = '#0b5cad';

/** Index files that only re-export (web/data/index.ts is not one: it installs the test hook). */
const PURE_INDEXES = /[\\/](localdb|outbox|contract|client-kit|net)[\\/]index\.ts$/;
/**
 * Modules of declarations only that the bundler cannot prove so (a constant reads a property of an
 * import, or for no reason it tells): the outbox's queue and wire format are loaded on demand
 * (outbox/index.ts: loadQueue), and would otherwise follow their folder's index into the first load.
 */
const PURE_MODULES = /[\\/]outbox[\\/](queue|wire)\.ts$/;

const hub = hubChunk('shared-worker/main.ts', 'web/data/hubUrl.ts');

export default defineConfig({
  root: 'web',
  publicDir: 'public',
  plugins: [
    preact(),
    hub,
    engineTransports(),
    socketClientTrim(),
    preloadHelper(),
    VitePWA({
      // Our own worker (sw/sw.ts): Workbox only injects the precache list into it.
      strategies: 'injectManifest',
      srcDir: '../sw',
      filename: 'sw.ts',
      // web/pwa/ registers it with workbox-window (prompting for updates, never auto-reloading).
      injectRegister: false,
      includeAssets: ['icons/apple-touch-icon-180.png', 'icons/icon-32.png'],
      injectManifest: {
        // A classic script: module Service Workers are missing in older Firefox and Safari.
        rollupFormat: 'iife',
        // The shell: page, SharedWorker and lazy chunks, styles (the manifest and its icons are
        // added by the plugin, includeAssets below adds the rest of public/).
        globPatterns: ['**/*.{js,css,html,svg,woff2}'],
      },
      manifest: {
        id: '/',
        name: 'Ferry',
        short_name: 'Ferry',
        description: 'A messenger that keeps every message you type, on flaky networks and in many tabs.',
        lang: 'en',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: THEME_COLOR,
        background_color: '#ffffff',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
    }),
  ],
  resolve: {
    // Ferry's socket carries JSON only (files go over tus and HTTP): the hub gets socket.io's text
    // packet format without the binary half of socket.io-parser (see shared-worker/socketParser.ts).
    alias: [
      {
        find: /^socket\.io-parser$/,
        replacement: fileURLToPath(new URL('./shared-worker/socketParser.ts', import.meta.url)),
      },
    ],
  },
  worker: { format: 'es' },
  build: {
    outDir: '../dist/web',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // The folders' index files only re-export: marked so, they stop being chunk boundaries of
      // their own, and the first load gets fewer, larger chunks (each file costs gzip its own
      // header and dictionary).
      treeshake: { moduleSideEffects: (id) => !PURE_INDEXES.test(id) && !PURE_MODULES.test(id) },
      output: {
        codeSplitting: {
          groups: [
            // See web/build/sharedChunk.ts and web/build/viewsChunk.ts.
            { name: 'shared', test: isSharedSmall },
            {
              name: viewsChunk('web/main.tsx', 'shared-worker/main.ts'),
              includeDependenciesRecursively: false,
            },
          ],
        },
      },
    },
    modulePreload: {
      // Every browser with module SharedWorkers preloads modules itself (Safari 16 only loses the
      // head start of <link rel="modulepreload">, nothing breaks): no polyfill in the first load.
      polyfill: false,
      // Preloading a lazy chunk's imports needs `document`: not in the hub's chunks (see hubChunk).
      resolveDependencies: (_file, deps, { hostId }) => (hub.runsInHub(hostId) ? [] : deps),
    },
  },
  server: {
    // `npm run dev`: the page from Vite, the API and socket from a Ferry server on 3000.
    proxy: {
      [API_PREFIX]: 'http://localhost:3000',
      [SOCKET_PATH]: { target: 'http://localhost:3000', ws: true },
    },
  },
});
