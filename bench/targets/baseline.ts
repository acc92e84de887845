/** The baseline target: bench/baseline/server.ts, one node or several sharing Redis. */
import { randomUUID } from 'node:crypto';
import { startServer, type ServerHandle } from '../servers/serverProcess.js';
import type { RelayConversation } from '../load/types.js';
import { nodeFor, type IdlePlan, type RelayTopology, type Target } from './types.js';

export interface BaselineOptions {
  logDir: string;
  nodes?: number;
  cpus?: string;
  /** Several nodes share this Redis with the adapter kind `adapter` (default streams, as Ferry). */
  redisUrl?: string;
  redisKeyPrefix?: string;
  adapter?: 'pubsub' | 'sharded' | 'streams';
  /** Extra node flags for every node (the profile scenario's --cpu-prof). */
  nodeArgs?: string[];
}

/** Starts the baseline relay (each node its own process). */
export async function startBaseline(opts: BaselineOptions): Promise<Target> {
  const servers: ServerHandle[] = [];
  const stop = () => Promise.all(servers.map((s) => s.stop())).then(() => undefined);
  try {
    for (let i = 0; i < (opts.nodes ?? 1); i++) {
      servers.push(
        await startServer({
          name: `baseline${opts.nodes && opts.nodes > 1 ? `-node${i + 1}` : ''}`,
          script: 'bench/baseline/server.ts',
          env: opts.redisUrl
            ? {
                REDIS_URL: opts.redisUrl,
                BASELINE_ADAPTER: opts.adapter ?? 'streams',
                REDIS_KEY_PREFIX: opts.redisKeyPrefix ?? 'baseline:',
              }
            : {},
          cpus: opts.cpus,
          logDir: opts.logDir,
          nodeArgs: opts.nodeArgs,
        }),
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    name: 'baseline',
    servers,
    async relayPlan(t: RelayTopology): Promise<RelayConversation[]> {
      return Array.from({ length: t.conversations }, () => {
        const room = randomUUID();
        return {
          conversationId: room,
          // Senders join too: in Ferry a sender is a member and gets its own message back.
          senders: Array.from({ length: t.sendersPerConversation }, () => ({
            url: servers[0].url,
            joinRoom: room,
          })),
          receivers: Array.from({ length: t.receiversPerConversation }, (_, i) => ({
            url: nodeFor(servers, i),
            joinRoom: room,
          })),
        };
      });
    },
    async idlePlan(users: number): Promise<IdlePlan> {
      // Like a Ferry user in one room: each idle connection joins one of `users` rooms.
      return {
        url: servers[0].url,
        headers: [undefined],
        joinRooms: Array.from({ length: Math.max(1, users) }, () => randomUUID()),
      };
    },
    stop,
  };
}
