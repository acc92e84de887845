/**
 * The Ferry target: the real server entry (server/index.ts: config, store, createApp) run as its
 * own process, one node with SQLite, or several nodes sharing PostgreSQL and Redis.
 */
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoPath } from '../lib/paths.js';
import { startServer, type ServerHandle } from '../servers/serverProcess.js';
import { roomWith, signUpMany, userHeaders, type BenchUser } from '../ferry/api.js';
import { BENCH_METRICS_TOKEN, readCommitCounts } from '../ferry/commits.js';
import type { RelayConversation } from '../load/types.js';
import { nodeFor, type IdlePlan, type RelayTopology, type Target } from './types.js';

export const FERRY_ENTRY = 'server/index.ts';

/**
 * The bench lifts Ferry's per-user send rate limit (env SEND_RATE_PER_SECOND / SEND_BURST): the
 * relay and durable scenarios measure the relay and the store, not the limiter, and the client
 * scenario replays 1,000 queued messages at once. Reported with the results.
 */
export const BENCH_RATE_ENV = { SEND_RATE_PER_SECOND: '1000000', SEND_BURST: '1000000' };
/** The bench signs up hundreds of users from one address to set up rooms: lift that limit too. */
export const BENCH_SIGNUP_ENV = { SIGNUP_BURST: '1000000', SIGNUP_RATE_PER_HOUR: '1000000' };
/**
 * The capacity scenario opens thousands of idle connections for a few users: lift the per-user
 * socket cap (MAX_SOCKETS_PER_USER) that would refuse them.
 */
export const BENCH_CONNECTION_ENV = { MAX_SOCKETS_PER_USER: '100000' };

export interface FerryOptions {
  logDir: string;
  /** Each node gets DATA_DIR under here (SQLite), unless databaseUrl is set. */
  dataDir: string;
  nodes?: number;
  cpus?: string;
  databaseUrl?: string;
  redisUrl?: string;
  /** Built page to serve (client scenario); a missing folder is fine for the others. */
  webRoot?: string;
  env?: NodeJS.ProcessEnv;
  /** Reuse ports (restart on the same origin). */
  ports?: number[];
  /** Extra node flags for every node (the profile scenario's --cpu-prof). */
  nodeArgs?: string[];
  /** With databaseUrl: the database's processes that serve the nodes (Target.databasePids). */
  databasePids?: () => Promise<number[]>;
}

/** Env for one Ferry node (documented in server/config.ts). */
export function ferryEnv(opts: FerryOptions, node: number): NodeJS.ProcessEnv {
  const dataDir = path.join(opts.dataDir, `node${node}`);
  mkdirSync(dataDir, { recursive: true });
  return {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    COOKIE_SECURE: 'false',
    WEB_ROOT: opts.webRoot ?? path.join(opts.dataDir, 'no-web-root'),
    NODE_ID: `bench-node${node}`,
    ...BENCH_RATE_ENV,
    ...BENCH_SIGNUP_ENV,
    ...BENCH_CONNECTION_ENV,
    METRICS_TOKEN: BENCH_METRICS_TOKEN,
    ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : {}),
    ...(opts.redisUrl ? { REDIS_URL: opts.redisUrl } : {}),
    ...opts.env,
  };
}

/** Starts Ferry's nodes; fails with a clear message while the server entry does not exist yet. */
export async function startFerryServers(opts: FerryOptions): Promise<ServerHandle[]> {
  if (!existsSync(repoPath(FERRY_ENTRY)))
    throw new Error(`Ferry's server entry ${FERRY_ENTRY} does not exist yet: only the baseline could run.`);
  const servers: ServerHandle[] = [];
  try {
    for (let i = 0; i < (opts.nodes ?? 1); i++) {
      servers.push(
        await startServer({
          name: `ferry${opts.nodes && opts.nodes > 1 ? `-node${i + 1}` : ''}`,
          script: FERRY_ENTRY,
          env: ferryEnv(opts, i + 1),
          cpus: opts.cpus,
          logDir: opts.logDir,
          port: opts.ports?.[i],
          startTimeoutMs: 60_000,
          nodeArgs: opts.nodeArgs,
        }),
      );
    }
  } catch (e) {
    await Promise.all(servers.map((s) => s.stop()));
    throw e;
  }
  return servers;
}

export async function startFerry(opts: FerryOptions): Promise<Target> {
  const servers = await startFerryServers(opts);
  const first = servers[0].url;
  return {
    name: 'ferry',
    servers,
    async relayPlan(t: RelayTopology): Promise<RelayConversation[]> {
      const per = t.sendersPerConversation + t.receiversPerConversation;
      const users = await signUpMany(first, t.conversations * per);
      const plan: RelayConversation[] = [];
      for (let c = 0; c < t.conversations; c++) {
        const members = users.slice(c * per, (c + 1) * per);
        const room = await roomWith(first, members, `bench room ${c}`);
        const senders = members.slice(0, t.sendersPerConversation);
        const receivers = members.slice(t.sendersPerConversation);
        plan.push({
          conversationId: room.id,
          senders: senders.map((u) => ({ url: first, headers: userHeaders(u, first) })),
          receivers: receivers.map((u, i) => {
            const url = nodeFor(servers, i);
            return { url, headers: userHeaders(u, url) };
          }),
        });
      }
      return plan;
    },
    async idlePlan(n: number): Promise<IdlePlan> {
      const users = await signUpMany(first, Math.max(1, n));
      // Rooms of up to 10: each idle connection belongs to one conversation, as in a small team.
      for (let i = 0; i < users.length; i += 10)
        await roomWith(first, users.slice(i, i + 10), `idle ${i / 10}`);
      return { url: first, headers: users.map((u: BenchUser) => userHeaders(u, first)) };
    },
    commitCounts: () => Promise.all(servers.map((s) => readCommitCounts(s.url))),
    databasePids: opts.databasePids,
    stop: () => Promise.all(servers.map((s) => s.stop())).then(() => undefined),
  };
}
