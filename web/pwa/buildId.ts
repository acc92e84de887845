/**
 * The build's id, baked in by Vite from the VITE_FERRY_BUILD environment variable at build time
 * ('dev' when unset). Put on <html data-ferry-build> so a deployed version can be told apart.
 */
export const BUILD_ID: string = (import.meta.env.VITE_FERRY_BUILD as string | undefined) ?? 'dev';
