/** One PostgreSQL transaction on one pooled connection, for the store, the batcher and migrations. */
import type { Pool, PoolClient } from 'pg';

/**
 * Runs `work` between `begin` and COMMIT on one connection of `pool`; on any error rolls back and
 * rethrows. A connection that broke on the way is destroyed instead of going back to the pool.
 */
export async function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  begin = 'BEGIN',
): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  // A checked-out client has no error listener of the pool's: without one, a dropped connection
  // would be an uncaught 'error' event. The failing query rejects as well, which is what we use.
  const onError = (): void => void (broken = true);
  client.on('error', onError);
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => (broken = true));
    throw err;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}
