/**
 * The hub's tabs side (shared-worker/tabs.ts): requests wait until the hub is ready, reach their
 * handler, and a handler that throws still answers (a safe INTERNAL error); a goodbye forgets the
 * tab, and a forgotten tab that speaks again is served again.
 */
import { describe, expect, it, vi } from 'vitest';
import { ErrorCode } from '../../contract/index';
import type { HubPort } from '../../shared-worker/ports';
import type { HubToTab } from '../../shared-worker/protocol';
import type { Handlers } from '../../shared-worker/requests';
import { Tabs } from '../../shared-worker/tabs';

function fakePort(): HubPort & { received: HubToTab[] } {
  const port = { received: [] as HubToTab[], post: (m: HubToTab) => port.received.push(m), close: () => {} };
  return port;
}

function setup(ready: Promise<void> = Promise.resolve()) {
  const events = { added: 0, empty: 0 };
  const handlers = {
    markRead: async () => ({ ok: true }),
    typing: async () => {
      throw new Error('broken');
    },
  } as unknown as Handlers;
  const tabs = new Tabs({
    handlers,
    ready,
    tabAdded: () => events.added++,
    noTabs: () => events.empty++,
  });
  return { tabs, events };
}

describe('Tabs', () => {
  it('answers a request after the hub is ready', async () => {
    let open!: () => void;
    const { tabs } = setup(new Promise<void>((resolve) => (open = resolve)));
    const port = fakePort();
    const receive = tabs.attach(port);
    receive({ kind: 'request', id: 7, method: 'markRead', params: { conversationId: 'c', seq: 1 } });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(port.received).toEqual([]);
    open();
    await vi.waitFor(() =>
      expect(port.received).toEqual([{ kind: 'response', id: 7, result: { ok: true } }]),
    );
    tabs.clear();
  });

  it('answers INTERNAL when a handler throws', async () => {
    const { tabs } = setup();
    const port = fakePort();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    tabs.attach(port)({
      kind: 'request',
      id: 1,
      method: 'typing',
      params: { conversationId: 'c', typing: true },
    });
    await vi.waitFor(() => expect(port.received).toHaveLength(1));
    const [answer] = port.received;
    expect(answer).toMatchObject({
      kind: 'response',
      id: 1,
      result: { ok: false, error: { code: ErrorCode.INTERNAL } },
    });
    warn.mockRestore();
    tabs.clear();
  });

  it('forgets a tab that says goodbye, serves it again when it speaks, and tells when none is left', () => {
    const { tabs, events } = setup();
    const port = fakePort();
    const receive = tabs.attach(port);
    expect(events).toEqual({ added: 1, empty: 0 });
    receive({ kind: 'bye' });
    expect(events.empty).toBe(1);
    tabs.emit('typing', { conversationId: 'c', userId: 'u', username: 'u', typing: true });
    expect(port.received).toEqual([]);
    receive({ kind: 'pong' });
    expect(events.added).toBe(2);
    tabs.emit('authRequired', {});
    expect(port.received).toEqual([{ kind: 'event', event: 'authRequired', payload: {} }]);
    tabs.clear();
  });
});
