/** Runs one measurement on the baseline and on Ferry, each started fresh and always stopped. */
import type { Target, TargetName } from '../targets/types.js';

export interface SideOutcome<T> {
  value?: T;
  error?: string;
}

/** Starts a target, runs `fn` on it, stops it; an error is kept, not thrown, so the other side still runs. */
export async function onTarget<T>(
  start: () => Promise<Target>,
  fn: (t: Target) => Promise<T>,
): Promise<SideOutcome<T>> {
  let target: Target | undefined;
  try {
    target = await start();
    return { value: await fn(target) };
  } catch (e) {
    return { error: e instanceof Error ? e.message : String(e) };
  } finally {
    await target?.stop().catch(() => undefined);
  }
}

/** "ferry: <error>" lines for the sides that failed. */
export function sideErrors(sides: Partial<Record<TargetName, SideOutcome<unknown>>>): string[] {
  return Object.entries(sides)
    .filter(([, s]) => s?.error)
    .map(([name, s]) => `${name}: ${s?.error}`);
}
