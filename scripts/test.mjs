// `npm test [-- vitest filters and options]`: builds the app, provides PostgreSQL, Redis and
// Chromium (scripts/services.mjs), runs Vitest with them, stops what it started (also on Ctrl-C
// or a failure) and ends with one line: `N passed, N failed[, N skipped]`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS, ENV, provision } from './services.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const say = (line) => console.log(`[npm test] ${line}`);

let interrupted = null;
let current = null;
let services = null;

/** Runs a child with inherited output; resolves its exit code (signals count as failures). */
function run(file, args, env) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: ROOT, env, stdio: 'inherit' });
    current = child;
    child.once('error', (err) => {
      console.error(`${file}: ${err.message}`);
      resolve(1);
    });
    child.once('exit', (code, signal) => {
      current = null;
      resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1));
    });
  });
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    interrupted ??= signal;
    // Ctrl-C reaches the whole process group by itself; other signals may reach only us.
    if (signal !== 'SIGINT') current?.kill(signal);
  });
}
process.on('exit', () => services?.kill());

async function finish(code) {
  if (services) {
    await services.stop();
    services = null;
  }
  process.exit(interrupted ? 128 + os.constants.signals[interrupted] : code);
}

/** The port of a URL, with the scheme's default when it names none. */
function portOf(url, fallback) {
  const port = new URL(url).port;
  return port ? Number(port) : fallback;
}

/** Counts from Vitest's JSON report; a file that failed to load or an error outside tests counts as a failure. */
function summarize(file, exitCode) {
  let report = null;
  try {
    report = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    // No report: Vitest stopped before writing it.
  }
  const passed = report?.numPassedTests ?? 0;
  let failed = report?.numFailedTests ?? 0;
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  for (const suite of report?.testResults ?? [])
    if (suite.status === 'failed' && !suite.assertionResults?.some((t) => t.status === 'failed')) failed += 1;
  if (exitCode !== 0 && failed === 0) failed = 1;
  return `${passed} passed, ${failed} failed` + (skipped ? `, ${skipped} skipped` : '');
}

async function main() {
  const npm = process.env.npm_execpath;
  say('building the app');
  const built = await (npm
    ? run(process.execPath, [npm, 'run', 'build'], process.env)
    : run('npm', ['run', 'build'], process.env));
  if (built !== 0 || interrupted) {
    console.error('[npm test] the build failed: no test ran');
    return finish(built || 1);
  }

  try {
    services = await provision({ log: say });
  } catch (err) {
    console.error(`[npm test] the tests cannot run here:\n${err.message}`);
    return finish(1);
  }
  if (interrupted) return finish(1);
  // The app was just built from these sources: store threads and server processes the tests
  // start load it compiled instead of compiling the sources again each time (see startWorker).
  const env = { ...process.env, ...services.env, FERRY_COMPILED_DIR: path.join(ROOT, 'dist/node') };
  say(
    `PostgreSQL ${env[ENV.database]} (${services.private.postgres ? 'private' : `from ${ENV.database}`}), ` +
      `Redis ${env[ENV.redis]} (${services.private.redis ? 'private' : `from ${ENV.redis}`}), ` +
      `Chromium ${env[ENV.chromium]}, redis-server ${env[ENV.redisServer]}, nginx ${env[ENV.nginx]}`,
  );
  // CI proves the suite needs nothing already running: it must not reach the default instances.
  if (process.env.CI === 'true') {
    const bad = [];
    if (portOf(env[ENV.database], DEFAULT_PORTS.postgres) === DEFAULT_PORTS.postgres)
      bad.push(`${ENV.database} uses the default PostgreSQL port ${DEFAULT_PORTS.postgres}`);
    if (portOf(env[ENV.redis], DEFAULT_PORTS.redis) === DEFAULT_PORTS.redis)
      bad.push(`${ENV.redis} uses the default Redis port ${DEFAULT_PORTS.redis}`);
    if (bad.length) {
      console.error(`[npm test] CI must run against private servers: ${bad.join('; ')}`);
      return finish(1);
    }
  }

  const reportDir = mkdtempSync(path.join(os.tmpdir(), 'ferry-test-report-'));
  const reportFile = path.join(reportDir, 'report.json');
  const vitest = path.join(
    path.dirname(createRequire(import.meta.url).resolve('vitest/package.json')),
    'vitest.mjs',
  );
  const code = await run(
    process.execPath,
    [
      vitest,
      'run',
      '--reporter=default',
      // Under CI=true a failed browser test runs once more: this prints what a retried one threw.
      '--reporter=./test/support/retriedReporter.ts',
      '--reporter=json',
      `--outputFile.json=${reportFile}`,
      ...process.argv.slice(2),
    ],
    env,
  );
  const summary = summarize(reportFile, code);
  rmSync(reportDir, { recursive: true, force: true });
  await services.stop();
  services = null;
  console.log(summary);
  return finish(code);
}

main().catch(async (err) => {
  console.error(err);
  await finish(1);
});
