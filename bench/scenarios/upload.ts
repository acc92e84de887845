/**
 * Scenario 9, attachments: a file through the real tus endpoint of a Ferry process, with the
 * client's own code (outbox/upload.ts, as the hub's drainer and the Service Worker run it) driven
 * from Node over fetch. Throughput of an uninterrupted upload, then the cost of a resume: the
 * connection is cut in the middle of the PATCH that crosses half the file (half its bytes
 * written, then the socket destroyed), and a second run of the client resumes from the server's
 * offset. Bytes put on the wire beyond the file's size are the resume's cost.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';
import path from 'node:path';
import type { FerryDb, OutboxEntry } from '../../localdb/index.js';
import { uploadAttachment } from '../../outbox/index.js';
import { uploadPath, newActionId } from '../../contract/index.js';
import { roomWith, signUpMany, userHeaders, type BenchUser } from '../ferry/api.js';
import { sleep } from '../lib/processes.js';
import { startFerryServers } from '../targets/ferry.js';
import type { BenchContext, ChartPanel, GoalResult, Row, ScenarioOutput } from '../types.js';

/** No goal number was set for uploads: a resume must cost at most one chunk re-sent. */
const MB = 1024 * 1024;

interface Run {
  ms: number;
  /** Request body bytes put on the wire (PATCH bodies, partial ones included). */
  wireBytes: number;
  requests: Record<string, number>;
}

export interface UploadResult {
  bytes: number;
  chunkBytes: number;
  plain: Run[];
  /** Cut at about half, then resumed. */
  resumed: Array<
    Run & { cutAt: number; serverOffsetAfterCut: number | null; firstPartMs: number; resumeMs: number }
  >;
}

/** Just what uploadAttachment reads: the entry and its file's bytes. */
function oneEntryDb(entry: OutboxEntry, blob: Blob): FerryDb {
  return {
    get: (store: string, id: string) =>
      Promise.resolve(
        store === 'outbox' && id === entry.id
          ? entry
          : store === 'attachments' && id === entry.attachment?.id
            ? { id, blob }
            : undefined,
      ),
  } as unknown as FerryDb;
}

/**
 * The client's fetch, against `base` as `user`, counting what it sends; `cut` (when given) decides
 * which PATCH is cut: half its body is written, then the connection is destroyed.
 */
function countingFetch(
  base: string,
  user: BenchUser,
  run: Run,
  cut?: (offset: number, size: number) => boolean,
): typeof fetch {
  return (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const method = init.method ?? 'GET';
    run.requests[method] = (run.requests[method] ?? 0) + 1;
    const headers = new Headers(init.headers);
    for (const [k, v] of Object.entries(userHeaders(user, base))) headers.set(k, v);
    const url = new URL(String(input), base);
    const body = init.body instanceof Blob ? Buffer.from(await init.body.arrayBuffer()) : null;
    if (method === 'PATCH' && body && cut?.(Number(headers.get('Upload-Offset')), body.length)) {
      run.wireBytes += await cutRequest(url, headers, body);
      throw new TypeError('fetch failed: the connection was cut');
    }
    if (body) run.wireBytes += body.length;
    return fetch(url, { method, headers, body, signal: init.signal });
  }) as typeof fetch;
}

/** Sends half of `body` of a request announcing all of it, then destroys the socket. */
function cutRequest(url: URL, headers: Headers, body: Buffer): Promise<number> {
  const half = Math.floor(body.length / 2);
  return new Promise((resolve) => {
    const req = httpRequest(url, {
      method: 'PATCH',
      headers: { ...Object.fromEntries(headers), 'content-length': String(body.length) },
    });
    req.on('error', () => undefined);
    req.write(body.subarray(0, half), () => {
      // Let the bytes reach the server before the connection goes.
      setTimeout(() => {
        req.destroy();
        resolve(half);
      }, 50);
    });
  });
}

async function serverOffsetOf(base: string, user: BenchUser, id: string): Promise<number | null> {
  const res = await fetch(new URL(uploadPath(id), base), {
    method: 'HEAD',
    headers: { ...userHeaders(user, base), 'Tus-Resumable': '1.0.0' },
  });
  const raw = res.headers.get('Upload-Offset');
  return res.ok && raw !== null ? Number(raw) : null;
}

function entryFor(conversationId: string, senderId: string, size: number): OutboxEntry {
  return {
    id: newActionId(),
    conversationId,
    kind: 'message',
    text: '',
    attachment: { id: randomUUID(), name: 'bench.bin', size, type: 'application/octet-stream' },
    typedAt: Date.now(),
    senderId,
    order: Date.now() * 1000,
    state: 'queued',
    attempts: 0,
    nextAttemptAt: 0,
  };
}

