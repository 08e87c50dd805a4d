import { print, type GraphQLFormattedError } from 'graphql';
import { createClient, type Client } from 'graphql-ws';
import { BalanceChangedDocument, type BalanceChangedSubscription } from './generated/graphql.js';

/** One message of `balanceChanged`. */
export type BalanceMessage = BalanceChangedSubscription['balanceChanged'];

export interface LiveClientOptions {
  /** A JWT, sent in `connection_init` as `authorization: Bearer <token>` (AUTH_MODE=jwt). */
  token?: string;
  /** Reconnect attempts after the socket drops (graphql-ws's own backoff); 0 fails at once. */
  retryAttempts?: number;
}

/** The server refused the subscription or failed it; `errors[i].extensions.code` says why (e.g. FORBIDDEN). */
export class SubscriptionError extends Error {
  override name = 'SubscriptionError';
  constructor(readonly errors: readonly GraphQLFormattedError[]) {
    super(errors.map((e) => e.message).join('; '));
  }

  get code(): string | undefined {
    return this.errors[0]?.extensions?.['code'] as string | undefined;
  }
}

/** The WebSocket URL of a GraphQL HTTP URL: same host, port and path. */
export function webSocketUrl(graphqlUrl: string): string {
  return graphqlUrl.replace(/^http/, 'ws');
}

/** A graphql-ws client for the service's subscriptions (Node 22+ and browsers have WebSocket built in). */
export function createLiveClient(graphqlUrl: string, options: LiveClientOptions = {}): Client {
  return createClient({
    url: webSocketUrl(graphqlUrl),
    connectionParams: options.token ? { authorization: `Bearer ${options.token}` } : undefined,
    retryAttempts: options.retryAttempts ?? 5,
  });
}

/** `balanceChanged(userId)` as an async iterator: the current state first, then each committed change. */
export function watchBalance(client: Client, userId: string): AsyncIterableIterator<BalanceMessage> {
  const results = client.iterate<BalanceChangedSubscription>({
    query: print(BalanceChangedDocument),
    variables: { userId },
  });
  return (async function* () {
    try {
      // for await closes graphql-ws's iterator (a `complete` to the server) when the consumer stops early.
      for await (const result of results) {
        if (result.errors?.length) throw new SubscriptionError(result.errors);
        yield result.data!.balanceChanged;
      }
    } catch (error) {
      // graphql-ws rejects with the server's `error` message payload (an array of GraphQL errors).
      throw Array.isArray(error) ? new SubscriptionError(error as GraphQLFormattedError[]) : error;
    }
  })();
}
