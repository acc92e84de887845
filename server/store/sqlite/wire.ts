/**
 * What crosses between the event loop and the store's worker threads: requests, replies and
 * errors. Structured clone keeps an Error's message but drops its `code`, so errors travel as
 * plain objects and are rebuilt on the other side with the class and code callers test for.
 */
import Database from 'better-sqlite3';
import type { ErrorCode } from '../../../contract/errors.js';
import { StoreError } from '../errors.js';

/** One call into a worker. */
export interface Request {
  id: number;
  op: string;
  args: unknown;
}

/** A worker's answer to one request. */
export type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: WireError };

/** An error as it crosses a thread boundary. */
export type WireError =
  | { kind: 'store'; code: ErrorCode; message: string; retryAfterMs?: number }
  | { kind: 'sqlite'; code: string; message: string }
  | { kind: 'other'; message: string };

/** One input's result inside a committed batch, as it crosses the boundary. */
export type WireOutcome = { ok: true; value: unknown } | { ok: false; error: WireError };

/** The plain form of any thrown value. */
export function errorToWire(error: unknown): WireError {
  if (error instanceof StoreError) {
    const wire: WireError = { kind: 'store', code: error.code, message: error.message };
    if (error.retryAfterMs !== undefined) wire.retryAfterMs = error.retryAfterMs;
    return wire;
  }
  if (error instanceof Database.SqliteError)
    return { kind: 'sqlite', code: error.code, message: error.message };
  return { kind: 'other', message: error instanceof Error ? error.message : String(error) };
}

/** Rebuilds the error a worker threw: a StoreError, a SqliteError with its code, or a plain Error. */
export function errorFromWire(wire: WireError): Error {
  switch (wire.kind) {
    case 'store':
      return new StoreError(wire.code, wire.message, { retryAfterMs: wire.retryAfterMs });
    case 'sqlite':
      return new Database.SqliteError(wire.message, wire.code);
    default:
      return new Error(wire.message);
  }
}

/**
 * The value of an append that created its entry exactly as newEntry makes it from the input (all
 * but a message with an attachment): only its seq and time cross back, and the store rebuilds the
 * entry from the input it still holds, which spares copying every message twice between threads.
 */
export interface CreatedEntry {
  createdSeq: number;
  createdAt: number;
}

/** True when `value` is a CreatedEntry. */
export const isCreatedEntry = (value: unknown): value is CreatedEntry =>
  typeof (value as CreatedEntry | null)?.createdSeq === 'number';
