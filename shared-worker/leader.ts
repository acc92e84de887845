/**
 * The leader side of the elected-tab mode: runs the hub in this page and serves every tab over
 * BroadcastChannel, each through a virtual port. Loaded only in the leader tab (dynamic import).
 */
import { HUB_CHANNEL, type WireMessage } from './broadcastWire';
import { Hub } from './hub';
import type { HubPort } from './ports';
import type { TabToHub } from './protocol';

/** Starts the hub here; returns the function that stops it. `onlyTab` serves that tab alone. */
export function serveAsLeader(onlyTab?: string): () => void {
  // A leader may follow one that wrote until it left: tabs it does not know re-read everything.
  const hub = new Hub({ sole: false });
  const channel = new BroadcastChannel(HUB_CHANNEL);
  const tabs = new Map<string, (message: TabToHub) => void>();

  channel.onmessage = (event: MessageEvent<WireMessage>) => {
    const wire = event.data;
    if (wire?.t !== 'tab' || (onlyTab !== undefined && wire.from !== onlyTab)) return;
    let receive = tabs.get(wire.from);
    if (!receive) {
      if (wire.msg.kind === 'bye') return;
      const tabId = wire.from;
      const port: HubPort = {
        post: (msg) => channel.postMessage({ t: 'hub', to: tabId, msg } satisfies WireMessage),
        close: () => tabs.delete(tabId),
      };
      receive = hub.attach(port);
      tabs.set(tabId, receive);
    }
    receive(wire.msg);
  };
  // Announce only once listening: tabs re-send whatever the previous leader left unanswered.
  channel.postMessage({ t: 'leader', leaderId: Math.random().toString(36).slice(2) } satisfies WireMessage);

  return () => {
    hub.close();
    channel.close();
  };
}
