/** The scenarios in run order, with their titles. */
import type { BenchContext, ScenarioId, ScenarioOutput } from '../types.js';
import { capacityScenario } from './capacity.js';
import { clientScenario } from './client.js';
import { clusterScenario } from './cluster.js';
import { durableScenario } from './durable.js';
import { noisyDiskScenario } from './noisyDisk.js';
import { profileScenario } from './profile.js';
import { relayScenario } from './relay.js';
import { searchScenario } from './search.js';

export const SCENARIOS: Record<
  ScenarioId,
  { title: string; run: (ctx: BenchContext) => Promise<ScenarioOutput> }
> = {
  relay: { title: '1. Relay throughput and latency (one node)', run: relayScenario },
  durable: { title: '2. Durable sends (acks per core)', run: durableScenario },
  capacity: { title: '3. Capacity: memory per idle connection', run: capacityScenario },
  cluster: { title: '4. Relay on two nodes with PostgreSQL + Redis', run: clusterScenario },
  client: { title: '5. Client in headless Chromium', run: clientScenario },
  'noisy-disk': {
    title: '6. Relay beside a noisy disk (write + fdatasync neighbour)',
    run: noisyDiskScenario,
  },
  search: { title: '7. Search: device index and server stores', run: searchScenario },
  profile: { title: "8. Profile: Ferry's server under relay load (node --cpu-prof)", run: profileScenario },
};
