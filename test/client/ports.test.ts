/**
 * The hub's tabs (shared-worker/ports.ts): tabs are pinged every PING_INTERVAL_MS and forgotten
 * once silent for TAB_TIMEOUT_MS (a crashed or frozen tab says nothing); a tab that speaks stays;
 * the hub hears when the last tab is gone.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PortRegistry, type HubPort } from '../../shared-worker/ports';
import { PING_INTERVAL_MS, TAB_TIMEOUT_MS, type HubToTab } from '../../shared-worker/protocol';

function fakePort(): HubPort & { received: HubToTab[]; closed: boolean } {
  const port = {
    received: [] as HubToTab[],
    closed: false,
    post: (message: HubToTab) => port.received.push(message),
    close: () => (port.closed = true),
  };
  return port;
}

describe('PortRegistry', () => {
  let clock = 0;
  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 0;
  });
  afterEach(() => vi.useRealTimers());
  /** A registry on the test's clock; counts how often it says the last tab is gone. */
  const registry = () => {
    const counts = { empty: 0 };
    return {
      ports: new PortRegistry(
        () => counts.empty++,
        () => clock,
      ),
      counts,
    };
  };

  it('pings live tabs and forgets a silent one after TAB_TIMEOUT_MS', () => {
    const { ports, counts } = registry();
    const silent = fakePort();
    const talking = fakePort();
    ports.add(silent);
    ports.add(talking);
    advance(PING_INTERVAL_MS);
    expect(silent.received).toEqual([{ kind: 'ping' }]);
    // One tab answers every ping; the other never does.
    while (clock <= TAB_TIMEOUT_MS + PING_INTERVAL_MS) {
      ports.touch(talking);
      advance(PING_INTERVAL_MS);
    }
    expect(silent.closed).toBe(true);
    expect(ports.has(silent)).toBe(false);
    expect(ports.has(talking)).toBe(true);
    expect(counts.empty).toBe(0);
  });

  it('keeps a tab until it is silent for longer than the timeout', () => {
    const { ports } = registry();
    const port = fakePort();
    ports.add(port);
    const sweepsWithin = Math.floor(TAB_TIMEOUT_MS / PING_INTERVAL_MS) * PING_INTERVAL_MS;
    advance(sweepsWithin);
    expect(ports.has(port)).toBe(true);
    advance(2 * PING_INTERVAL_MS);
    expect(ports.has(port)).toBe(false);
  });

  it('tells when the last tab is gone (goodbye or timeout), and broadcasts to the others until then', () => {
    const { ports, counts } = registry();
    const a = fakePort();
    const b = fakePort();
    ports.add(a);
    ports.add(b);
    ports.broadcast({ kind: 'ping' });
    ports.remove(a);
    expect(a.closed).toBe(true);
    expect(counts.empty).toBe(0);
    ports.broadcast({ kind: 'ping' });
    expect(a.received).toHaveLength(1);
    expect(b.received).toHaveLength(2);
    advance(TAB_TIMEOUT_MS + 2 * PING_INTERVAL_MS);
    expect(ports.size).toBe(0);
    expect(counts.empty).toBe(1);
    // No timer is left running once nobody is served.
    expect(vi.getTimerCount()).toBe(0);
  });
});
