import pg from 'pg';
import type { Logger } from '../logger.js';

/** Longest pause between attempts to re-establish a lost listening connection. */
const MAX_RETRY_DELAY_MS = 5_000;
const FIRST_RETRY_DELAY_MS = 100;

export interface NotificationListenerOptions {
  /** The same database the ORM uses. */
  clientUrl: string;
  channel: string;
  /** Each notification's payload, in the order PostgreSQL delivers them (commit order). */
  onNotification(payload: string): void;
  /**
   * The connection was lost and is listening again. Notifications sent meanwhile are gone (NOTIFY does not
   * replay): whoever relies on them must read the current state afresh.
   */
  onReconnect(): void;
  logger: Logger;
}

export interface NotificationListener {
  /** Resolves once the first LISTEN is in place (or rejects if the database cannot be reached). */
  readonly ready: Promise<void>;
  readonly reconnects: number;
  close(): Promise<void>;
}

/**
 * One dedicated connection per process doing `LISTEN channel`, outside MikroORM's pool: a pooled connection
 * is handed to other work between statements, a listening one must stay open and idle. Re-established with
 * backoff after the database restarts or the connection drops.
 */
export function listenForNotifications(options: NotificationListenerOptions): NotificationListener {
  const { clientUrl, channel, logger } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let reconnects = 0;
  let retryTimer: NodeJS.Timeout | undefined;
  let delay = FIRST_RETRY_DELAY_MS;

  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: clientUrl, application_name: 'balance-service listener' });
    // Both fire on a lost connection; only the first schedules the next attempt. Before it listens, a failure
    // is the caller's (connect rejects).
    const onLost = (error?: Error): void => {
      if (closed || client !== next) return;
      client = undefined;
      logger.warn({ err: error, channel }, 'notification listener lost its connection; reconnecting');
      next.removeAllListeners('notification');
      void next.end().catch(() => undefined);
      scheduleRetry();
    };
    next.on('error', onLost);
    next.on('end', () => onLost());
    await next.connect();
    await next.query(`listen ${pg.escapeIdentifier(channel)}`);
    next.on('notification', (message) => {
      if (message.payload !== undefined) options.onNotification(message.payload);
    });
    if (closed) {
      await next.end();
      return;
    }
    client = next;
    delay = FIRST_RETRY_DELAY_MS;
  };

  const scheduleRetry = (): void => {
    retryTimer = setTimeout(() => {
      connect().then(
        () => {
          if (closed) return;
          reconnects++;
          logger.info({ channel, reconnects }, 'notification listener listening again');
          options.onReconnect();
        },
        (error: unknown) => {
          if (closed) return;
          logger.warn({ err: error, channel, retryInMs: delay }, 'notification listener cannot connect yet');
          delay = Math.min(delay * 2, MAX_RETRY_DELAY_MS);
          scheduleRetry();
        },
      );
    }, delay);
    retryTimer.unref();
  };

  return {
    ready: connect(),
    get reconnects() {
      return reconnects;
    },
    async close() {
      closed = true;
      clearTimeout(retryTimer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
