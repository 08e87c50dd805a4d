import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { ConfigError } from '../src/config-values.js';

describe('loadConfig', () => {
  it('runs with no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: undefined, production: false });
    expect(config).toMatchObject({ dbPoolSize: 10, roundConcurrency: 2, roundMaxOperations: 2000 });
    // A pool of two leaves one connection to reads.
    expect(loadConfig({ DB_POOL_SIZE: '2' }).roundConcurrency).toBe(1);
    expect(Object.isFrozen(config)).toBe(true);
    expect(config.webhooks).toMatchObject({
      enabled: true,
      timeoutMs: 10_000,
      leaseMs: 30_000,
      retryBaseMs: 5000,
      retryMaxDelayMs: 3_600_000,
      retryMaxAgeMs: 3 * 86_400_000,
      httpHosts: ['localhost', '127.0.0.1', '[::1]'],
      privateNetworks: false,
    });
    // Durations with units; the lease follows a longer timeout.
    expect(loadConfig({ WEBHOOK_RETRY_MAX_AGE: '6h', WEBHOOK_TIMEOUT_MS: '15s' }).webhooks).toMatchObject({
      retryMaxAgeMs: 21_600_000,
      timeoutMs: 15_000,
      leaseMs: 45_000,
    });
  });

  it.each([
    [{ PORT: 'eighty' }, 'PORT must be a whole number from 0 to 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'PORT must be a whole number'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ NODE_ENV: 'staging' }, 'NODE_ENV must be one of'],
    [{ DATABASE_URL: 'mysql://u:p@h/db' }, 'DATABASE_URL must start with postgres://'],
    [{ DATABASE_URL: 'postgres://u:p@h' }, 'DATABASE_URL must name a database'],
    [{ CORS_ORIGINS: 'example.com' }, 'CORS_ORIGINS entries must look like https://example.com'],
    [{ GRANT_CRON: 'every day' }, 'GRANT_CRON is not a cron pattern'],
    [{ GRANT_ENABLED: 'yes' }, 'GRANT_ENABLED must be true or false'],
    [{ NODE_ENV: 'production' }, 'AUTH_MODE must be set explicitly when NODE_ENV=production'],
    [{ AUTH_MODE: 'basic' }, 'AUTH_MODE must be one of off, jwt'],
    [{ AUTH_MODE: 'jwt' }, 'AUTH_MODE=jwt needs exactly one of JWT_SECRET (HS256) and JWKS_URL'],
    [{ AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(40), JWKS_URL: 'https://id.example/jwks' }, 'exactly one of'],
    [{ AUTH_MODE: 'jwt', JWKS_URL: 'id.example/jwks' }, 'JWKS_URL must be an http(s) URL'],
    [{ MAX_QUERY_ALIASES: 'many' }, 'MAX_QUERY_ALIASES must be a whole number'],
    [{ DB_CONNECT_TIMEOUT_MS: '10' }, 'DB_CONNECT_TIMEOUT_MS must be a whole number from 100'],
    [{ ROUND_CONCURRENCY: '0' }, 'ROUND_CONCURRENCY must be a whole number from 1'],
    [{ DB_POOL_SIZE: '4', ROUND_CONCURRENCY: '4' }, 'ROUND_CONCURRENCY (4) must be below DB_POOL_SIZE (4)'],
    [{ ROUND_MAX_OPERATIONS: '0' }, 'ROUND_MAX_OPERATIONS must be a whole number from 1'],
    [{ WEBHOOK_RETRY_MAX_AGE: '3 days' }, 'WEBHOOK_RETRY_MAX_AGE must be a duration'],
    [{ WEBHOOK_RETRY_MAX_AGE: '31d' }, 'WEBHOOK_RETRY_MAX_AGE must be a duration from 0 ms to 2592000000 ms'],
    [{ WEBHOOK_TIMEOUT_MS: '5' }, 'WEBHOOK_TIMEOUT_MS must be a duration from 100 ms'],
    [
      { WEBHOOK_TIMEOUT_MS: '20s', WEBHOOK_LEASE_MS: '20s' },
      'WEBHOOK_LEASE_MS (20000) must be at least WEBHOOK_TIMEOUT_MS + 3000',
    ],
    [{ WEBHOOK_HTTP_HOSTS: 'http://localhost' }, 'WEBHOOK_HTTP_HOSTS entries must be host names or addresses'],
    [{ WEBHOOK_PRIVATE_NETWORKS: 'sometimes' }, 'WEBHOOK_PRIVATE_NETWORKS must be true or false'],
    [{ WEBHOOK_BUSY_RATE: '0' }, 'WEBHOOK_BUSY_RATE must be a whole number from 1'],
  ])('fails fast on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('starts in production only with AUTH_MODE set, and keeps authentication off by default elsewhere', () => {
    expect(loadConfig({ NODE_ENV: 'production', AUTH_MODE: 'off' }).auth.mode).toBe('off');
    expect(loadConfig({}).auth.mode).toBe('off');
    const jwt = loadConfig({
      NODE_ENV: 'production',
      AUTH_MODE: 'jwt',
      JWT_SECRET: 'x'.repeat(32),
      JWT_AUDIENCE: 'balance',
    });
    expect(jwt.auth).toMatchObject({ mode: 'jwt', audience: 'balance', jwksUrl: undefined });
  });

  it('never repeats a JWT secret in its message', () => {
    expect(() => loadConfig({ AUTH_MODE: 'jwt', JWT_SECRET: 'short-s3cret' })).toThrow(
      /^JWT_SECRET must have at least 32 characters$/,
    );
  });

  it('never repeats a database password in its message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://user:s3cret@[bad' })).toThrow(/^(?!.*s3cret).*$/s);
  });
});
