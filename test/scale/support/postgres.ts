/**
 * PostgreSQL for scale tests: the database in TEST_DATABASE_URL (a private server that `npm test`
 * starts, or one the user names), a fresh schema per test run so runs never see each other's
 * rows, dropped afterwards. An unreachable PostgreSQL fails the test with a clear message; it
 * never skips.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { requiredEnv } from './env';

export const PG_URL = requiredEnv('TEST_DATABASE_URL', 'PostgreSQL');

/** A schema name no other run uses: ferry_t_<time>_<random>. */
export function uniqueSchemaName(): string {
  return `ferry_t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** PG_URL with search_path set to `schema` (for server processes that only get DATABASE_URL). */
export function urlWithSchema(schema: string, url = PG_URL): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/** Runs `sql` on a short-lived connection, failing with advice when PostgreSQL is unreachable. */
export async function adminQuery(sql: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `PostgreSQL is not reachable at ${PG_URL} (${(err as Error).message}). ` +
        'Run the tests with `npm test`, which starts a private PostgreSQL, or fix TEST_DATABASE_URL.',
      { cause: err },
    );
  }
  try {
    return await client.query(sql, values);
  } finally {
    await client.end();
  }
}

/** Creates a fresh schema and returns it with a dropper. */
export async function freshSchema(): Promise<{ schema: string; url: string; drop: () => Promise<void> }> {
  const schema = uniqueSchemaName();
  await adminQuery(`CREATE SCHEMA "${schema}"`);
  return {
    schema,
    url: urlWithSchema(schema),
    drop: async () => void (await adminQuery(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
  };
}
