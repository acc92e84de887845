/**
 * Which chunks of the build run in the hub (web/build/hubChunk.ts): its entry, the chunks it
 * imports, and the chunks it loads later by a dynamic import, through their imports in turn; the
 * page's own chunks not. Their dynamic imports get no preload lists (vite.config.ts).
 */
import { describe, expect, it } from 'vitest';
import { hubChunk } from '../../web/build/hubChunk';

/** A chunk of the written bundle, as far as the plugin reads it. */
const chunk = (imports: string[] = [], dynamicImports: string[] = []) => ({
  type: 'chunk' as const,
  imports,
  dynamicImports,
});

describe('the hub chunk plugin', () => {
  it('counts the chunks the hub imports, statically or dynamically, and no others', () => {
    const plugin = hubChunk('shared-worker/main.ts', 'web/data/hubUrl.ts');
    const context = { emitFile: () => 'hub-ref', getFileName: () => 'hub.js' };
    const call = (hook: unknown, ...args: unknown[]) =>
      (hook as (...a: unknown[]) => void).call(context, ...args);
    call(plugin.configResolved, { command: 'build' });
    call(plugin.buildStart, {});
    call(
      plugin.generateBundle,
      {},
      {
        'hub.js': chunk(['shared.js'], ['searchIndex.js']),
        'shared.js': chunk([], ['queue.js']),
        'searchIndex.js': chunk(['engine.js']),
        'queue.js': chunk([], ['upload.js']),
        'upload.js': chunk(),
        'engine.js': chunk(),
        'page.js': chunk(['shared.js'], ['view.js']),
        'view.js': chunk(),
        'style.css': { type: 'asset' },
      },
    );
    const hub = ['hub.js', 'shared.js', 'searchIndex.js', 'queue.js', 'upload.js', 'engine.js'];
    for (const file of hub) expect(plugin.runsInHub(file), file).toBe(true);
    for (const file of ['page.js', 'view.js', 'style.css']) expect(plugin.runsInHub(file), file).toBe(false);
  });
});
