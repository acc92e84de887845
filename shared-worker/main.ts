/**
 * SharedWorker entry: one hub for every tab of this origin. Each tab connects with
 * `new SharedWorker(url, { type: 'module', name: 'ferry-hub' })` and talks over its port.
 */
import { Hub } from './hub';
import { messagePortAdapter } from './ports';
import type { TabToHub } from './protocol';

const scope = self as unknown as SharedWorkerGlobalScope;
const hub = new Hub();

scope.onconnect = (event: MessageEvent) => {
  const port = event.ports[0];
  if (!port) return;
  const receive = hub.attach(messagePortAdapter(port));
  port.onmessage = (message: MessageEvent<TabToHub>) => receive(message.data);
  // Chromium tells us when the tab's end of the port is gone (whatwg/html#1766); elsewhere the
  // hub's ping timeout catches it.
  port.addEventListener('close', () => receive({ kind: 'bye' }));
};
