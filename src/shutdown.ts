import type { Logger } from './logger.js';

export interface ShutdownOptions {
  logger: Logger;
  /** After this long the process exits with 1 however far `stop` got: a signal always ends the process. */
  deadlineMs: number;
  exit?: (code: number) => void;
}

/**
 * Runs `stop` once (on the first call, whatever the reason), then exits with the code it returns, or 1 if it
 * throws. If `stop` has not finished by the deadline (a database that does not answer, a worker that does not
 * exit), the process exits with 1 anyway: a process manager's SIGTERM must end the process, not wait forever.
 */
export function shutdownOnce(
  stop: () => Promise<number>,
  { logger, deadlineMs, exit = (code) => process.exit(code) }: ShutdownOptions,
): (reason: string) => Promise<void> {
  let stopping: Promise<void> | undefined;
  return (reason) => {
    if (stopping) {
      logger.info({ reason }, 'already shutting down');
      return stopping;
    }
    logger.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error({ reason, deadlineMs }, 'shutdown did not finish in time: exiting');
      exit(1);
    }, deadlineMs);
    stopping = (async () => {
      let exitCode: number;
      try {
        exitCode = await stop();
      } catch (error) {
        logger.error({ err: error }, 'error during shutdown');
        exitCode = 1;
      }
      clearTimeout(deadline);
      exit(exitCode);
    })();
    return stopping;
  };
}
