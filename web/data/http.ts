import { ErrorCode, isAck, type Ack } from '../../contract/index';
import { OFFLINE_ANSWER } from '../../net/index';

/** POSTs JSON to the Ferry API (same origin, so the session cookie goes along) and returns its Ack. */
export async function postJson<T extends object>(path: string, body: unknown): Promise<Ack<T>> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    return { ok: false, error: OFFLINE_ANSWER };
  }
  try {
    const answer: unknown = await response.json();
    if (isAck(answer)) return answer as Ack<T>;
  } catch {
    // Not JSON (e.g. a proxy's error page): answered below.
  }
  return {
    ok: false,
    error: {
      code: ErrorCode.UNAVAILABLE,
      message: `The server could not be reached (HTTP ${response.status}). Try again later.`,
    },
  };
}
