/**
 * Load sizes. `full` is the benchmark (about 5-8 minutes on 2 cores); `tiny` runs every code path
 * in seconds, for the smoke test and for trying the bench on a busy machine.
 */
import type { ScenarioId, Size } from './types.js';

export interface RelayParams {
  conversations: number;
  sendersPerConversation: number;
  receiversPerConversation: number;
  /** Offered send rates (messages/s over all senders), stepped up until a side saturates. */
  rates: number[];
  stepMs: number;
  drainMs: number;
  maxOutstanding: number;
  /** A first, unrecorded step at the lowest rate, so JIT and connection warm-up stay out of step 1. */
  warmupMs: number;
  /**
   * Pair runs (relay, cluster): midpoints offered, per side that saturated, between the highest
   * rate it carried and the lowest that saturated it, to narrow its capacity below the rates' step.
   */
  refineRounds?: number;
}

export interface SizeParams {
  relay: RelayParams;
  durable: { conversations: number; window: number; durationMs: number; drainMs: number };
  capacity: { levels: number[]; users: number; concurrency: number; connectionsPerWorker: number };
  cluster: RelayParams & { nodes: number };
  client: { queued: number; messagesInConversation: number; timeoutMs: number };
  /** The relay beside a neighbour that writes and fdatasyncs in a loop (three series). */
  noisyDisk: RelayParams;
  /** Ferry alone under `--cpu-prof` at one offered rate (rates[0]), one step. */
  profile: RelayParams;
  /** Device index in Chromium, and each server store (filling stops at the count or the budget). */
  search: {
    device: { messages: number; conversations: number; rounds: number };
    server: { messages: number; conversations: number; rounds: number; fillBudgetMs: number };
  };
  /** A's Send to B's screen in two browsers: samples idle and under relay load elsewhere. */
  feel: {
    warmup: number;
    samples: number;
    timeoutMs: number;
    load: {
      rate: number;
      conversations: number;
      receiversPerConversation: number;
      warmupMs: number;
      /** Load time allowed per sample (the load runs for warmupMs + samples × this). */
      msPerSample: number;
    };
  };
  /** A file through the tus endpoint: throughput, and a resume after an interruption. */
  upload: { megabytes: number; runs: number };
  /** One user's many conversations, one very long, held by the device: open, scroll, memory. */
  bigAccount: {
    conversations: number;
    bigMessages: number;
    otherMessages: number;
    /** Messages scrolled back from the newest. */
    scrollBack: number;
    /** Messages per putMessages call when filling the device. */
    deviceChunk: number;
    opens: number;
    scrollTimeoutMs: number;
    timeoutMs: number;
  };
  /** A synced device away while messages arrive across many conversations, then back. */
  longOffline: { conversations: number; initialMessages: number; offlineMessages: number; timeoutMs: number };
  /** How long each latency-floor probe runs (fdatasync, PostgreSQL commit, Redis round trip), ms. */
  probeMs: number;
  /** Time budget per scenario (ms); a scenario past it is stopped and reported as failed. */
  budgetMs: Record<ScenarioId, number>;
}

const TINY: SizeParams = {
  relay: {
    conversations: 2,
    sendersPerConversation: 1,
    receiversPerConversation: 2,
    rates: [20, 40],
    // Over a second: the SQLite writer checkpoints at most a second after its last checkpoint once
    // commits keep coming (IdleCadence), so each of Ferry's steps holds one and the smoke test sees
    // the bench report it. With 500 ms steps it depended on when the set-up's checkpoint fell.
    stepMs: 1200,
    drainMs: 2000,
    maxOutstanding: 1000,
    warmupMs: 200,
  },
  durable: { conversations: 2, window: 4, durationMs: 500, drainMs: 2000 },
  capacity: { levels: [100, 300], users: 5, concurrency: 20, connectionsPerWorker: 5000 },
  cluster: {
    nodes: 2,
    conversations: 2,
    sendersPerConversation: 1,
    receiversPerConversation: 2,
    rates: [20],
    stepMs: 500,
    drainMs: 2000,
    maxOutstanding: 1000,
    warmupMs: 200,
  },
  client: { queued: 20, messagesInConversation: 3, timeoutMs: 30_000 },
  noisyDisk: {
    conversations: 2,
    sendersPerConversation: 1,
    receiversPerConversation: 2,
    rates: [20, 40],
    stepMs: 500,
    drainMs: 2000,
    maxOutstanding: 1000,
    warmupMs: 200,
  },
  // Enough load that a profiler starved of CPU (the test suite runs beside it) still finds each
  // server's main thread busy in some samples: at 40 msg/s the baseline was busy 1% of the step.
  profile: {
    conversations: 2,
    sendersPerConversation: 1,
    receiversPerConversation: 2,
    rates: [300],
    stepMs: 1000,
    drainMs: 2000,
    maxOutstanding: 1000,
    warmupMs: 200,
  },
  search: {
    device: { messages: 500, conversations: 5, rounds: 2 },
    server: { messages: 500, conversations: 4, rounds: 2, fillBudgetMs: 10_000 },
  },
  feel: {
    warmup: 2,
    samples: 5,
    timeoutMs: 15_000,
    load: { rate: 50, conversations: 2, receiversPerConversation: 2, warmupMs: 300, msPerSample: 400 },
  },
  upload: { megabytes: 2, runs: 1 },
  bigAccount: {
    conversations: 12,
    bigMessages: 1500,
    otherMessages: 3,
    scrollBack: 400,
    deviceChunk: 500,
    opens: 2,
    scrollTimeoutMs: 30_000,
    timeoutMs: 30_000,
  },
  longOffline: { conversations: 8, initialMessages: 2, offlineMessages: 160, timeoutMs: 30_000 },
  probeMs: 300,
  // Caps against a hang, not expected times (each takes seconds when the machine is quiet): the
  // smoke tests run these beside other test files on a 2-core machine.
  budgetMs: {
    relay: 120_000,
    durable: 120_000,
    capacity: 120_000,
    cluster: 180_000,
    client: 180_000,
    'noisy-disk': 120_000,
    search: 120_000,
    feel: 180_000,
    upload: 120_000,
    'big-account': 180_000,
    'long-offline': 120_000,
    profile: 120_000,
  },
};

