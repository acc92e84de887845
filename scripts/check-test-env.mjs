// Runs before `npm test`: the suite needs real Chromium, PostgreSQL and Redis, and says so loudly
// instead of letting tests skip. `.ci/run` installs and starts all three.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

const problems = [];
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!existsSync(chromium))
  problems.push(`Chromium not found at ${chromium}: run "apt-get install -y chromium" as root.`);

/** Resolves true when something accepts TCP connections on host:port. */
function reachable(host, port) {
  return new Promise((resolve) => {
    const s = connect({ host, port, timeout: 2000 });
    s.once('connect', () => (s.destroy(), resolve(true)));
    s.once('timeout', () => (s.destroy(), resolve(false)));
    s.once('error', () => resolve(false));
  });
}
if (!(await reachable('127.0.0.1', 5432)))
  problems.push(
    'PostgreSQL is not reachable on 127.0.0.1:5432 (database "test", trust auth): start it, or run .ci/run.',
  );
if (!(await reachable('127.0.0.1', 6379)))
  problems.push('Redis is not reachable on 127.0.0.1:6379: start it, or run .ci/run.');

if (problems.length) {
  console.error('The test suite cannot run here:\n- ' + problems.join('\n- '));
  process.exit(1);
}
