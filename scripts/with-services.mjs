// `node scripts/with-services.mjs <command> [args…]`: runs one command with the PostgreSQL, Redis
// and Chromium the tests use (scripts/services.mjs: private ones unless TEST_* variables name
// existing ones), stops what it started afterwards and exits with the command's code.
// `npm run soak` runs through it, so it needs no other step on a fresh machine either.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { provision } from './services.mjs';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/with-services.mjs <command> [args…]');
  process.exit(2);
}

const services = await provision({ log: (line) => console.log(`[services] ${line}`) });
process.on('exit', () => services.kill());
const child = spawn(command, args, { stdio: 'inherit', env: { ...process.env, ...services.env } });
for (const signal of ['SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
// Ctrl-C reaches the whole process group by itself: wait for the child to end.
process.on('SIGINT', () => undefined);
const code = await new Promise((resolve) => {
  child.once('error', (err) => {
    console.error(`${command}: ${err.message}`);
    resolve(1);
  });
  child.once('exit', (exitCode, signal) =>
    resolve(exitCode ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)),
  );
});
await services.stop();
process.exit(code);
