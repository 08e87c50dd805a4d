import { GraphQLClient } from 'graphql-request';
import { Agent, request } from 'undici';

export * from './generated/graphql.js';

export interface BalanceClient {
  readonly graphql: GraphQLClient;
  /** Closes the keep-alive sockets. */
  close(): Promise<void>;
}

interface MinimalResponse {
  ok: boolean;
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/**
 * The `fetch` graphql-request calls, over undici's lean `request` API on a keep-alive pool: the WHATWG fetch
 * objects cost more CPU per request than the server spends answering, which would make a burst measure the
 * client instead of the service.
 */
function pooledFetch(agent: Agent) {
  return async (url: string, init: { method?: string; headers?: Headers; body?: string }): Promise<MinimalResponse> => {
    const headers: Record<string, string> = {};
    init.headers?.forEach((value, key) => {
      headers[key] = value;
    });
    const response = await request(url, {
      method: (init.method ?? 'GET') as 'GET' | 'POST',
      headers,
      body: init.body,
      dispatcher: agent,
    });
    const text = await response.body.text();
    return {
      ok: response.statusCode >= 200 && response.statusCode < 300,
      status: response.statusCode,
      headers: {
        get(name) {
          const value = response.headers[name.toLowerCase()];
          return Array.isArray(value) ? value.join(', ') : (value ?? null);
        },
      },
      text: () => Promise.resolve(text),
    };
  };
}

export interface BalanceClientOptions {
  /** Keep-alive sockets; requests beyond them queue for a free one. */
  connections?: number;
  /** A JWT sent as `Authorization: Bearer <token>` (needed when the server runs with AUTH_MODE=jwt). */
  token?: string;
  /** A request whose answer has not arrived after this long fails (default: undici's 300 s). */
  timeoutMs?: number;
}

/**
 * A typed graphql-request client over keep-alive sockets: requests beyond `connections` queue for a free
 * socket instead of opening thousands of connections at once.
 */
export function createBalanceClient(
  url: string,
  { connections = 128, token, timeoutMs }: BalanceClientOptions = {},
): BalanceClient {
  const agent = new Agent({
    connections,
    keepAliveTimeout: 30_000,
    ...(timeoutMs === undefined
      ? {}
      : { headersTimeout: timeoutMs, bodyTimeout: timeoutMs, connectTimeout: timeoutMs }),
  });
  return {
    graphql: new GraphQLClient(url, {
      fetch: pooledFetch(agent) as unknown as typeof fetch,
      headers: token === undefined ? undefined : { authorization: `Bearer ${token}` },
    }),
    close: () => agent.close(),
  };
}

/** The `extensions.code` of a failed request's first GraphQL error, if the server answered with one. */
export function errorCodeOf(error: unknown): string | undefined {
  const response = (error as { response?: { errors?: { extensions?: { code?: unknown } }[] } }).response;
  const code = response?.errors?.[0]?.extensions?.code;
  return typeof code === 'string' ? code : undefined;
}
