import { pino, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON logs on stdout; nothing is logged per request at the default level. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({
    level: config.logLevel,
    base: { service: 'balance-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['databaseUrl', '*.databaseUrl', 'password', '*.password'], censor: '[redacted]' },
  });
}
