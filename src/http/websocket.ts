import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { getOperationAST, GraphQLError, specifiedRules, type GraphQLSchema, type ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { RequestContext } from '../context.js';
import type { Logger } from '../logger.js';
import { UnauthenticatedError } from '../modules/auth/auth.errors.js';
import type { Authenticate } from '../modules/auth/authenticator.js';
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

/** What a connection carries after `connection_init`: who it is. */
type ConnectionExtra = {
  principal?: Principal;
  connectionId?: string;
};

function error(message: string, code: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code } });
}

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
    [...specifiedRules, ...options.validationRules],
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
        return true;
      },
      onSubscribe(ctx, _id, payload) {
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
        const principal = ctx.extra.principal ?? OPEN_ACCESS;
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
      subscribe: (args) => subscribeShared(args, sharingKeys.get(args.contextValue as object) ?? randomUUID()),
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

  return {
    async close() {
      await cleanup.dispose();
      await new Promise<void>((resolve) => wsServer.close(() => resolve()));
    },
  };
}
