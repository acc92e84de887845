/**
 * One chunk ("views") for the modules that two or more of the page's lazily loaded views import
 * (data hooks, actions, the later strings, the dialog), instead of the bundler's chunk per set of
 * importers: opening a conversation then preloads a few files, not ten. Each file costs the page's
 * thread the start of a fetch (1–2 ms on a slow machine, before the conversation's first frame)
 * and a Service Worker round trip. What the first load or the hub uses keeps the default split (the
 * hub's chunks are shared with the page); a view's own modules stay with it.
 */
import path from 'node:path';
import type { ChunkingContext } from 'rolldown';

/** The name function of a `codeSplitting` group: 'views' for the modules described above. */
export function viewsChunk(pageEntry: string, hubEntry: string) {
  const page = path.resolve(pageEntry);
  const hub = path.resolve(hubEntry);
  let last: { ctx: ChunkingContext; shared: Set<string> } | null = null;
  return (id: string, ctx: ChunkingContext): string | null => {
    if (last?.ctx !== ctx) last = { ctx, shared: sharedByViews(ctx, page, hub) };
    return last.shared.has(id) ? 'views' : null;
  };
}

/** Modules reached from `from` through static imports, and also dynamic ones when `dynamic`. */
function reach(ctx: ChunkingContext, from: string, dynamic: boolean): Set<string> {
  const seen = new Set<string>();
  for (const queue = [from]; queue.length;) {
    const id = queue.pop()!;
    const info = seen.has(id) ? null : ctx.getModuleInfo(id);
    if (!info) continue;
    seen.add(id);
    queue.push(...info.importedIds, ...(dynamic ? info.dynamicallyImportedIds : []));
  }
  return seen;
}

function sharedByViews(ctx: ChunkingContext, page: string, hub: string): Set<string> {
  const kept = new Set([...reach(ctx, page, false), ...reach(ctx, hub, true)]);
  const views = new Set<string>();
  for (const id of reach(ctx, page, true))
    for (const target of ctx.getModuleInfo(id)?.dynamicallyImportedIds ?? [])
      if (!kept.has(target)) views.add(target);
  const users = new Map<string, number>();
  for (const view of views)
    for (const id of reach(ctx, view, false))
      if (id !== view && !kept.has(id)) users.set(id, (users.get(id) ?? 0) + 1);
  return new Set([...users].filter(([, n]) => n >= 2).map(([id]) => id));
}
