import { CompiledQuery, type DatabaseConnection } from 'kysely';
import { PG } from './errors.js';

/**
 * A statement PostgreSQL parses and plans once per connection (`PREPARE`), run through MikroORM's `execute`
 * as `execute name(?, ...)`. For the balance path's hot statements: sent as text, a batch's statement is
 * parsed and planned again every time, on the same two cores that serve the requests.
 *
 * Statements register themselves when their store's module loads; every new pooled connection prepares them
 * all (`prepareStatementsOn`, MikroORM's `onCreateConnection`).
 */
export class PreparedStatement {
  private static readonly registered = new Map<string, PreparedStatement>();

  /** What a store passes to `Sql.rows`: `execute name(?, ?, ...)`. */
  readonly call: string;

  /** `text` uses `$1..$n` for the parameters, whose PostgreSQL types `types` lists. */
  constructor(
    readonly name: string,
    readonly types: readonly string[],
    readonly text: string,
  ) {
    if (PreparedStatement.registered.has(name)) throw new Error(`prepared statement ${name} is defined twice`);
    PreparedStatement.registered.set(name, this);
    this.call = `execute ${name}(${types.map(() => '?').join(', ')})`;
  }

  static all(): readonly PreparedStatement[] {
    return [...PreparedStatement.registered.values()];
  }
}

/** PostgreSQL's answers while the schema a statement names does not exist yet (before the migrations). */
const SCHEMA_NOT_READY = new Set<string>([PG.UNDEFINED_TABLE, PG.UNDEFINED_COLUMN, PG.UNDEFINED_FUNCTION]);

/**
 * Prepares every registered statement on a new connection. On a database whose migrations have not run yet
 * the statements cannot be prepared: they are skipped, and `migrate` starts a new pool once the schema is in
 * place, so no connection the service uses lacks them.
 */
export async function prepareStatementsOn(connection: DatabaseConnection): Promise<void> {
  for (const statement of PreparedStatement.all()) {
    const sql = `prepare ${statement.name} (${statement.types.join(', ')}) as ${statement.text}`;
    try {
      await connection.executeQuery(CompiledQuery.raw(sql));
    } catch (error) {
      if (!SCHEMA_NOT_READY.has(String((error as { code?: unknown }).code))) throw error;
    }
  }
}
