/** The local store: schema, connection and typed read/write helpers. */
export * from './schema';
export * from './connection';
export * from './meta';
export * from './conversations';
export * from './messages';
export * from './members';
export * from './changes';
export * from './messageWrites';
export * from './pushMeta';
export type { SearchIndex, LocalSearchMatch, LocalSearchOptions } from './searchIndex';
/**
 * The search index's module (it brings MiniSearch along), fetched when first needed: no static
 * export, which would put it in every bundle that imports this folder.
 */
export const loadSearchIndex = () => import('./searchIndex');
