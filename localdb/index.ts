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
export { SearchIndex } from './searchIndex';
