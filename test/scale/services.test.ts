/**
 * The PostgreSQL and Redis the tests use are the ones their URLs name, and in CI they are private
 * servers that `npm test` started (not the system ones on the default ports): the suite needs
 * nothing already running on the machine.
 */
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminQuery, PG_URL } from './support/postgres.js';
import { REDIS_URL, withRedis } from './support/redis.js';

const inCi = process.env.CI === 'true';
const tmp = path.resolve(os.tmpdir()) + path.sep;

describe('the services the tests use', () => {
  it('PostgreSQL answers on the port of its URL, a private server under the temp dir in CI', async () => {
    const urlPort = Number(new URL(PG_URL).port || 5432);
    const { rows } = await adminQuery(
      "SELECT inet_server_port() AS port, current_setting('data_directory') AS dir",
    );
    expect(rows[0].port).toBe(urlPort);
    if (inCi) {
      expect(urlPort).not.toBe(5432);
      expect(path.resolve(rows[0].dir as string).startsWith(tmp), rows[0].dir as string).toBe(true);
    }
  });

  it('Redis answers on the port of its URL, a private server under the temp dir in CI', async () => {
    const urlPort = Number(new URL(REDIS_URL).port || 6379);
    const config = await withRedis(REDIS_URL, (c) => c.configGet(['port', 'dir']));
    expect(Number(config.port)).toBe(urlPort);
    if (inCi) {
      expect(urlPort).not.toBe(6379);
      expect(path.resolve(config.dir).startsWith(tmp), config.dir).toBe(true);
    }
  });
});
