/**
 * PostgreSQL error codes and what they mean to this service, in one place. Errors arrive from pg through
 * MikroORM's connection (Kysely underneath) unconverted, with `code` (SQLSTATE) and `constraint`.
 */
export const PG = {
  UNIQUE_VIOLATION: '23505',
  UNDEFINED_TABLE: '42P01',
  UNDEFINED_COLUMN: '42703',
  UNDEFINED_FUNCTION: '42883',
  SERIALIZATION_FAILURE: '40001',
  DEADLOCK_DETECTED: '40P01',
  ADMIN_SHUTDOWN: '57P01',
  CRASH_SHUTDOWN: '57P02',
  CANNOT_CONNECT_NOW: '57P03',
  TOO_MANY_CONNECTIONS: '53300',
  /** Class 08: connection exceptions. */
  CONNECTION_EXCEPTION_CLASS: '08',
} as const;

interface PgErrorFields {
  code?: unknown;
  sqlState?: unknown;
  constraint?: unknown;
}

/** Whether `error` is a unique violation of `constraint`. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const { code, constraint: violated } = (error ?? {}) as PgErrorFields;
  return code === PG.UNIQUE_VIOLATION && violated === constraint;
}

/** A transaction PostgreSQL aborted to resolve a conflict (deadlock, serialization): safe to run again. */
export function isTransientConflict(error: unknown): boolean {
  const { code } = (error ?? {}) as PgErrorFields;
  return code === PG.SERIALIZATION_FAILURE || code === PG.DEADLOCK_DETECTED;
}

const UNAVAILABLE_CODES = new Set<string>([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  PG.ADMIN_SHUTDOWN,
  PG.CRASH_SHUTDOWN,
  PG.CANNOT_CONNECT_NOW,
  PG.TOO_MANY_CONNECTIONS,
]);
// pg's pool and client messages (no codes): connect and acquire timeouts, dropped sockets, a closed pool.
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error|timeout exceeded when trying to connect|terminating connection|the database system is (starting up|shutting down)|Connection is closed|not queryable|Client was closed|Cannot use a pool after calling end|driver has already been destroyed/i;

/**
 * Whether an error means "the database cannot be reached right now" (down, restarting, refusing
 * connections, pool wait timed out) rather than a bug: such requests are answered SERVICE_UNAVAILABLE and
 * may be retried. Checked along the whole `cause` chain.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const { code, sqlState } = current as Error & PgErrorFields;
    for (const value of [code, sqlState]) {
      if (typeof value !== 'string') continue;
      if (UNAVAILABLE_CODES.has(value) || value.startsWith(PG.CONNECTION_EXCEPTION_CLASS)) return true;
    }
    if (current.name === 'ConnectionException') return true;
    if (UNAVAILABLE_MESSAGES.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    current = current.cause;
  }
  return false;
}
