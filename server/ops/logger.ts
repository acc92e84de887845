/** Structured JSON logs (pino): one factory so the entry, the app and tests configure them alike. */
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** LOG_LEVEL: fatal, error, warn, info, debug, trace or silent. */
  level?: string;
  /** Tests: log nothing. */
  silent?: boolean;
  /** Added to every line so logs from several nodes can be told apart. */
  nodeId?: string;
  /** Where lines go (default: stdout). */
  destination?: DestinationStream;
}

/** Creates the server's logger; secrets (cookies, passwords) are redacted. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.silent ? 'silent' : (options.level ?? 'info'),
      base: options.nodeId ? { node: options.nodeId } : { pid: process.pid },
      redact: {
        paths: [
          'req.headers.cookie',
          'headers.cookie',
          'res.headers["set-cookie"]',
          'password',
          '*.password',
          'passwordHash',
          '*.passwordHash',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
