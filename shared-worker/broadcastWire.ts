/**
 * The elected-tab mode's wire (where SharedWorker is missing): one tab holds the Web Lock
 * LEADER_LOCK and runs the hub; every tab, the leader's own included, talks to it over the
 * BroadcastChannel HUB_CHANNEL with the same messages a SharedWorker port carries.
 */
import type { HubToTab, TabToHub } from './protocol';

export const HUB_CHANNEL = 'ferry-hub';
/** Held by the hub that runs: the elected leader tab, or the SharedWorker hub for its life. */
export const LEADER_LOCK = 'ferry-hub-leader';

export type WireMessage =
  /** A tab's message to the hub. */
  | { t: 'tab'; from: string; msg: TabToHub }
  /** The hub's message to one tab. */
  | { t: 'hub'; to: string; msg: HubToTab }
  /** A new leader is serving: tabs say hello again and re-send unanswered requests. */
  | { t: 'leader'; leaderId: string };
