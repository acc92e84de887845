/**
 * The server's configured limits, as last heard. A file is checked against them before it is
 * queued (a file the server would refuse must never sit in the outbox); the last answer is kept in
 * localStorage so the check holds offline and before the first answer of a page load. Until a
 * server has answered once, the contract's defaults apply (the server refuses larger files anyway,
 * with FILE_TOO_LARGE).
 */
import { ATTACHMENT_MAX_MB_DEFAULT, HttpPath, type Ack, type ServerLimits } from '../../contract/index';

const STORAGE_KEY = 'ferry.serverLimits';
const DEFAULTS: ServerLimits = { attachmentMaxBytes: ATTACHMENT_MAX_MB_DEFAULT * 1024 * 1024 };

const isLimits = (value: unknown): value is ServerLimits =>
  typeof value === 'object' &&
  value !== null &&
  Number.isSafeInteger((value as ServerLimits).attachmentMaxBytes) &&
  (value as ServerLimits).attachmentMaxBytes > 0;

function remembered(): ServerLimits {
  try {
    const saved: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null');
    return isLimits(saved) ? saved : DEFAULTS;
  } catch {
    return DEFAULTS;
  }
}

let current: ServerLimits | null = null;

/** The limits to check against now: the server's last answer, else the contract's defaults. */
export function serverLimits(): ServerLimits {
  current ??= remembered();
  return current;
}

/** The largest file a message may carry, in bytes. */
export function attachmentMaxBytes(): number {
  return serverLimits().attachmentMaxBytes;
}

/** The same limit in whole MiB, for messages to the user. */
export function attachmentMaxMb(): number {
  return Math.round((attachmentMaxBytes() / (1024 * 1024)) * 10) / 10;
}

/** Asks the server for its limits and remembers them; offline or on a bad answer, keeps the last ones. */
export async function refreshServerLimits(): Promise<void> {
  try {
    const response = await fetch(HttpPath.limits, { credentials: 'same-origin' });
    const answer = (await response.json()) as Ack<{ limits: unknown }>;
    if (!answer.ok || !isLimits(answer.limits)) return;
    current = { attachmentMaxBytes: answer.limits.attachmentMaxBytes };
    localStorage.setItem(STORAGE_KEY, JSON.stringify(current));
  } catch {
    // Offline or not JSON: the remembered limits stay.
  }
}
