import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import {
  getOperationAST,
  GraphQLError,
  SingleFieldSubscriptionsRule,
  specifiedRules,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { RequestContext } from '../context.js';
import type { Logger } from '../logger.js';
import { UnauthenticatedError } from '../modules/auth/auth.errors.js';
import type { Authenticate } from '../modules/auth/authenticator.js';
import { guardOperation } from '../modules/auth/operation-guard.js';
import { OPEN_ACCESS, type Principal } from '../modules/auth/principal.js';
import { subscribeShared } from './shared-execution.js';
import { SubscriptionDocuments } from './subscription-documents.js';

export interface GraphQLWebSocketOptions {
  server: http.Server;
  schema: GraphQLSchema;
  authenticate: Authenticate;
  /** The same document checks as over HTTP (graphql-armor's rules) and the parser's token limit. */
  validationRules: readonly ValidationRule[];
  maxTokens: number;
  /** Most subscriptions one connection may hold at once. */
  maxPerConnection: number;
  /** `*` or the origins a browser page may connect from (as CORS_ORIGINS for HTTP). */
  corsOrigins: '*' | readonly string[];
  production: boolean;
  /** Each message sent to a subscriber. */
  onMessage(): void;
  logger: Logger;
}

export interface GraphQLWebSocket {
  /** Closes every socket with 1001 (going away) and stops accepting new ones. */
  close(): Promise<void>;
}

/** What a connection carries after `connection_init`: who it is, and the timer that ends it when its token expires. */
type ConnectionExtra = {
  principal?: Principal;
  connectionId?: string;
  expiry?: NodeJS.Timeout;
  readonly socket: WebSocket;
};

function error(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

/** Longest delay a Node timer takes (about 24.8 days); a longer one would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes the connection with 4403 when its token expires (re-armed past the longest timer), unref'd. */
function closeAtExpiry(extra: ConnectionExtra, expiresAtMs: number, logger: Logger): void {
  const left = expiresAtMs - Date.now();
  if (left > MAX_TIMER_MS) {
    extra.expiry = setTimeout(() => closeAtExpiry(extra, expiresAtMs, logger), MAX_TIMER_MS).unref();
    return;
  }
  extra.expiry = setTimeout(
    () => {
      logger.info({ connectionId: extra.connectionId }, 'subscription connection closed: its token expired');
      extra.socket.close(CloseCode.Forbidden, 'Forbidden: the token has expired');
    },
    Math.max(0, left),
  ).unref();
}

/** GraphQL's validation rules for subscriptions but the one graphql-js 16 runs without variables (see the guard). */
const subscriptionRules = specifiedRules.filter((rule) => rule !== SingleFieldSubscriptionsRule);

/**
 * GraphQL over WebSocket (graphql-ws protocol) on the HTTP server's GraphQL path: subscriptions only (queries
 * and mutations go over HTTP, where they are metered and limited). The bearer token comes in
 * `connection_init`'s payload as `authorization` ("Bearer <JWT>"), as HTTP's header would.
 */
export function attachGraphQLWebSocket(options: GraphQLWebSocketOptions): GraphQLWebSocket {
  const { logger } = options;
  const allowedOrigins = options.corsOrigins === '*' ? undefined : new Set(options.corsOrigins);
  const wsServer = new WebSocketServer({
    server: options.server,
    path: '/graphql',
    // A browser page of another origin may not open a socket when the origins are restricted.
    verifyClient: ({ origin }: { origin?: string }) => !allowedOrigins || !origin || allowedOrigins.has(origin),
    maxPayload: 64 * 1024,
  });
  const documents = new SubscriptionDocuments(
    options.schema,
    [...subscriptionRules, ...options.validationRules],
    options.maxTokens,
  );
  /** What two subscriptions must have in common to share one execution per event (see shared-execution.ts). */
  const sharingKeys = new WeakMap<object, string>();

  const cleanup = useServer<Record<string, unknown> | undefined, ConnectionExtra>(
    {
      schema: options.schema,
      isProd: options.production,
      async onConnect(ctx) {
        const raw = ctx.connectionParams?.['authorization'];
        try {
          ctx.extra.principal = await options.authenticate(typeof raw === 'string' ? raw : undefined);
        } catch (failure) {
          const reason = (failure as Error).message;
          logger.warn({ reason }, 'subscription connection refused');
          if (failure instanceof UnauthenticatedError) return false; // 4403 Forbidden
          throw failure; // the key set is unavailable: closed with the reason, the client may reconnect
        }
        ctx.extra.connectionId = randomUUID();
        const expiresAtMs = ctx.extra.principal.expiresAtMs;
        if (expiresAtMs !== undefined) closeAtExpiry(ctx.extra, expiresAtMs, logger);
        return true;
      },
      onClose(ctx) {
        clearTimeout(ctx.extra.expiry);
      },
      onSubscribe(ctx, _id, payload) {
        const principal = ctx.extra.principal ?? OPEN_ACCESS;
        // The expiry timer closes the socket; a subscription that arrives in between is refused too.
        if (principal.expiresAtMs !== undefined && principal.expiresAtMs <= Date.now()) {
          ctx.extra.socket.close(CloseCode.Forbidden, 'Forbidden: the token has expired');
          return [error('The token has expired', 'UNAUTHENTICATED')];
        }
        // graphql-ws has registered this subscription already: it counts itself.
        if (Object.keys(ctx.subscriptions).length > options.maxPerConnection) {
          return [
            error(`A connection may hold at most ${options.maxPerConnection} subscriptions`, 'SUBSCRIPTION_LIMIT'),
          ];
        }
        let checked: ReturnType<SubscriptionDocuments['check']>;
        try {
          checked = documents.check(payload.query);
        } catch (failure) {
          return [error((failure as Error).message, 'GRAPHQL_PARSE_FAILED')];
        }
        if (!('document' in checked)) return [...checked];
        const { document } = checked;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [
            error('Only subscriptions are served over WebSocket; send queries and mutations over HTTP', 'BAD_REQUEST'),
          ];
        }
        try {
          guardOperation(options.schema, document, operation, payload.variables ?? undefined, principal);
        } catch (refusal) {
          if (!(refusal instanceof GraphQLError)) throw refusal;
          return [error(refusal.message, String(refusal.extensions['code']))];
        }
        const context: RequestContext = {
          requestId: ctx.extra.connectionId ?? randomUUID(),
          principal,
          outcome: {},
        };
        sharingKeys.set(
          context,
          JSON.stringify([principal.role, principal.userId, checked.id, payload.operationName, payload.variables]),
        );
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: context,
        };
      },
      // A subscription that fails to start gets an error of its own: graphql-ws would close the whole socket on a
      // throw (4500), ending the connection's other subscriptions, and print the stack outside the logs.
      subscribe: async (args): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
        try {
          return await subscribeShared(args, sharingKeys.get(args.contextValue as object) ?? randomUUID());
        } catch (failure) {
          logger.error({ err: failure }, 'subscription failed to start');
          return { errors: [error('The subscription could not be started', 'INTERNAL_SERVER_ERROR')] };
        }
      },
      onNext() {
        options.onMessage();
      },
      onError(ctx, _id, _payload, errors) {
        for (const failure of errors) {
          logger.debug({ connectionId: ctx.extra.connectionId, reason: failure.message }, 'subscription refused');
        }
      },
    },
    wsServer,
  );

  // graphql-ws prints a socket's errors (a frame over maxPayload, a malformed frame) with console.error, outside
  // the logs; ws closes such a socket itself (1009, 1002, ...), so they are only logged here.
  wsServer.on('connection', (socket: WebSocket) => {
    socket.removeAllListeners('error');
    socket.on('error', (failure) => logger.debug({ reason: failure.message }, 'websocket protocol error'));
  });

  return {
    async close() {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
