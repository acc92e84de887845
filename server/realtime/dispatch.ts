/**
 * Runs one inbound socket event: finds its handler, validates the payload, answers with the Ack
 * envelope. Unknown events get UNKNOWN_EVENT; without an ack callback errors go out as `ferry:error`.
 * Running handlers are counted (InFlight) so shutdown can wait for their acks; once it has begun,
 * events are answered UNAVAILABLE. Nothing a client sends can throw out of here.
 */
import type { Logger } from 'pino';
import { ErrorCode, type WireError } from '../../contract/errors.js';
import { MAX_PAYLOAD_BYTES } from '../../contract/limits.js';
import type { Ack } from '../../contract/events.js';
import { AppError, serverRestarting, toWireError } from '../errors.js';
import { handlers, parsePayload, type EventHandler, type HandlerContext } from './handlers.js';
import type { InFlight } from './inFlight.js';
import { ServerEvent } from '../../contract/index.js';

type AckFn = (response: Ack) => void;
const table = new Map<string, EventHandler>(Object.entries(handlers));

export interface DispatchEnv {
  logger: Logger;
  inFlight: InFlight;
}

/** Handles `event` with socket.io's raw arguments (payload first, ack callback last). */
export function dispatch(ctx: HandlerContext, env: DispatchEnv, event: string, args: unknown[]): void {
  const { logger, inFlight } = env;
  const last = args.at(-1);
  const ack = typeof last === 'function' ? (last as AckFn) : null;
  const payload = ack && args.length === 1 ? undefined : args[0];
  if (inFlight.draining) return fail(ctx, ack, event, serverRestarting().toWire());

  const entry = table.get(event);
  if (!entry) {
    const shown = event.length > 64 ? `${event.slice(0, 64)}…` : event;
    return fail(ctx, ack, event, {
      code: ErrorCode.UNKNOWN_EVENT,
      message: `"${shown}" is not an event this server knows. Update the app.`,
    });
  }
  if (payload !== undefined && overPayloadLimit(payload)) {
    return fail(ctx, ack, event, {
      code: ErrorCode.PAYLOAD_TOO_LARGE,
      message: `This is larger than ${MAX_PAYLOAD_BYTES / 1024} KB. Send less at once.`,
    });
  }
  const input = parsePayload(entry, event, payload);
  if (input instanceof AppError) return fail(ctx, ack, event, input.toWire());

  inFlight.begin();
  let pending: Promise<object>;
  try {
    pending = entry.run(ctx, input);
  } catch (err) {
    pending = Promise.reject(err);
  }
  pending
    .then(
      (result) => {
        if (ack) reply(ack, { ok: true, ...result });
      },
      (err: unknown) => {
        if (!(err instanceof AppError))
          logger.error({ err, event, userId: ctx.user.id }, 'socket handler failed');
        fail(ctx, ack, event, toWireError(err));
      },
    )
    // Counted down only after the answer went to the connection: shutdown waits for that.
    .finally(() => inFlight.end());
}

/** True when the payload, as JSON in UTF-8, is larger than MAX_PAYLOAD_BYTES. */
function overPayloadLimit(payload: unknown): boolean {
  if (flatSizeBound(payload) <= MAX_PAYLOAD_BYTES) return false;
  try {
    return Buffer.byteLength(JSON.stringify(payload) ?? '', 'utf8') > MAX_PAYLOAD_BYTES;
  } catch {
    return true; // too deep to even measure
  }
}

/**
 * A cheap upper bound of a flat object's JSON size (every event the contract knows is one), so
 * the usual payload is never serialised just to be measured; Infinity for anything else. A UTF-16
 * unit takes at most 6 bytes in JSON (`\u001f`).
 */
function flatSizeBound(payload: unknown): number {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) return Infinity;
  let bound = 2;
  for (const key in payload) {
    const value = (payload as Record<string, unknown>)[key];
    if (typeof value === 'string') bound += 6 * (key.length + value.length) + 6;
    else if (typeof value === 'number' || typeof value === 'boolean' || value === null) {
      bound += 6 * key.length + 30;
    } else return Infinity;
  }
  return bound;
}

function fail(ctx: HandlerContext, ack: AckFn | null, event: string, error: WireError): void {
  if (ack) reply(ack, { ok: false, error });
  else if (ctx.socket.connected) ctx.socket.emit(ServerEvent.error, { event, error });
}

function reply(ack: AckFn, response: Ack): void {
  try {
    ack(response);
  } catch {
    // The socket went away between the event and the answer: nothing left to tell.
  }
}
