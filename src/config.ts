import os from 'node:os';
import path from 'node:path';
import { bool, ConfigError, cronPattern, int, oneOf, read, type Env } from './config-values.js';
import { webhookConfig, type WebhookConfig } from './webhook-config.js';

export type NodeEnv = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type AuthMode = 'off' | 'jwt';

/** How bearer tokens are checked when `mode` is `jwt`: exactly one of `secret` (HS256) and `jwksUrl`. */
export interface AuthConfig {
  readonly mode: AuthMode;
  readonly secret: string | undefined;
  readonly jwksUrl: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

/** Limits on one GraphQL document (graphql-armor), checked before anything runs. */
export interface QueryLimits {
  readonly depth: number;
  readonly aliases: number;
  readonly cost: number;
  readonly tokens: number;
  readonly directives: number;
}

export interface Config {
  readonly nodeEnv: NodeEnv;
  readonly production: boolean;
  readonly port: number;
  readonly host: string;
  readonly logLevel: LogLevel;
  /** External PostgreSQL; when absent an embedded one is started in `dataDir`. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /** `'*'` or an explicit list of allowed origins. */
  readonly corsOrigins: '*' | readonly string[];
  readonly bodyLimitBytes: number;
  readonly queryLimits: QueryLimits;
  readonly auth: AuthConfig;
  readonly dbPoolSize: number;
  /** How long a request waits for a database connection before it is answered SERVICE_UNAVAILABLE. */
  readonly dbConnectTimeoutMs: number;
  /** Most operations of one user in one round. */
  readonly batchMaxSize: number;
  /** Most operations in one `batch` mutation. */
  readonly batchOperationsMax: number;
  readonly batchMaxAttempts: number;
  /** Most operations in one round (one transaction of the balance path), over all its users. */
  readonly roundMaxOperations: number;
  /** Rounds in flight at once per process; each holds a connection, so it stays below DB_POOL_SIZE. */
  readonly roundConcurrency: number;
  /** Users whose last committed balance and version each process remembers (LRU). */
  readonly stateCacheSize: number;
  readonly shutdownTimeoutMs: number;
  /** Server processes sharing the port (node:cluster); 1 runs the server in this process. */
  readonly workers: number;
  /** The daily credit grant inside the server. */
  readonly grantEnabled: boolean;
  readonly grantAmount: number;
  /** Cron pattern, evaluated in UTC. */
  readonly grantCron: string;
  /** Subscriptions (balanceChanged over WebSocket): most per connection, most per process. */
  readonly subscriptionsPerConnection: number;
  readonly subscriptionsMax: number;
  /** Messages one subscriber may have waiting before they are replaced by the latest state. */
  readonly subscriptionBuffer: number;
  /** How long a message may wait for its subscriber before the waiting ones give way to the latest state. */
  readonly subscriptionMaxDelayMs: number;
  /** How often each process releases expired holds. */
  readonly holdSweepIntervalMs: number;
  readonly webhooks: WebhookConfig;
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: readonly NodeEnv[] = ['development', 'production', 'test'];

function databaseUrl(env: Env): string | undefined {
  const raw = read(env, 'DATABASE_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value may hold a password: never echo it.
    throw new ConfigError('DATABASE_URL is not a valid URL (expected postgres://user:password@host:port/database)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got "${url.protocol}//")`);
  }
  if (url.pathname.length <= 1) throw new ConfigError('DATABASE_URL must name a database (…/database)');
  return raw;
}

function corsOrigins(env: Env): '*' | readonly string[] {
  const raw = read(env, 'CORS_ORIGINS');
  if (raw === undefined || raw === '*') return '*';
  const origins = raw
    .split(',')
    .map((origin) => origin.trim())
    .filter(Boolean);
  for (const origin of origins) {
    if (!/^https?:\/\/[^/\s]+$/.test(origin)) {
      throw new ConfigError(`CORS_ORIGINS entries must look like https://example.com (got "${origin}")`);
    }
  }
  return Object.freeze(origins);
}

const MIN_SECRET_LENGTH = 32;

function authConfig(env: Env, production: boolean): AuthConfig {
  const rawMode = read(env, 'AUTH_MODE');
  if (rawMode === undefined && production) {
    throw new ConfigError(
      'AUTH_MODE must be set explicitly when NODE_ENV=production: jwt, or off to run without authentication',
    );
  }
  const mode = oneOf<AuthMode>(env, 'AUTH_MODE', ['off', 'jwt'], 'off');
  const secret = read(env, 'JWT_SECRET');
  const jwksUrl = read(env, 'JWKS_URL');
  if (mode === 'jwt') {
    if ((secret === undefined) === (jwksUrl === undefined)) {
      throw new ConfigError('AUTH_MODE=jwt needs exactly one of JWT_SECRET (HS256) and JWKS_URL');
    }
    // Never echo the secret itself, not even in part.
    if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
      throw new ConfigError(`JWT_SECRET must have at least ${MIN_SECRET_LENGTH} characters`);
    }
    if (jwksUrl !== undefined && !/^https?:\/\/\S+$/.test(jwksUrl)) {
      throw new ConfigError(`JWKS_URL must be an http(s) URL (got "${jwksUrl}")`);
    }
  }
  return Object.freeze({ mode, secret, jwksUrl, issuer: read(env, 'JWT_ISSUER'), audience: read(env, 'JWT_AUDIENCE') });
}

/** Rounds in flight per process by default (see docs/performance.md for the measurement). */
const DEFAULT_ROUND_CONCURRENCY = 2;

/** Parses the environment once; throws ConfigError with a message fit for an operator. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', NODE_ENVS, 'development');
  const production = nodeEnv === 'production';
  const dbPoolSize = int(env, 'DB_POOL_SIZE', 10, 2, 200);
  // Rounds leave at least one connection of the pool to reads (ledger pages, users, health).
  const roundConcurrency = int(env, 'ROUND_CONCURRENCY', Math.min(DEFAULT_ROUND_CONCURRENCY, dbPoolSize - 1), 1, 200);
  if (roundConcurrency >= dbPoolSize) {
    throw new ConfigError(
      `ROUND_CONCURRENCY (${roundConcurrency}) must be below DB_POOL_SIZE (${dbPoolSize}): reads need a connection too`,
    );
  }
  return Object.freeze({
    nodeEnv,
    production,
    port: int(env, 'PORT', 4000, 0, 65535),
    host: read(env, 'HOST') ?? '127.0.0.1',
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    databaseUrl: databaseUrl(env),
    dataDir: path.resolve(read(env, 'DATA_DIR') ?? '.data'),
    corsOrigins: corsOrigins(env),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 100 * 1024, 1024, 50 * 1024 * 1024),
    queryLimits: Object.freeze({
      depth: int(env, 'MAX_QUERY_DEPTH', 10, 2, 100),
      aliases: int(env, 'MAX_QUERY_ALIASES', 15, 0, 1000),
      cost: int(env, 'MAX_QUERY_COST', 5000, 10, 1_000_000),
      tokens: int(env, 'MAX_QUERY_TOKENS', 1000, 50, 100_000),
      directives: int(env, 'MAX_QUERY_DIRECTIVES', 20, 0, 1000),
    }),
    auth: authConfig(env, production),
    dbPoolSize,
    dbConnectTimeoutMs: int(env, 'DB_CONNECT_TIMEOUT_MS', 5000, 100, 120_000),
    batchMaxSize: int(env, 'BATCH_MAX_SIZE', 1000, 1, 100_000),
    batchOperationsMax: int(env, 'BATCH_OPERATIONS_MAX', 1000, 1, 10_000),
    batchMaxAttempts: int(env, 'BATCH_MAX_ATTEMPTS', 5, 1, 50),
    roundMaxOperations: int(env, 'ROUND_MAX_OPERATIONS', 2000, 1, 1_000_000),
    roundConcurrency,
    stateCacheSize: int(env, 'STATE_CACHE_SIZE', 50_000, 0, 10_000_000),
    shutdownTimeoutMs: int(env, 'SHUTDOWN_TIMEOUT_MS', 10_000, 0, 600_000),
    workers: int(env, 'WORKERS', nodeEnv === 'production' ? os.availableParallelism() : 1, 1, 256),
    grantEnabled: bool(env, 'GRANT_ENABLED', true),
    grantAmount: int(env, 'GRANT_AMOUNT', 5, 1, 2_147_483_647),
    grantCron: cronPattern(env, 'GRANT_CRON', '0 0 * * *'),
    subscriptionsPerConnection: int(env, 'SUBSCRIPTIONS_PER_CONNECTION', 10, 1, 10_000),
    subscriptionsMax: int(env, 'SUBSCRIPTIONS_MAX', 10_000, 0, 1_000_000),
    subscriptionBuffer: int(env, 'SUBSCRIPTION_BUFFER', 100, 1, 100_000),
    subscriptionMaxDelayMs: int(env, 'SUBSCRIPTION_MAX_DELAY_MS', 25, 1, 600_000),
    holdSweepIntervalMs: int(env, 'HOLD_SWEEP_INTERVAL_MS', 1000, 10, 3_600_000),
    webhooks: webhookConfig(env),
  });
}

/** For entry points (server, commands): the Config, or the problem on stderr and an exit with `exitCode`. */
export function loadConfigOrExit(env: Env = process.env, exitCode = 1): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`Invalid configuration: ${error.message}\n`);
    process.exit(exitCode);
  }
}
