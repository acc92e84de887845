/** `npm run bench`: runs the benchmark, prints the table, writes bench/results/. See bench/README.md. */
import path from 'node:path';
import { parseOptions, USAGE } from './cli.js';
import { consoleTable } from './report/table.js';
import { killStragglers } from './lib/processes.js';
import { RESULT_FILES, runBench } from './runBench.js';

let opts;
try {
  opts = parseOptions(process.argv.slice(2), process.env);
} catch (e) {
  console.error((e as Error).message);
  process.exit(2);
}
if (opts === 'help') {
  console.log(USAGE);
  process.exit(0);
}
// Ctrl-C or a kill: end the servers and load workers this run started before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    killStragglers();
    process.exit(130);
  });
const results = await runBench(opts);
console.log(`\n${consoleTable(results)}\n`);
for (const f of Object.values(RESULT_FILES))
  console.log(`wrote ${path.relative(process.cwd(), path.join(opts.outDir, f))}`);
process.exit(results.scenarios.some((s) => s.status === 'failed') ? 1 : 0);
