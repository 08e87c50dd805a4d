import { ApolloServer, type ApolloServerPlugin, type GraphQLRequestListener } from '@apollo/server';
import { unwrapResolverError } from '@apollo/server/errors';
import { ApolloServerPluginCacheControlDisabled } from '@apollo/server/plugin/disabled';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  Kind,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Config } from '../config.js';
import type { RequestContext } from '../context.js';
import { isDatabaseUnavailable } from '../db/errors.js';
import type { Logger } from '../logger.js';
import { KeySetUnavailableError } from '../modules/auth/authenticator.js';
import { guardOperation } from '../modules/auth/operation-guard.js';

export const SERVICE_UNAVAILABLE = 'SERVICE_UNAVAILABLE';
const INTERNAL = 'INTERNAL_SERVER_ERROR';
const BAD_REQUEST = 'BAD_REQUEST';
/** Codes a client caused or may see in normal operation: logged at debug, not as failures. */
const CLIENT_CODES = new Set([
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'BAD_USER_INPUT',
  'BAD_REQUEST',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

/** The error behind a GraphQL error: thrown by a resolver, or by the context function. */
function causeOf(error: unknown): unknown {
  const unwrapped = unwrapResolverError(error);
  return unwrapped instanceof GraphQLError && unwrapped.originalError ? unwrapped.originalError : unwrapped;
}

/** Infrastructure that is down for now (database, token key set): the request may be retried as is. */
export function isUnavailable(error: unknown): boolean {
  const cause = causeOf(error);
  return cause instanceof KeySetUnavailableError || isDatabaseUnavailable(cause);
}

/**
 * The code an error is answered and counted with. Apollo marks some refusals of a request only with a 4xx HTTP
 * status and no code (e.g. "provided sha does not match query" for a wrong persisted-query hash): those are
 * the client's errors, BAD_REQUEST, never internal ones.
 */
function codeOf(error: GraphQLError): string {
  if (isUnavailable(error)) return SERVICE_UNAVAILABLE;
  const code = error.extensions['code'];
  if (typeof code === 'string') return code;
  const status = (error.extensions['http'] as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' && status >= 400 && status < 500 ? BAD_REQUEST : INTERNAL;
}

/**
 * Per request: notes the first error code for the metrics and logs every error with the request id.
 * One shared listener object, so requests without errors pay nothing but the hook lookups.
 */
function requestErrorsPlugin(logger: Logger): ApolloServerPlugin<RequestContext> {
  const listener: GraphQLRequestListener<RequestContext> = {
    didEncounterErrors({ contextValue, errors, operationName }) {
      for (const error of errors) {
        const code = codeOf(error);
        contextValue.outcome.result ??= code;
        const fields = {
          requestId: contextValue.requestId,
          operationName,
          path: error.path,
          code,
          role: contextValue.principal.role,
          subject: contextValue.principal.subject,
        };
        if (code === 'FORBIDDEN') logger.warn({ ...fields, reason: error.message }, 'request refused');
        else if (code === SERVICE_UNAVAILABLE)
          logger.warn({ ...fields, err: causeOf(error) }, 'dependency unavailable');
        else if (CLIENT_CODES.has(code)) logger.debug({ ...fields, reason: error.message }, 'request rejected');
        else logger.error({ ...fields, err: causeOf(error) }, 'request failed');
      }
      return Promise.resolve();
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

/**
 * Decides every operation before it runs (modules/auth/operation-guard.ts): who may run it, every nested field's
 * arguments, what of another user's account it shows, one mutation per request. (Subscriptions never get here:
 * the bridge answers them, see http-subscriptions.ts.)
 */
function operationGuardPlugin(): ApolloServerPlugin<RequestContext> {
  const listener: GraphQLRequestListener<RequestContext> = {
    didResolveOperation({ schema, document, operation, request, contextValue }) {
      // Apollo has refused a document without its operation before this hook.
      if (!operation) return Promise.resolve();
      // Named for the metrics before a refusal.
      contextValue.outcome.operation = firstRootField(operation);
      guardOperation(schema, document, operation, request.variables, contextValue.principal);
      return Promise.resolve();
    },
  };
  return { requestDidStart: () => Promise.resolve(listener) };
}

/** The first root field an operation asks for (by name), for the metrics. */
function firstRootField(operation: OperationDefinitionNode): string | undefined {
  return operation.selectionSet.selections.find((s) => s.kind === Kind.FIELD)?.name.value;
}

/** graphql-armor's limits on one document, the same over HTTP and WebSocket. */
export function protectDocuments(config: Config): ReturnType<ApolloArmor['protect']> {
  const limits = config.queryLimits;
  return new ApolloArmor({
    maxDepth: { n: limits.depth },
    maxAliases: { n: limits.aliases },
    costLimit: { maxCost: limits.cost },
    // Its token plugin throws from a hook, which Apollo answers 500: graphql-js's own parser limit (below)
    // does the same job and fails as a 400 syntax error.
    maxTokens: { enabled: false },
    maxDirectives: { n: limits.directives },
    // "Did you mean ...?" reveals the schema: kept while developing, masked in production.
    blockFieldSuggestion: { enabled: config.production },
  }).protect();
}

/** The one Apollo Server configuration (also used by the bench's pipeline floor). */
export function createApolloServer(
  schema: GraphQLSchema,
  config: Config,
  logger: Logger,
): ApolloServer<RequestContext> {
  const armor = protectDocuments(config);

  return new ApolloServer<RequestContext>({
    schema,
    introspection: !config.production,
    // main.ts owns shutdown; Apollo's own signal handlers would stop it early and re-raise the signal.
    stopOnTerminationSignals: false,
    includeStacktraceInErrorResponses: !config.production,
    // Off so that GET queries without a preflight header (urql's default) work: the bridge accepts POSTs only
    // as JSON and Apollo runs mutations only from POSTs, which is what CSRF prevention would guard.
    csrfPrevention: false,
    // One operation per HTTP request: a batch would multiply every per-request limit.
    allowBatchedHttpRequests: false,
    parseOptions: { maxTokens: config.queryLimits.tokens },
    validationRules: armor.validationRules,
    plugins: [
      // graphql-armor's types name Apollo's CommonJS build; the plugins themselves are plain objects.
      ...(armor.plugins as unknown as ApolloServerPlugin<RequestContext>[]),
      requestErrorsPlugin(logger),
      operationGuardPlugin(),
      // No HTTP caching of money: skip the per-field cache-control hooks.
      ApolloServerPluginCacheControlDisabled(),
      config.production
        ? ApolloServerPluginLandingPageProductionDefault({ footer: false })
        : ApolloServerPluginLandingPageLocalDefault({ footer: false }),
    ],
    formatError(formatted, error): GraphQLFormattedError {
      if (isUnavailable(error)) {
        return {
          message:
            'A dependency of the service is unavailable right now; retry the request (with the same idempotency key).',
          path: formatted.path,
          extensions: { code: SERVICE_UNAVAILABLE },
        };
      }
      const code = error instanceof GraphQLError ? codeOf(error) : INTERNAL;
      // Business failures are union members; anything else unexpected is hidden in production (it is logged).
      if (config.production && code === INTERNAL) {
        return { message: 'Internal server error', path: formatted.path, extensions: { code: INTERNAL } };
      }
      return code === formatted.extensions?.code
        ? formatted
        : { ...formatted, extensions: { ...formatted.extensions, code } };
    },
  });
}
