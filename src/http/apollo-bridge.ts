import type http from 'node:http';
import { performance } from 'node:perf_hooks';
import { HeaderMap, type ApolloServer, type HTTPGraphQLResponse } from '@apollo/server';
import type { RequestContext } from '../context.js';
import type { Logger } from '../logger.js';
import { UnauthenticatedError } from '../modules/auth/auth.errors.js';
import type { Authenticate } from '../modules/auth/authenticator.js';
import { OPEN_ACCESS } from '../modules/auth/principal.js';
import { SERVICE_UNAVAILABLE } from './graphql.js';
import { asksForSubscription } from './http-subscriptions.js';
import type { Metrics } from './metrics.js';
import { HttpError, sendJson } from './respond.js';

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

/**
 * A POST must carry JSON (`application/json`): the one body type a browser cannot send cross-site without a
 * CORS preflight. With this, and only queries over GET (Apollo refuses mutations there), a page of another
 * origin cannot make a browser change a balance: why Apollo's CSRF prevention, which would also refuse
 * urql's default GET queries, is off (README, "Browsers and CSRF").
 */
function requireJsonPost(method: string | undefined, contentType: string | undefined): void {
  if (method !== 'POST') return;
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new HttpError(415, 'A POST to /graphql must have Content-Type: application/json');
  }
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

export interface ApolloBridgeDeps {
  apollo: ApolloServer<RequestContext>;
  authenticate: Authenticate;
  metrics: Metrics;
  logger: Logger;
  bodyLimitBytes: number;
  /** The parser's token limit (as Apollo's). */
  maxTokens: number;
}

const SUBSCRIPTION_OVER_HTTP = {
  errors: [
    {
      message: 'Subscriptions are served over WebSocket (the graphql-ws protocol) on this path, not over HTTP',
      extensions: { code: 'BAD_REQUEST' },
    },
  ],
};

/** Turns a node:http request into an Apollo request and writes Apollo's answer back (one write when complete). */
export function createApolloBridge({
  apollo,
  authenticate,
  metrics,
  logger,
  bodyLimitBytes,
  maxTokens,
}: ApolloBridgeDeps) {
  return async (req: http.IncomingMessage, res: http.ServerResponse, search: string, requestId: string) => {
    const raw = await readBody(req, bodyLimitBytes);
    requireJsonPost(req.method, req.headers['content-type']);
    const body = parseBody(raw, req.headers['content-type']);
    const started = performance.now();
    if (asksForSubscription(body, search, maxTokens)) {
      logger.debug({ requestId, code: 'BAD_REQUEST' }, 'request rejected: a subscription over HTTP');
      metrics.observeRequest('none', 'BAD_REQUEST', (performance.now() - started) / 1000);
      sendJson(res, 400, SUBSCRIPTION_OVER_HTTP);
      return;
    }
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
}
