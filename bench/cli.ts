/** Command-line options of `npm run bench` (flags win over env vars). */
import { parseArgs } from 'node:util';
import path from 'node:path';
import { BENCH_DIR } from './lib/paths.js';
import { sizeParams } from './sizes.js';
import { SCENARIO_IDS, type ScenarioId, type Size } from './types.js';

export interface BenchOptions {
  size: Size;
  scenarios: ScenarioId[];
  outDir: string;
  webDist?: string;
  pin: boolean;
  keep: boolean;
  postgresUrl: string;
  redisUrl: string;
  /** Whole run's budget; scenarios get what is left of it. */
  totalBudgetMs: number;
}

export const USAGE = `Usage: npm run bench -- [options]
  --size tiny|full        load size (env BENCH_SIZE; default full)
  --only relay,durable    scenarios to run: ${SCENARIO_IDS.join(', ')} (env BENCH_SCENARIOS; default all)
  --out DIR               where results go (env BENCH_OUT; default bench/results)
  --web-dist DIR          built page for the client scenario (env FERRY_WEB_DIST; default: build one privately)
  --no-pin                do not pin the server to one CPU and the load to the others
  --keep                  keep the scratch folder (logs, data) for inspection
  --budget SECONDS        the whole run's time budget (env BENCH_BUDGET_S; default: the sum of the chosen scenarios' budgets)
  --postgres URL          admin URL of PostgreSQL for the cluster scenario (env BENCH_POSTGRES_URL)
  --redis URL             Redis for the cluster scenario (env BENCH_REDIS_URL)
  --help`;

/** Parses argv and env into options; throws with the usage text on a bad value. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      size: { type: 'string' },
      only: { type: 'string' },
      out: { type: 'string' },
      'web-dist': { type: 'string' },
      'no-pin': { type: 'boolean' },
      keep: { type: 'boolean' },
      budget: { type: 'string' },
      postgres: { type: 'string' },
      redis: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return 'help';
  const size = values.size ?? env.BENCH_SIZE ?? 'full';
  if (size !== 'tiny' && size !== 'full')
    throw new Error(`--size must be tiny or full, not "${size}"\n${USAGE}`);
  const only = values.only ?? env.BENCH_SCENARIOS;
  const scenarios = only
    ? only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [...SCENARIO_IDS];
  const unknown = scenarios.filter((s) => !(SCENARIO_IDS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown scenario(s): ${unknown.join(', ')}\n${USAGE}`);
  const webDist = values['web-dist'] ?? env.FERRY_WEB_DIST;
  const budget = values.budget ?? env.BENCH_BUDGET_S;
  // By default every chosen scenario gets its whole budget, plus time to write the reports.
  const chosen = SCENARIO_IDS.filter((id) => scenarios.includes(id));
  const budgetS =
    budget === undefined
      ? chosen.reduce((sum, id) => sum + sizeParams(size).budgetMs[id], 30_000) / 1000
      : Number(budget);
  if (!(budgetS > 0)) throw new Error(`--budget must be a number of seconds, not "${budget}"\n${USAGE}`);
  return {
    size,
    // Always in the canonical order, whatever order --only named them in.
    scenarios: chosen,
    outDir: path.resolve(values.out ?? env.BENCH_OUT ?? path.join(BENCH_DIR, 'results')),
    webDist: webDist ? path.resolve(webDist) : undefined,
    pin: !values['no-pin'],
    keep: Boolean(values.keep),
    postgresUrl: values.postgres ?? env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: values.redis ?? env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    totalBudgetMs: budgetS * 1000,
  };
}
