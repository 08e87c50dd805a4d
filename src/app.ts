import { randomUUID } from 'node:crypto';
import cluster from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HeaderMap, type HTTPGraphQLResponse } from '@apollo/server';
import { Cron } from 'croner';
import type { Config } from './config.js';
import type { RequestContext } from './context.js';
import { databaseAnswers, migrationsApplied, type Orm } from './db/orm.js';
import { createApolloServer, SERVICE_UNAVAILABLE } from './http/graphql.js';
import { createMetrics } from './http/metrics.js';
import type { Logger } from './logger.js';
import { UnauthenticatedError } from './modules/auth/auth.errors.js';
import { createAuthenticator } from './modules/auth/authenticator.js';
import { OPEN_ACCESS } from './modules/auth/principal.js';
import { BalanceService } from './modules/balance/balance.service.js';
import { GrantService, utcDay } from './modules/grants/grant.service.js';
import { LedgerService } from './modules/ledger/ledger.service.js';
import { UserService } from './modules/users/user.service.js';
import { buildAppSchema } from './schema.js';

export interface AppDeps {
  config: Config;
  orm: Orm;
  logger: Logger;
}

export interface App {
  readonly server: http.Server;
  readonly balances: BalanceService;
  readonly grants: GrantService;
  /** Starts listening (port 0 picks a free one) and returns the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting, lets running batches commit and answer, then closes. Safe to call twice. */
  close(): Promise<void>;
}

