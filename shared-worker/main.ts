/**
 * SharedWorker entry: one hub for every tab of this origin. Each tab connects with
 * `new SharedWorker(url, { type: 'module', name: 'ferry-hub' })` and talks over its port.
 */
import { LEADER_LOCK } from './broadcastWire';
import { Hub } from './hub';
import { messagePortAdapter } from './ports';
import type { TabToHub } from './protocol';

const scope = self as unknown as SharedWorkerGlobalScope;
const hub = new Hub();
// Held for this worker's life, as the elected leader holds it: a page opened on a conversation
// asks whether a hub runs (HubClient) and, if one does, reaches it at once rather than after
// drawing, since reaching a running hub costs it little. No tab joins the election where
// SharedWorker exists, so nothing else waits for this lock.
void navigator.locks?.request(LEADER_LOCK, () => new Promise<never>(() => {}));

scope.onconnect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (!port) return;
  const receive = hub.attach(messagePortAdapter(port));
  port.onmessage = (message: MessageEvent<TabToHub>) => receive(message.data);
  // Chromium tells us when the tab's end of the port is gone (whatwg/html#1766); elsewhere the
  // hub's ping timeout catches it.
  port.addEventListener('close', () => receive({ kind: 'bye' }));
};
