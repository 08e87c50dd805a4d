import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { databaseAnswers, migrationsApplied, type Orm } from './db/orm.js';
import { Sql } from './db/sql.js';
import { createApolloBridge } from './http/apollo-bridge.js';
import { createApolloServer } from './http/graphql.js';
import { createMetrics } from './http/metrics.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import type { Logger } from './logger.js';
import { createAuthenticator } from './modules/auth/authenticator.js';
import { BalanceService, balanceServiceOptions } from './modules/balance/balance.service.js';
import { scheduleGrant, type GrantSchedule } from './modules/grants/grant.schedule.js';
import { GrantService } from './modules/grants/grant.service.js';
import { LedgerService } from './modules/ledger/ledger.service.js';
import { UserService } from './modules/users/user.service.js';
import { buildAppSchema } from './schema.js';

export interface AppDeps {
  config: Config;
  orm: Orm;
  logger: Logger;
}

export interface App {
  readonly server: HttpServer['server'];
  readonly balances: BalanceService;
  readonly grants: GrantService;
  /** Starts listening (port 0 picks a free one) and returns the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets running batches commit and answer, then closes. Safe to call twice. */
  close(): Promise<void>;
}

/** Wiring only: services, schema, Apollo, HTTP and the grant schedule. Never listens by itself. */
export async function createApp({ config, orm, logger }: AppDeps): Promise<App> {
  const sql = new Sql(orm);
  const balances = new BalanceService(sql, balanceServiceOptions(config), logger);
  const grants = new GrantService(sql, balances, config.grantAmount, logger);
  const schema = await buildAppSchema({ users: new UserService(sql), balances, ledger: new LedgerService(sql) });
  const metrics = createMetrics(balances, sql);
  const apollo = createApolloServer(schema, config, logger);
  await apollo.start();

  const http: HttpServer = createHttpServer(
    {
      graphql: createApolloBridge({
        apollo,
        authenticate: createAuthenticator(config.auth),
        metrics,
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
      }),
      // Ready = not shutting down, the database answers, and every migration this build knows is applied.
      async readiness() {
        if (http.shuttingDown) return { ready: false, reason: 'shutting down' };
        if (!(await databaseAnswers(orm))) return { ready: false, reason: 'database does not answer' };
        if (!(await migrationsApplied(orm))) return { ready: false, reason: 'database migrations are not all applied' };
        return { ready: true };
      },
      metrics,
    },
    config,
    logger,
  );
  const grantSchedule: GrantSchedule | undefined = config.grantEnabled
    ? scheduleGrant(grants, config.grantCron, logger)
    : undefined;

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const grantStopped = grantSchedule?.stop();
    await http.drain();
    await grantStopped;
    await balances.whenIdle();
    http.closeConnections();
    await apollo.stop();
  };

  return {
    server: http.server,
    balances,
    grants,
    listen: (port, host) => http.listen(port, host),
    close: () => (closing ??= close()),
  };
}
