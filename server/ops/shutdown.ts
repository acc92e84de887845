/**
 * Graceful shutdown on SIGTERM/SIGINT: the first signal closes the app (stop accepting, finish
 * pending commits, close sockets and the store) and exits 0; a second signal or the timeout
 * forces exit 1, so a stuck close never keeps an orchestrator waiting forever.
 */
import type { Logger } from 'pino';

export interface ShutdownOptions {
  /** Closes everything; resolves when it is safe to exit. */
  close: () => Promise<void>;
  logger: Logger;
  /** Longest a graceful close may take before exit is forced. */
  timeoutMs?: number;
  signals?: readonly NodeJS.Signals[];
  /** Injected by tests; process.exit otherwise. */
  exit?: (code: number) => void;
}

export interface Shutdown {
  /** Starts a graceful shutdown (as a signal would), exiting with `exitCode` once closed. */
  begin(reason: string, exitCode?: number): void;
  /** Removes the signal handlers. */
  uninstall(): void;
}

export const SHUTDOWN_TIMEOUT_MS = 10_000;

/** Installs the signal handlers. */
export function installShutdown(options: ShutdownOptions): Shutdown {
  const { close, logger } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const timeoutMs = options.timeoutMs ?? SHUTDOWN_TIMEOUT_MS;
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  let closing = false;

  const begin = (reason: string, exitCode = 0): void => {
    if (closing) {
      logger.warn({ reason }, 'asked again to stop: exiting now without finishing');
      exit(1);
      return;
    }
    closing = true;
    logger.info({ reason, timeoutMs }, 'shutting down: finishing pending commits, closing connections');
    const timer = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out: exiting now');
      exit(1);
    }, timeoutMs);
    close().then(
      () => {
        clearTimeout(timer);
        logger.info('shutdown complete');
        exit(exitCode);
      },
      (err: unknown) => {
        clearTimeout(timer);
        logger.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  };

  const onSignal = (signal: NodeJS.Signals): void => begin(signal);
  for (const signal of signals) process.on(signal, onSignal);
  return {
    begin,
    uninstall() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