const FULL: SizeParams = {
  relay: {
    conversations: 10,
    sendersPerConversation: 2,
    receiversPerConversation: 8,
    // Raised until both sides saturate (relaySeries.ts): far past what either carried before.
    rates: [500, 1000, 2000, 4000, 6000, 8000, 11_000, 16_000, 22_000, 32_000],
    stepMs: 4000,
    drainMs: 3000,
    maxOutstanding: 20_000,
    warmupMs: 2000,
    // Steps of about 1.4x leave each capacity that uncertain: three halvings bring it to about 5%.
    refineRounds: 3,
  },
  durable: { conversations: 20, window: 16, durationMs: 6000, drainMs: 5000 },
  capacity: {
    levels: [1000, 5000, 10_000, 20_000],
    users: 100,
    concurrency: 200,
    connectionsPerWorker: 5000,
  },
  cluster: {
    nodes: 2,
    conversations: 10,
    sendersPerConversation: 2,
    receiversPerConversation: 8,
    rates: [500, 1000, 2000, 4000, 6000, 8000, 11_000, 16_000, 22_000],
    stepMs: 4000,
    drainMs: 3000,
    maxOutstanding: 20_000,
    warmupMs: 2000,
    refineRounds: 3,
  },
  client: { queued: 1000, messagesInConversation: 50, timeoutMs: 120_000 },
  // Scenario 1's load at fewer, shorter steps: it runs three series within its budget.
  noisyDisk: {
    conversations: 10,
    sendersPerConversation: 2,
    receiversPerConversation: 8,
    rates: [500, 1000, 2000, 4000, 8000],
    stepMs: 3000,
    drainMs: 3000,
    maxOutstanding: 20_000,
    warmupMs: 1000,
  },
  // The relay's load at a rate both servers carried in earlier runs, long enough for a profile.
  profile: {
    conversations: 10,
    sendersPerConversation: 2,
    receiversPerConversation: 8,
    rates: [4000],
    stepMs: 10_000,
    drainMs: 3000,
    maxOutstanding: 20_000,
    warmupMs: 2000,
  },
  search: {
    device: { messages: 100_000, conversations: 50, rounds: 5 },
    // Long enough for both stores to reach 1M on a machine shared with other work: the goal is at 1M.
    server: { messages: 1_000_000, conversations: 100, rounds: 5, fillBudgetMs: 300_000 },
  },
  feel: {
    warmup: 20,
    samples: 200,
    timeoutMs: 15_000,
    load: { rate: 1000, conversations: 10, receiversPerConversation: 2, warmupMs: 2000, msPerSample: 200 },
  },
  upload: { megabytes: 20, runs: 3 },
  bigAccount: {
    conversations: 500,
    bigMessages: 100_000,
    otherMessages: 10,
    scrollBack: 10_000,
    deviceChunk: 2000,
    opens: 7,
    scrollTimeoutMs: 90_000,
    timeoutMs: 120_000,
  },
  longOffline: { conversations: 200, initialMessages: 5, offlineMessages: 20_000, timeoutMs: 60_000 },
  probeMs: 3000,
  budgetMs: {
    relay: 200_000,
    durable: 50_000,
    capacity: 120_000,
    cluster: 200_000,
    client: 120_000,
    'noisy-disk': 150_000,
    search: 900_000,
    feel: 240_000,
    upload: 180_000,
    'big-account': 540_000,
    'long-offline': 150_000,
    profile: 120_000,
  },
};

export function sizeParams(size: Size): SizeParams {
  return size === 'full' ? FULL : TINY;
}
