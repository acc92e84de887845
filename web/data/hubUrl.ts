/**
 * The SharedWorker hub's script URL. Vite never uses this text: web/build/hubChunk.ts replaces the
 * module with the built hub's URL (or, under `npm run dev`, the source's).
 */
const hubUrl: string = new URL('../../shared-worker/main.ts', import.meta.url).href;
export default hubUrl;
