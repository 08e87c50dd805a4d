import type { AddressInfo } from 'node:net';
import type { Config } from './config.js';
import { databaseAnswers, migrationsApplied, type Orm } from './db/orm.js';
import { Sql } from './db/sql.js';
import { createApolloBridge } from './http/apollo-bridge.js';
import { listenForNotifications } from './db/notification-listener.js';
import { createApolloServer, protectDocuments } from './http/graphql.js';
import { createMetrics } from './http/metrics.js';
import { createHttpServer, type HttpServer } from './http/server.js';
import { attachGraphQLWebSocket } from './http/websocket.js';
import type { Logger } from './logger.js';
import { createAuthenticator } from './modules/auth/authenticator.js';
import { BalanceService, engineOptions } from './modules/balance/balance.service.js';
import { BatchService } from './modules/batches/batch.service.js';
import { BalanceEngine } from './engine/engine.js';
import { SqlBalanceStore } from './db/balance-store.js';
import { scheduleGrant, type GrantSchedule } from './modules/grants/grant.schedule.js';
import { GrantService } from './modules/grants/grant.service.js';
import { HoldService } from './modules/holds/hold.service.js';
import { RulesService } from './modules/rules/rules.service.js';
import { sweepExpiredHolds, type HoldSweeper } from './modules/holds/hold.sweeper.js';
import { LedgerService } from './modules/ledger/ledger.service.js';
import { LedgerStore } from './modules/ledger/ledger.store.js';
import { BALANCE_CHANGED_CHANNEL, BalanceFeed } from './modules/live/balance-feed.js';
import { UserService } from './modules/users/user.service.js';
import { UserStore } from './modules/users/user.store.js';
import { DeliveryStore } from './modules/webhooks/delivery.store.js';
import { WebhookDispatcher } from './modules/webhooks/webhook.dispatcher.js';
import { WebhookService } from './modules/webhooks/webhook.service.js';
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
  /** The expired holds' release (tests run a pass with `sweep()`). */
  readonly holdSweeper: HoldSweeper;
  /** The webhook deliveries of this process (undefined when WEBHOOKS_ENABLED=false). */
  readonly webhooks: WebhookDispatcher | undefined;
  /** Starts listening (port 0 picks a free one) and returns the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets running batches commit and answer, then closes. Safe to call twice. */
  close(): Promise<void>;
}

/**
 * Wiring only: services, schema, Apollo, HTTP, subscriptions (WebSocket, fed by the database's notifications)
 * and the grant schedule. Never listens by itself.
 */
export async function createApp({ config, orm, logger }: AppDeps): Promise<App> {
  const sql = new Sql(orm);
  const balances = new BalanceService(new BalanceEngine(new SqlBalanceStore(sql), engineOptions(config), logger));
  const grants = new GrantService(sql, balances, config.grantAmount, logger);
  const holds = new HoldService(sql, balances);
  const userStore = new UserStore(sql);
  const ledgerStore = new LedgerStore(sql);
  const feed = new BalanceFeed(
    { user: (id) => userStore.findById(id), entries: (id, first, last) => ledgerStore.range(id, first, last) },
    {
      maxSubscriptions: config.subscriptionsMax,
      bufferSize: config.subscriptionBuffer,
      maxDelayMs: config.subscriptionMaxDelayMs,
    },
    logger,
  );
  const { webhooks: webhookConfig } = config;
  const dispatcher = webhookConfig.enabled
    ? new WebhookDispatcher(
        new DeliveryStore(sql),
        {
          concurrency: webhookConfig.concurrency,
          busyRate: webhookConfig.busyRate,
          timeoutMs: webhookConfig.timeoutMs,
          leaseMs: webhookConfig.leaseMs,
          pollMs: webhookConfig.pollMs,
          entriesPerRun: 200,
          retry: {
            baseMs: webhookConfig.retryBaseMs,
            maxDelayMs: webhookConfig.retryMaxDelayMs,
            maxAgeMs: webhookConfig.retryMaxAgeMs,
          },
          policy: webhookConfig,
          retentionMs: webhookConfig.deliveryRetentionMs,
        },
        logger,
        () => balances.waiting > 0,
      )
    : undefined;
  const listener = listenForNotifications({
    clientUrl: orm.config.get('clientUrl')!,
    channel: BALANCE_CHANGED_CHANNEL,
    onNotification: (payload) => {
      feed.notify(payload);
      // New entries may be in the outbox (committed with them): look now rather than at the next poll.
      dispatcher?.notify();
    },
    onReconnect: () => feed.resync(),
    logger,
  });
  await listener.ready;
  const schema = await buildAppSchema({
    users: new UserService(sql),
    balances,
    ledger: new LedgerService(sql),
    holds,
    batches: new BatchService(balances, holds, config.batchOperationsMax),
    rules: new RulesService(sql, balances),
    webhooks: new WebhookService(sql, webhookConfig),
    feed,
  });
  const metrics = createMetrics(
    balances,
    sql,
    {
      get openSubscriptions() {
        return feed.openSubscriptions;
      },
      get skipped() {
        return feed.skipped;
      },
      get reconnects() {
        return listener.reconnects;
      },
    },
    dispatcher?.counts,
  );
  const apollo = createApolloServer(schema, config, logger);
  await apollo.start();
  const authenticate = createAuthenticator(config.auth);

  const http: HttpServer = createHttpServer(
    {
      graphql: createApolloBridge({
        apollo,
        authenticate,
        metrics,
        logger,
        bodyLimitBytes: config.bodyLimitBytes,
        maxTokens: config.queryLimits.tokens,
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
  const websocket = attachGraphQLWebSocket({
    server: http.server,
    schema,
    authenticate,
    validationRules: protectDocuments(config).validationRules,
    maxTokens: config.queryLimits.tokens,
    maxPerConnection: config.subscriptionsPerConnection,
    corsOrigins: config.corsOrigins,
    production: config.production,
    onMessage: () => metrics.observeSubscriptionMessage(),
    logger,
  });
  const grantSchedule: GrantSchedule | undefined = config.grantEnabled
    ? scheduleGrant(grants, config.grantCron, logger)
    : undefined;
  const holdSweeper: HoldSweeper = sweepExpiredHolds(holds, config.holdSweepIntervalMs, logger);
  dispatcher?.start();

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    const grantStopped = grantSchedule?.stop();
    const sweeperStopped = holdSweeper.stop();
    // Each run records what it delivered after its current attempt; nothing new starts.
    const webhooksStopped = dispatcher?.stop();
    // Subscribers are told at once (1001, going away) so they reconnect elsewhere; HTTP requests get to finish.
    feed.close();
    const socketsClosed = websocket.close();
    await http.drain();
    await socketsClosed;
    await listener.close();
    await grantStopped;
    await sweeperStopped;
    await webhooksStopped;
    await balances.whenIdle();
    http.closeConnections();
    await apollo.stop();
  };

  return {
    server: http.server,
    balances,
    grants,
    holdSweeper,
    webhooks: dispatcher,
    listen: (port, host) => http.listen(port, host),
    close: () => (closing ??= close()),
  };
}
