import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

describe('loadConfig', () => {
  it('runs with no environment at all', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 4000, host: '127.0.0.1', databaseUrl: undefined, production: false });
    expect(Object.isFrozen(config)).toBe(true);
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
  ])('fails fast on %j', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('never repeats a database password in its message', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://user:s3cret@[bad' })).toThrow(/^(?!.*s3cret).*$/s);
  });
});
