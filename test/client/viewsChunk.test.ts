/**
 * The "views" chunk (web/build/viewsChunk.ts): the modules two or more of the page's lazy views
 * import statically, and nothing of the first load, of the hub, or used by one view alone.
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ChunkingContext } from 'rolldown';
import { viewsChunk } from '../../web/build/viewsChunk';

const id = (file: string) => path.resolve(file);

/** A module graph as the bundler's chunking context gives it: file → static and dynamic imports. */
function graph(modules: Record<string, { imports?: string[]; dynamic?: string[] }>): ChunkingContext {
  return {
    getModuleInfo: (moduleId: string) => {
      const file = Object.keys(modules).find((f) => id(f) === moduleId);
      if (!file) return null;
      const m = modules[file]!;
      return { importedIds: (m.imports ?? []).map(id), dynamicallyImportedIds: (m.dynamic ?? []).map(id) };
    },
  } as unknown as ChunkingContext;
}

const modules = {
  'web/main.tsx': { imports: ['web/app.tsx'] },
  'web/app.tsx': {
    imports: ['web/strings.ts'],
    dynamic: ['web/A.tsx', 'web/B.tsx', 'web/C.tsx', 'web/actions.ts'],
  },
  'web/strings.ts': {},
  'shared-worker/main.ts': { imports: ['outbox/names.ts'], dynamic: ['outbox/queue.ts'] },
  'outbox/names.ts': {},
  'outbox/queue.ts': { imports: ['outbox/wire.ts'] },
  'outbox/wire.ts': {},
  'web/A.tsx': { imports: ['web/util.ts', 'web/own.ts', 'outbox/names.ts', 'web/strings.ts'] },
  'web/B.tsx': { imports: ['web/util.ts', 'web/actions.ts', 'outbox/wire.ts'] },
  'web/C.tsx': { imports: ['web/actions.ts'], dynamic: ['web/D.tsx'] },
  'web/D.tsx': { imports: ['web/own.ts'] },
  'web/util.ts': {},
  'web/own.ts': {},
  'web/actions.ts': { imports: ['web/deep.ts'] },
  'web/deep.ts': {},
};

describe('the views chunk', () => {
  it('groups what two or more lazy views import, a lazily loaded module too, and leaves the rest', () => {
    const name = viewsChunk('web/main.tsx', 'shared-worker/main.ts');
    const ctx = graph(modules);
    const grouped = Object.keys(modules).filter((file) => name(id(file), ctx) === 'views');
    // util: A and B; actions and what it imports: B and C (actions is also loaded lazily by the
    // app); own: A and D (D is a view loaded by a view).
    expect(grouped.sort()).toEqual(['web/actions.ts', 'web/deep.ts', 'web/own.ts', 'web/util.ts']);
  });

  it('leaves a module one view alone imports with it, and reads a new graph on the next build', () => {
    const name = viewsChunk('web/main.tsx', 'shared-worker/main.ts');
    expect(name(id('web/util.ts'), graph(modules))).toBe('views');
    const alone = { ...modules, 'web/B.tsx': { imports: ['web/actions.ts'] } };
    expect(name(id('web/util.ts'), graph(alone))).toBeNull();
  });
});
