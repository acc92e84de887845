/**
 * Browser tests drive the data layer directly where no UI exists for an action yet: when an init
 * script set `window.__ferryExposeData = true` before the app loaded, the page puts its actions on
 * `window.__ferryData`. Nothing is exposed otherwise (a script that could set the flag could
 * already do anything the page can).
 */
import type { Ack, MessagePage } from '../../contract/index';
import type { HubEvents, HubStatus } from '../../shared-worker/protocol';
import type { actions } from './actions';
import { hubClient } from './hubClient';

export interface ExposedData {
  actions: typeof actions;
  /** What scrolling up asks the hub for: the page of history before `beforeSeq`. */
  loadOlder(conversationId: string, beforeSeq: number): Promise<Ack<MessagePage>>;
  /** What the hub tells this tab to re-read (each `changed` event), for as long as the tab lives. */
  changes: HubEvents['changed'][];
  /** Every status the hub told this tab (its `status` events), for as long as the tab lives. */
  statuses: HubStatus[];
}

declare global {
  interface Window {
    __ferryExposeData?: boolean;
    __ferryData?: ExposedData;
  }
}

if (typeof window !== 'undefined' && window.__ferryExposeData === true) {
  const changes: ExposedData['changes'] = [];
  const statuses: ExposedData['statuses'] = [];
  // Heard from the start; exposed once the actions' chunk (not part of the first load) is here.
  hubClient().on('changed', (change) => changes.push(change));
  hubClient().on('status', (status) => statuses.push(status));
  void import('./actions').then((m) => {
    window.__ferryData = {
      actions: m.actions,
      loadOlder: (conversationId, beforeSeq) =>
        hubClient().request('loadOlder', { conversationId, beforeSeq }),
      changes,
      statuses,
    };
  });
}
