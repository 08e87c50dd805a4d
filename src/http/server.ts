import { randomUUID } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { HttpError, sendJson } from './respond.js';

/** Incoming request ids are used only when they are short and plain (they go into every log line). */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Large enough that thousands of clients connecting at once are not reset by a full accept queue. */
const LISTEN_BACKLOG = 4096;

/** At shutdown: how long no request must run before idle keep-alive sockets are closed. */
const IDLE_GRACE_MS = 250;

export interface Routes {
  /** POST/GET /graphql, with the request id chosen for it. */
  graphql(req: http.IncomingMessage, res: http.ServerResponse, search: string, requestId: string): Promise<void>;
  /** Whether the service can serve traffic now (database, migrations, not shutting down). */
  readiness(): Promise<{ ready: boolean; reason?: string }>;
  metrics: { contentType: string; text(): Promise<string> };
}

export interface HttpServerOptions {
  /** `*` or the allowed origins. */
  corsOrigins: '*' | readonly string[];
  /** Longest wait for running requests at shutdown before their connections are closed. */
  shutdownTimeoutMs: number;
}

export interface HttpServer {
  readonly server: http.Server;
  /** Starts listening (port 0 picks a free one) and returns the bound address. */
  listen(port: number, host: string): Promise<AddressInfo>;
  /**
   * Begins shutdown: stops accepting connections, answers every further response with `Connection: close`,
   * waits (up to the timeout) for running requests. `closeConnections` then drops what is left.
   */
  drain(): Promise<void>;
  closeConnections(): void;
  readonly shuttingDown: boolean;
}

/** The node:http side of the service: routing, CORS, request ids, health and metrics, drain and close. */
export function createHttpServer(routes: Routes, options: HttpServerOptions, logger: Logger): HttpServer {
  const allowedOrigins = options.corsOrigins === '*' ? undefined : new Set(options.corsOrigins);
  const applyCors = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const origin = req.headers.origin;
    if (!origin) return;
    if (allowedOrigins && !allowedOrigins.has(origin)) return;
    res.setHeader('access-control-allow-origin', allowedOrigins ? origin : '*');
    if (allowedOrigins) res.setHeader('vary', 'Origin');
  };

  let shuttingDown = false;
  const active = new Set<http.ServerResponse>();
  let drained: (() => void) | undefined;
  let servedCount = 0;

  const server = http.createServer({ keepAliveTimeout: 65_000, requestTimeout: 60_000 }, (req, res) => {
    active.add(res);
    servedCount++;
    res.once('close', () => {
      active.delete(res);
      if (active.size === 0) drained?.();
    });
    // A client must not send more on a connection that is about to close: say so on every answer from now on.
    if (shuttingDown) res.setHeader('connection', 'close');
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
      void routes
        .readiness()
        .then(({ ready, reason }) =>
          sendJson(res, ready ? 200 : 503, ready ? { status: 'ok' } : { status: 'unavailable', reason }),
        );
      return;
    }
    if (pathname === '/metrics' && req.method === 'GET') {
      routes.metrics.text().then(
        (body) => {
          res.writeHead(200, { 'content-type': routes.metrics.contentType });
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
    routes.graphql(req, res, search, requestId).catch((error: unknown) => {
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

  /** Resolves once no request has run for IDLE_GRACE_MS (or at the deadline). */
  const quiet = (deadline: number): Promise<void> =>
    new Promise((resolve) => {
      const check = (): void => {
        if (Date.now() >= deadline) {
          if (active.size > 0)
            logger.warn({ inFlight: active.size }, 'shutdown timeout: closing connections with requests still running');
          return resolve();
        }
        if (active.size > 0) {
          drained = check;
          return;
        }
        drained = undefined;
        const served = servedCount;
        setTimeout(() => (servedCount === served && active.size === 0 ? resolve() : check()), IDLE_GRACE_MS);
      };
      check();
    });

  const drain = async (): Promise<void> => {
    shuttingDown = true;
    for (const res of active) if (!res.headersSent) res.setHeader('connection', 'close');
    // Stop accepting connections, but leave idle keep-alive sockets open for a moment: closing one while its
    // client is sending the next request resets that request. Each gets its next answer with
    // `Connection: close` instead (http.Server.close would close idle sockets at once).
    net.Server.prototype.close.call(server);
    await quiet(Date.now() + options.shutdownTimeoutMs);
    server.closeIdleConnections();
  };

  return {
    server,
    get shuttingDown() {
      return shuttingDown;
    },
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen({ port, host, backlog: LISTEN_BACKLOG }, () => {
          server.off('error', reject);
          resolve(server.address() as AddressInfo);
        });
      }),
    drain,
    closeConnections: () => server.closeAllConnections(),
  };
}
