import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.js';

export type { Logger };

/** JSON logs on stdout; nothing is logged per request at the default level. */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  const options = {
    level: config.logLevel,
    base: { service: 'balance-service' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: {
      paths: ['databaseUrl', '*.databaseUrl', 'password', '*.password', 'authorization', '*.authorization', 'token'],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}