/** Incoming request ids are used only when they are short and plain (they go into every log line). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Large enough that thousands of clients connecting at once are not reset by a full accept queue. */
const LISTEN_BACKLOG = 4096;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) {
      req.resume();
      reject(new HttpError(413, `Request body larger than ${limit} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `Request body larger than ${limit} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (raw === '') return undefined;
  if (!contentType?.toLowerCase().includes('json')) return raw;
  try {
    return JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'Request body is not valid JSON');
  }
}

export async function createApp({ config, orm, logger }: AppDeps): Promise<App> {
  const users = new UserService(orm);
  const balances = new BalanceService(
    orm,
    { maxBatchSize: config.batchMaxSize, maxAttempts: config.batchMaxAttempts, stateCacheSize: config.stateCacheSize },
    logger,
  );
  const schema = await buildAppSchema({ users, balances, ledger: new LedgerService(orm) });
  const metrics = createMetrics(balances, orm);
  const authenticate = createAuthenticator(config.auth);
  const grants = new GrantService(orm, balances, config.grantAmount, logger);

  // The daily grant runs in this process (in a cluster, in the first worker only: it is idempotent anyway).
  let grantRun: Promise<void> = Promise.resolve();
  const grantSchedule =
    config.grantEnabled && (!cluster.isWorker || cluster.worker?.id === 1)
      ? new Cron(config.grantCron, { timezone: 'UTC', protect: true }, () => {
          grantRun = grants.grantDay(utcDay()).then(
            () => undefined,
            (error: unknown) => logger.error({ err: error }, 'daily grant failed'),
          );
          return grantRun;
        })
      : undefined;

  const apollo = createApolloServer(schema, config, logger);
  await apollo.start();

  const allowedOrigins = config.corsOrigins === '*' ? undefined : new Set(config.corsOrigins);
  const applyCors = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const origin = req.headers.origin;
    if (!origin) return;
    if (allowedOrigins && !allowedOrigins.has(origin)) return;
    res.setHeader('access-control-allow-origin', allowedOrigins ? origin : '*');
    if (allowedOrigins) res.setHeader('vary', 'Origin');
  };

  const handleGraphQL = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    search: string,
    requestId: string,
  ): Promise<void> => {
    const body = parseBody(await readBody(req, config.bodyLimitBytes), req.headers['content-type']);
    const started = performance.now();
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const context: RequestContext = { requestId, principal: OPEN_ACCESS, outcome: {} };
    const { outcome } = context;
    const response: HTTPGraphQLResponse = await apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
      context: async () => {
        try {
          context.principal = await authenticate(req.headers.authorization);
        } catch (error) {
          // Logged without the token; the answer is 401 with the reason (or 503 if the key set is down).
          const unauthenticated = error instanceof UnauthenticatedError;
          outcome.result = unauthenticated ? 'UNAUTHENTICATED' : SERVICE_UNAVAILABLE;
          logger.warn(
            { requestId, reason: (error as Error).message },
            unauthenticated ? 'request refused: not authenticated' : 'token key set unavailable',
          );
          throw error;
        }
        return context;
      },
    });
    for (const [key, value] of response.headers) res.setHeader(key, value);
    res.statusCode = response.status ?? 200;
    if (outcome.result === SERVICE_UNAVAILABLE) {
      // Retryable by definition: say so in HTTP terms too.
      res.statusCode = 503;
      res.setHeader('retry-after', '1');
    }
    metrics.observeRequest(outcome.operation ?? 'none', outcome.result ?? 'none', (performance.now() - started) / 1000);
    if (response.body.kind === 'complete') {
      // A known length avoids chunked encoding: one write per response.
      res.setHeader('content-length', Buffer.byteLength(response.body.string));
      res.end(response.body.string);
      return;
    }
    for await (const chunk of response.body.asyncIterator) res.write(chunk);
    res.end();
  };

  let closing: Promise<void> | undefined;
  /** Ready = not shutting down, the database answers, and every migration this build knows is applied. */
  const readiness = async (): Promise<{ ready: boolean; reason?: string }> => {
    if (closing) return { ready: false, reason: 'shutting down' };
    if (!(await databaseAnswers(orm))) return { ready: false, reason: 'database does not answer' };
    if (!(await migrationsApplied(orm))) return { ready: false, reason: 'database migrations are not all applied' };
    return { ready: true };
  };

  let inFlight = 0;
  let drained: (() => void) | undefined;
  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
    inFlight++;
    res.once('close', () => {
      inFlight--;
      if (inFlight === 0) drained?.();
    });
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const pathname = queryAt === -1 ? url : url.slice(0, queryAt);
    const search = queryAt === -1 ? '' : url.slice(queryAt);
    applyCors(req, res);

    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'access-control-allow-headers':
          req.headers['access-control-request-headers'] ?? 'content-type, authorization, apollo-require-preflight',
        'access-control-max-age': '86400',
      });
      res.end();
      return;
    }
    const readable = req.method === 'GET' || req.method === 'HEAD';
    if (pathname === '/health/live' && readable) {
      // The process answers: nothing else is checked, so a slow database never gets it restarted.
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if ((pathname === '/health/ready' || pathname === '/health') && readable) {
      void readiness().then(({ ready, reason }) =>
        sendJson(res, ready ? 200 : 503, ready ? { status: 'ok' } : { status: 'unavailable', reason }),
      );
      return;
    }
    if (pathname === '/metrics' && req.method === 'GET') {
      metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(body);
        },
        (error: unknown) => {
          logger.warn({ err: error }, 'metrics unavailable');
          sendJson(res, 503, { error: 'metrics unavailable' });
        },
      );
      return;
    }
    if (pathname !== '/graphql') {
      sendJson(res, 404, { error: 'Not found: the API is at /graphql' });
      return;
    }
    const incomingId = req.headers['x-request-id'];
    const requestId = typeof incomingId === 'string' && REQUEST_ID.test(incomingId) ? incomingId : randomUUID();
    res.setHeader('x-request-id', requestId);
    handleGraphQL(req, res, search, requestId).catch((error: unknown) => {
      if (error instanceof HttpError) {
        if (!res.headersSent) sendJson(res, error.status, { errors: [{ message: error.message }] });
        else res.destroy();
        return;
      }
      logger.error({ err: error, requestId }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { errors: [{ message: 'Internal server error' }] });
      else res.destroy();
    });
  });

  const waitForRequests = (timeoutMs: number): Promise<void> =>
    new Promise((resolve) => {
      if (inFlight === 0) return resolve();
      const timer = setTimeout(() => {
        logger.warn({ inFlight }, 'shutdown timeout: closing connections with requests still running');
        resolve();
      }, timeoutMs);
      drained = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const close = async (): Promise<void> => {
    grantSchedule?.stop();
    server.close();
    server.closeIdleConnections();
    await waitForRequests(config.shutdownTimeoutMs);
    await grantRun;
    await balances.whenIdle();
    server.closeAllConnections();
    await apollo.stop();
  };

  return {
    server,
    balances,
    grants,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    close: () => (closing ??= close()),
  };
}
