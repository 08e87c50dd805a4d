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

  /** `text` uses `$1..$n` for the parameters, whose PostgreSQL types `types` lists. */
  constructor(
    readonly name: string,
    readonly types: readonly string[],
    readonly text: string,
  ) {
    if (PreparedStatement.registered.has(name)) throw new Error(`prepared statement ${name} is defined twice`);
    PreparedStatement.registered.set(name, this);
  }

  /**
   * What a store passes to `Sql.rows` (without parameters): `execute name('...', ...)` with the values quoted
   * here. MikroORM's quoting walks a string a character at a time; a batch's statement carries a quarter of a
   * megabyte of JSON, and quoting it that way took 13 ms of the 2 ms it takes here.
   */
  call(values: readonly (string | number | null)[]): string {
    if (values.length !== this.types.length) {
      throw new Error(`${this.name} takes ${this.types.length} values, not ${values.length}`);
    }
    return `execute ${this.name}(${values.map(literal).join(', ')})`;
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

/** A value as an SQL literal, as libpq's PQescapeLiteral writes it (E'' with doubled backslashes when it has any). */
function literal(value: string | number | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error(`not an integer: ${value}`);
    return String(value);
  }
  const quoted = value.replaceAll("'", "''");
  return value.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}
