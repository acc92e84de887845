/** A small request/answer protocol over a child's IPC channel (parent <-> worker or server probe). */
import type { ChildProcess } from 'node:child_process';

interface RpcRequest {
  rpc: 'req';
  id: number;
  method: string;
  params: unknown;
}
interface RpcResponse {
  rpc: 'res';
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

type Handlers = Record<string, (params: never) => unknown>;

/** In the child: answers requests with `handlers`. `unref` lets the child exit while listening. */
export function serveRpc(handlers: Handlers, opts: { unref?: boolean } = {}): void {
  if (!process.send) throw new Error('serveRpc needs an IPC channel (spawn with stdio "ipc")');
  process.on('message', (msg: RpcRequest) => {
    if (msg?.rpc !== 'req') return;
    const handler = handlers[msg.method];
    const reply = (r: Omit<RpcResponse, 'rpc' | 'id'>) => process.send?.({ rpc: 'res', id: msg.id, ...r });
    if (!handler) return reply({ ok: false, error: `unknown method ${msg.method}` });
    Promise.resolve()
      .then(() => handler(msg.params as never))
      .then(
        (result) => reply({ ok: true, result }),
        (e: unknown) => reply({ ok: false, error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
  });
  if (opts.unref) process.channel?.unref();
}

/** In the parent: calls methods of a child that runs serveRpc. */
export class RpcClient {
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  constructor(
    private readonly child: ChildProcess,
    private readonly name: string,
  ) {
    child.on('message', (msg: RpcResponse) => {
      if (msg?.rpc !== 'res') return;
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.result);
      else p.reject(new Error(`${name}: ${msg.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const p of this.pending.values()) p.reject(new Error(`${name} exited (${code ?? signal})`));
      this.pending.clear();
    });
  }

  /** Calls `method` in the child; rejects after `timeoutMs`. */
  call<T>(method: string, params: unknown = {}, timeoutMs = 60_000): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: ${method} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.child.send({ rpc: 'req', id, method, params } satisfies RpcRequest);
    });
  }
}
