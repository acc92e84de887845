/**
 * A private nginx running the shipped deploy/nginx.conf in front of a test server: its own port,
 * config, pid, logs and temp files in a fresh temp directory (never the system service). Only the
 * upstream address and the listen port of the shipped file are replaced, so the headers a test
 * sees are the ones a deployment's nginx sends.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { makeTempDir } from './app.js';
import { waitUntil } from '../../support/wait.js';

const executable = (file: string): boolean => {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};
/** NGINX_PATH, else `nginx` on PATH, else Debian's /usr/sbin/nginx (sbin is often not on PATH). */
const NGINX =
  process.env.NGINX_PATH ??
  [
    ...(process.env.PATH ?? '')
      .split(delimiter)
      .filter(Boolean)
      .map((dir) => join(dir, 'nginx')),
    '/usr/sbin/nginx',
  ].find(executable);
const SHIPPED = new URL('../../../deploy/nginx.conf', import.meta.url);

export interface PrivateNginx {
  /** e.g. http://127.0.0.1:41235 */
  url: string;
  close(): Promise<void>;
}

/** A port free right now on 127.0.0.1. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const tcp = netConnect(port, '127.0.0.1', () => {
      tcp.end();
      resolve(true);
    });
    tcp.on('error', () => resolve(false));
  });

/** Starts nginx with deploy/nginx.conf proxying to 127.0.0.1:`upstreamPort`. */
export async function startNginx(upstreamPort: number): Promise<PrivateNginx> {
  if (!NGINX) {
    throw new Error('nginx is missing: run "sudo apt-get install -y nginx-light" (or set NGINX_PATH).');
  }
  const dir = await makeTempDir('ferry-nginx-');
  await mkdir(join(dir, 'temp'));
  const port = await freePort();
  const shipped = await readFile(SHIPPED, 'utf8');
  const site = shipped
    .replace(
      /upstream ferry_nodes \{[\s\S]*?\n\}/,
      `upstream ferry_nodes {\n    server 127.0.0.1:${upstreamPort};\n    keepalive 8;\n}`,
    )
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`);
  if (site === shipped || !site.includes(`127.0.0.1:${upstreamPort}`)) {
    throw new Error('deploy/nginx.conf no longer has the upstream block and `listen 80;` this test rewrites');
  }
  await writeFile(join(dir, 'ferry.conf'), site);
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      // Root runs the test; the workers must read and write the temp directory made by it.
      'user root;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      'events { worker_connections 256; }',
      'http {',
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'temp', 'body')};`,
      `  proxy_temp_path ${join(dir, 'temp', 'proxy')};`,
      `  include ${join(dir, 'ferry.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn(
    NGINX,
    ['-p', dir, '-e', join(dir, 'error.log'), '-c', join(dir, 'nginx.conf')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  try {
    await waitUntil('nginx to listen', async () => exited || (await accepts(port)), { timeoutMs: 10_000 });
    if (exited) throw new Error(`nginx did not start: ${stderr.trim()}`);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      // SIGQUIT: graceful stop of this master and its worker only.
      if (!exited) child.kill('SIGQUIT');
      await exit;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
