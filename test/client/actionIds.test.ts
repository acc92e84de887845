/**
 * Action ids are UUID v7: the server accepts them as any UUID, and ids made later sort after
 * earlier ones, which is what keeps the server's id index growing at its end.
 */
import { describe, expect, it } from 'vitest';
import { newActionId } from '../../contract/index';
import { parsePlainMessage, sendMessageSchema } from '../../contract/schemas';
import { queuedEntry } from '../../outbox/index';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The creation time an id carries: its first 48 bits. */
const timeOf = (id: string): number => parseInt(id.replaceAll('-', '').slice(0, 12), 16);

describe('newActionId', () => {
  it('makes a version 7 UUID that carries its creation time', () => {
    const now = Date.UTC(2026, 0, 2, 6, 30);
    const id = newActionId(now);
    expect(id).toMatch(V7);
    expect(timeOf(id)).toBe(now);
    expect(timeOf(newActionId())).toBeGreaterThanOrEqual(now);
  });

  it('is taken by the server as a message id, on the fast path and by the schema', () => {
    const payload = { id: newActionId(), conversationId: newActionId(), text: 'hi', typedAt: 1 };
    expect(parsePlainMessage(payload)?.id).toBe(payload.id);
    expect(sendMessageSchema.safeParse(payload).success).toBe(true);
  });

  it('sorts ids made later after earlier ones, as text, across byte boundaries of the time', () => {
    const times = [0, 1, 255, 256, 65_535, 65_536, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, 2 ** 47];
    const ids = times.map((t) => newActionId(t));
    expect([...ids].sort()).toEqual(ids);
    expect(ids.map(timeOf)).toEqual(times);
  });

  it('makes distinct ids within one millisecond', () => {
    const ids = Array.from({ length: 10_000 }, () => newActionId(1_700_000_000_000));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('is what the outbox gives each queued action', () => {
    const before = Date.now();
    const entry = queuedEntry({ conversationId: newActionId(), senderId: 'u', text: 'hi' }, before);
    expect(entry.id).toMatch(V7);
    expect(timeOf(entry.id)).toBeGreaterThanOrEqual(before);
  });
});
