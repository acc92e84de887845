/**
 * The one polling helper of tests and bench (test/support/wait.ts): it returns the first truthy
 * value, counts a throwing check as "not yet", and cuts a check that never answers at the deadline
 * (a page.evaluate has no timeout of its own) instead of hanging the caller.
 */
import { describe, expect, it } from 'vitest';
import { waitUntil } from '../support/wait';

describe('waitUntil', () => {
  it('returns the first truthy value, a throwing check counting as not yet', async () => {
    let calls = 0;
    const value = await waitUntil('the third call', () => {
      calls++;
      if (calls === 1) throw new Error('not ready');
      return calls === 3 ? { calls } : null;
    });
    expect(value).toEqual({ calls: 3 });
  });

  it('fails at the deadline naming what it waited for, also when a check never answers', async () => {
    await expect(waitUntil('a falsy value', () => 0, { timeoutMs: 50 })).rejects.toThrow(
      'Timed out waiting for a falsy value (last: 0)',
    );
    const never = () => new Promise<boolean>(() => {});
    await expect(waitUntil('a page that hangs', never, { timeoutMs: 50 })).rejects.toThrow(
      /Timed out waiting for a page that hangs \(last: Error: Timed out after \d+ ms: a check of a page that hangs\)/,
    );
  });
});
