import type { Transaction } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';

/** The service's MikroORM instance (initOrm in orm.ts makes it). */
export type Orm = MikroORM;

/** An open transaction of MikroORM's connection; pass it to every statement that belongs to it. */
export type Tx = Transaction;

/** A row as PostgreSQL returns it through pg: bigint and numeric as strings, timestamptz as text. */
export type Row = Record<string, unknown>;

/**
 * The one way the service reaches the database: SQL statements through MikroORM's connection (`execute`,
 * `?` placeholders, values quoted by MikroORM), optionally inside a transaction of MikroORM's transaction API.
 * Every feature's store is built on it; nothing else opens connections.
 */
export class Sql {
  constructor(private readonly orm: Orm) {}

  private get connection() {
    return this.orm.em.getConnection();
  }

  /** Runs one statement and returns its rows. */
  rows<T extends object = Row>(sql: string, params: readonly unknown[] = [], tx?: Tx): Promise<T[]> {
    return this.connection.execute<T[]>(sql, params, 'all', tx);
  }

  /** Runs `work` in one transaction (read committed): committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.connection.transactional(work);
  }

  /** The pg pool behind MikroORM's connection (for the pool gauges). */
  pool(): Promise<{ totalCount: number; idleCount: number; waitingCount: number }> {
    return this.connection.getNativeClient();
  }
}
