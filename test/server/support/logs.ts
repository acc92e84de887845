/** A real pino logger whose JSON lines a test can read (to prove what is, or is not, logged). */
import { createLogger, type Logger } from '../../../server/ops/logger.js';

export interface CapturedLogs {
  logger: Logger;
  /** Every line so far, parsed. */
  lines: { level: number; msg?: string; [key: string]: unknown }[];
}

/** A logger at `level` that keeps its lines in memory. */
export function captureLogs(level = 'debug'): CapturedLogs {
  const lines: CapturedLogs['lines'] = [];
  const logger = createLogger({
    level,
    destination: {
      write(line: string) {
        lines.push(JSON.parse(line) as CapturedLogs['lines'][number]);
      },
    },
  });
  return { logger, lines };
}
