import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { EMBEDDED_DATABASE_NAME, startEmbeddedDatabase, type EmbeddedDatabase } from './embedded-postgres.js';
import { runningEmbeddedDatabaseUrl } from './postgres-data-dir.js';

export interface CommandDatabase {
  /** Connection URL (contains a password: never print it). */
  readonly url: string;
  /** Where it came from, for the command's own output. */
  readonly description: string;
  /** Stops the embedded PostgreSQL if this command started it; otherwise nothing. */
  close(): Promise<void>;
}

/**
 * The database for a one-shot command (grant, verify): `DATABASE_URL` when set; else the embedded PostgreSQL a
 * running server owns (found through its postmaster.pid); else one started for the command and stopped after.
 */
export async function openCommandDatabase(config: Config, logger: Logger): Promise<CommandDatabase> {
  if (config.databaseUrl !== undefined) {
    return { url: config.databaseUrl, description: 'the PostgreSQL of DATABASE_URL', close: () => Promise.resolve() };
  }
  const running = await runningEmbeddedDatabaseUrl(config.dataDir, EMBEDDED_DATABASE_NAME);
  if (running) {
    return {
      url: running,
      description: `the embedded PostgreSQL already running on ${config.dataDir}`,
      close: () => Promise.resolve(),
    };
  }
  const embedded: EmbeddedDatabase = await startEmbeddedDatabase({
    dataDir: config.dataDir,
    database: EMBEDDED_DATABASE_NAME,
    logger,
  });
  return {
    url: embedded.url,
    description: `the embedded PostgreSQL on ${config.dataDir} (started for this command)`,
    close: () => embedded.stop(),
  };
}
