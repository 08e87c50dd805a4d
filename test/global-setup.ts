import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedDatabase } from '../src/db/embedded-postgres.js';
import { createLogger } from '../src/logger.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Maintenance database of the test PostgreSQL server; each test file creates its own database there. */
    adminDatabaseUrl: string;
  }
}

/** One real PostgreSQL server for the whole run (embedded, throw-away data directory). */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'balance-test-pg-'));
  const database = await startEmbeddedDatabase({
    dataDir,
    database: 'postgres',
    logger: createLogger({ logLevel: 'warn' }),
    settings: { max_connections: '300' },
  });
  project.provide('adminDatabaseUrl', database.url);
  return async () => {
    await database.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
