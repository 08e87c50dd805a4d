/**
 * Whether an error means "the database cannot be reached right now" (down, restarting, refusing
 * connections, pool wait timed out) rather than a bug: such requests are answered SERVICE_UNAVAILABLE and
 * may be retried. Recognised by PostgreSQL SQLSTATE class 08 / 57P0x / 53300, socket error codes, and the
 * messages of pg, knex and MikroORM, along the whole `cause` chain.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
]);
const UNAVAILABLE_MESSAGES =
  /Connection terminated|connection error|Timeout acquiring a connection|terminating connection|the database system is (starting up|shutting down)|Connection is closed|not queryable/i;

export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const { code, sqlState, name } = current as Error & { code?: unknown; sqlState?: unknown };
    if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
    if (typeof sqlState === 'string' && (UNAVAILABLE_CODES.has(sqlState) || sqlState.startsWith('08'))) return true;
    if (name === 'KnexTimeoutError' || name === 'ConnectionException') return true;
    if (UNAVAILABLE_MESSAGES.test(current.message)) return true;
    if (current instanceof AggregateError && current.errors.some(isDatabaseUnavailable)) return true;
    current = current.cause;
  }
  return false;
}