async function measure(ctx: BenchContext): Promise<UploadResult> {
  const p = ctx.params.upload;
  const size = p.megabytes * MB;
  const servers = await startFerryServers({
    logDir: ctx.logDir,
    dataDir: path.join(ctx.tmpDir, 'upload-ferry'),
    env: { ATTACHMENT_MAX_MB: String(Math.max(25, p.megabytes + 1)) },
  });
  const base = servers[0].url;
  try {
    const [me, friend] = await signUpMany(base, 2);
    const room = await roomWith(base, [me, friend], 'Upload bench');
    const blob = new Blob([randomBytes(size)]);
    const upload = async (run: Run, cut?: (offset: number, size: number) => boolean) => {
      const entry = entryFor(room.id, me.user.id, size);
      const db = oneEntryDb(entry, blob);
      const t0 = performance.now();
      const outcome = await uploadAttachment(db, entry, { fetchFn: countingFetch(base, me, run, cut) }).then(
        (o) => o,
        (e: Error) => ({ ok: false as const, thrown: e }),
      );
      return { entry, db, outcome, ms: performance.now() - t0 };
    };
    const plain: Run[] = [];
    const resumed: UploadResult['resumed'] = [];
    let chunkBytes = 0;
    for (let i = 0; i < p.runs; i++) {
      const run: Run = { ms: 0, wireBytes: 0, requests: {} };
      const r = await upload(run);
      if (!r.outcome.ok) throw new Error(`upload ${i + 1} failed: ${JSON.stringify(r.outcome)}`);
      run.ms = Math.round(r.ms * 10) / 10;
      plain.push(run);
      ctx.log(`  upload ${i + 1}: ${p.megabytes} MiB in ${run.ms} ms`);

      const cutRun: Run = { ms: 0, wireBytes: 0, requests: {} };
      let cutAt = -1;
      const first = await upload(cutRun, (offset, length) => {
        chunkBytes = Math.max(chunkBytes, length);
        if (cutAt >= 0 || offset + length <= size / 2) return false;
        cutAt = offset + Math.floor(length / 2);
        return true;
      });
      if (first.outcome.ok || cutAt < 0) throw new Error('the upload was not cut');
      await sleep(100);
      const offsetAfterCut = await serverOffsetOf(base, me, first.entry.attachment!.id);
      const t1 = performance.now();
      const second = await uploadAttachment(first.db, first.entry, {
        fetchFn: countingFetch(base, me, cutRun),
      });
      const resumeMs = performance.now() - t1;
      if (!second.ok) throw new Error(`the resumed upload failed: ${JSON.stringify(second)}`);
      cutRun.ms = Math.round((first.ms + resumeMs) * 10) / 10;
      resumed.push({
        ...cutRun,
        cutAt,
        serverOffsetAfterCut: offsetAfterCut,
        firstPartMs: Math.round(first.ms * 10) / 10,
        resumeMs: Math.round(resumeMs * 10) / 10,
      });
      ctx.log(
        `  cut at ${(cutAt / MB).toFixed(2)} MiB (server kept ${offsetAfterCut ?? '-'} bytes), resumed: ` +
          `${cutRun.wireBytes - size} bytes re-sent, ${cutRun.ms} ms in all`,
      );
    }
    return { bytes: size, chunkBytes, plain, resumed };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)] ?? NaN;

/** The scenario: uploads through the real tus endpoint, plain and cut at half then resumed. */
export async function uploadScenario(ctx: BenchContext): Promise<ScenarioOutput> {
  const r = await measure(ctx);
  const mib = r.bytes / MB;
  const plainMs = median(r.plain.map((x) => x.ms));
  const resumedMs = median(r.resumed.map((x) => x.ms));
  const resent = median(r.resumed.map((x) => x.wireBytes - r.bytes));
  const throughput = Math.round((mib / (plainMs / 1000)) * 10) / 10;
  const row = (metric: string, unit: string, v: number): Row => ({
    scenario: 'upload',
    metric,
    unit,
    ferry: v,
    baseline: null,
    ratio: null,
  });
  const rows = [
    row(`upload of ${mib} MiB, uninterrupted (median of ${r.plain.length})`, 'MiB/s', throughput),
    row(`upload of ${mib} MiB, uninterrupted`, 'ms', plainMs),
    row('cut at half, then resumed: time in all (without any wait between)', 'ms', resumedMs),
    row('cut at half, then resumed: bytes re-sent', 'KiB', Math.round(resent / 102.4) / 10),
  ];
  const goals: GoalResult[] = [
    {
      id: 'upload-resume',
      scenario: 'upload',
      label: 'Upload: a resume re-sends at most one chunk',
      target: `<= ${Math.round(r.chunkBytes / 1024)} KiB`,
      actual: Math.round(resent / 102.4) / 10,
      unit: 'KiB',
      pass: r.chunkBytes > 0 ? resent <= r.chunkBytes : null,
      note: `cut in the middle of a PATCH at about half of ${mib} MiB; median of ${r.resumed.length}`,
    },
  ];
  const charts: ChartPanel[] = [
    {
      title: `Upload: ${mib} MiB through tus`,
      unit: 'ms',
      groups: [
        { label: 'uninterrupted', ferry: plainMs, baseline: null },
        { label: 'cut + resumed', ferry: resumedMs, baseline: null },
      ],
    },
  ];
  return {
    rows,
    goals,
    charts,
    notes: [
      `Ferry one node (SQLite, attachments on its disk), uploads through its tus endpoint with the client's own ` +
        `outbox/upload.ts driven from Node (fetch; chunks of ${Math.round(r.chunkBytes / 1024)} KiB, HEAD first). ` +
        'No goal figure was set for throughput: it is reported. Resume: half of the PATCH crossing the middle of the ' +
        'file is written, then the connection is destroyed; the client is run again and resumes at the server’s offset ' +
        `(the server kept ${r.resumed.map((x) => x.serverOffsetAfterCut ?? '-').join(', ')} bytes of cuts at ` +
        `${r.resumed.map((x) => x.cutAt).join(', ')}). The time excludes the wait a drainer would make before retrying.`,
    ],
    data: r,
  };
}
