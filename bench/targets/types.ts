/** A system under test (Ferry or the baseline), started on loopback with one or more nodes. */
import type { ServerHandle } from '../servers/serverProcess.js';
import type { ConnSpec, RelayConversation } from '../load/types.js';
import type { CommitCounts } from '../ferry/commits.js';

export type TargetName = 'ferry' | 'baseline';

export interface RelayTopology {
  conversations: number;
  sendersPerConversation: number;
  receiversPerConversation: number;
}

/** Connections for idle-capacity runs: handshake headers (round-robin) and rooms to join. */
export interface IdlePlan {
  url: string;
  headers: Array<Record<string, string> | undefined>;
  joinRooms?: string[];
}

export interface Target {
  name: TargetName;
  /** Nodes; senders connect to the first, receivers are spread over all of them. */
  servers: ServerHandle[];
  /** Creates users and conversations as needed and says who connects where. */
  relayPlan(t: RelayTopology): Promise<RelayConversation[]>;
  /** Prepares `users` accounts (Ferry) for idle connections to the first node. */
  idlePlan(users: number): Promise<IdlePlan>;
  /** Ferry: each node's commit histograms now (bench/ferry/commits.ts); the baseline commits nothing. */
  commitCounts?(): Promise<CommitCounts[]>;
  /** Ferry on PostgreSQL: the database's server processes that serve its nodes, for their CPU. */
  databasePids?(): Promise<number[]>;
  stop(): Promise<void>;
}

/** Spreads receivers over nodes: receiver i of a conversation goes to node i mod n. */
export function nodeFor(servers: ServerHandle[], i: number): string {
  return servers[i % servers.length].url;
}

export type { ConnSpec };
