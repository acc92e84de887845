/**
 * The hub's build replaces engine.io-client's URI parser with one on the browser's URL
 * (web/build/engineTransports.ts): for the URLs socket.io-client hands it, the fields it and
 * engine.io-client read must be what the original parser gives.
 */
import { parse as reference } from 'engine.io-client';
import { describe, expect, it } from 'vitest';
import { PARSE_WITH_URL } from '../../web/build/engineTransports';

type Parsed = Record<'source' | 'protocol' | 'host' | 'port' | 'path' | 'query', string> & {
  queryKey: Record<string, string>;
};

const urls = [
  'http://127.0.0.1:3000',
  'http://127.0.0.1:3000/',
  'https://ferry.example',
  'https://ferry.example:8443/socket.io',
  'http://localhost/',
  'ws://[::1]:3000/',
  'https://[2001:db8::1]/',
  'http://ferry.example:80/a/b?x=1&y=two#top',
];

describe('engine.io-client URI parser on URL', () => {
  it('gives the fields socket.io-client and engine.io-client read, as parseuri does', async () => {
    const { parse } = (await import(`data:text/javascript,${encodeURIComponent(PARSE_WITH_URL)}`)) as {
      parse(uri: string): Parsed;
    };
    for (const url of urls) {
      const original = reference(url) as Parsed;
      const mine = parse(url);
      for (const field of ['source', 'protocol', 'host', 'query', 'queryKey'] as const)
        expect([url, field, mine[field]]).toEqual([url, field, original[field]]);
      // URL leaves out a scheme's default port even when written; url() and the engine fill in
      // the default for an empty one.
      const port = (p: Parsed) => p.port || (/s$/.test(p.protocol) ? '443' : '80');
      expect([url, port(mine)]).toEqual([url, port(original)]);
      // parseuri leaves the path empty where URL says "/"; socket.io-client's url() makes both "/".
      expect([url, mine.path || '/']).toEqual([url, original.path || '/']);
    }
  });
});
