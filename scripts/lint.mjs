// `npm run lint` and `npm run typecheck`: every context's type check (each with its own
// tsconfig.json) and, for lint, ESLint and the Prettier check. The checks are independent, so they
// run side by side, one per core (each mostly uses one); each check's output is printed whole when
// it ends, so interleaved lines never hide which check said what.
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(ROOT, 'node_modules', '.bin', name);

/** One tsc run per execution context: each has its own lib (DOM, WebWorker, Node). */
const CONTEXTS = ['contract', 'server', 'web', 'shared-worker', 'sw', 'test', 'bench', '.'];

const typecheck = CONTEXTS.map((project) => ({
  name: `tsc -p ${project}`,
  file: bin('tsc'),
  args: ['-p', project],
}));
const style = [
  { name: 'eslint .', file: bin('eslint'), args: ['.'] },
  { name: 'prettier --check .', file: bin('prettier'), args: ['--check', '.'] },
];

/** Runs one check with its output captured; resolves its exit code and output. */
function check({ file, args }) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: ROOT, env: process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.once('error', (err) => resolve({ code: 1, output: `${file}: ${err.message}\n` }));
    child.once('close', (code, signal) =>
      resolve({ code: code ?? (signal ? 1 : 0), output: Buffer.concat(output).toString() }),
    );
  });
}

/** Runs `checks` at most `width` at a time, the longest first; resolves the names that failed. */
async function runAll(checks, width) {
  const queue = [...checks];
  const failed = [];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const started = performance.now();
      const { code, output } = await check(next);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      process.stdout.write(`${code === 0 ? 'ok  ' : 'FAIL'} ${next.name} (${seconds} s)\n${output}`);
      if (code !== 0) failed.push(next.name);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return failed;
}

const onlyTypes = process.argv.includes('--types');
// The slow ones first (test, server, bench type-check the most files), so the last to finish are short.
const order = [
  'tsc -p test',
  'tsc -p server',
  'eslint .',
  'prettier --check .',
  'tsc -p bench',
  'tsc -p web',
];
const rank = (name) => (order.includes(name) ? order.indexOf(name) : order.length);
const checks = [...typecheck, ...(onlyTypes ? [] : style)].sort((a, b) => rank(a.name) - rank(b.name));
const width = Math.max(1, Math.min(checks.length, os.availableParallelism()));
const failed = await runAll(checks, width);
if (failed.length > 0) {
  console.error(`\n${failed.length} of ${checks.length} checks failed: ${failed.join(', ')}`);
  process.exit(1);
}
console.log(`\nall ${checks.length} checks passed`);
