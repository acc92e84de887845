/** The scenarios in run order, with their titles. */
import type { BenchContext, ScenarioId, ScenarioOutput } from '../types.js';
import { bigAccountScenario } from './bigAccount.js';
import { capacityScenario } from './capacity.js';
import { clientScenario } from './client.js';
import { clusterScenario } from './cluster.js';
import { durableScenario } from './durable.js';
import { feelScenario } from './feel.js';
import { longOfflineScenario } from './longOffline.js';
import { noisyDiskScenario } from './noisyDisk.js';
import { profileScenario } from './profile.js';
import { relayScenario } from './relay.js';
import { searchScenario } from './search.js';
import { uploadScenario } from './upload.js';

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
  feel: { title: '8. What a person feels: Send to visible in another browser', run: feelScenario },
  upload: { title: '9. Attachments: upload throughput and resume cost', run: uploadScenario },
  'big-account': {
    title: '10. Big account: cold open, scroll back, page memory',
    run: bigAccountScenario,
  },
  'long-offline': {
    title: '11. Long offline: catch-up after reconnect',
    run: longOfflineScenario,
  },
  profile: { title: "12. Profile: Ferry's server under relay load (node --cpu-prof)", run: profileScenario },
};
