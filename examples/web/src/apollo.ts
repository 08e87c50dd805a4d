import { ApolloClient, ApolloLink, HttpLink, InMemoryCache } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { getOperationAST } from 'graphql';
import { createClient } from 'graphql-ws';
import possibleTypes from '../../../client/generated/possible-types';
import type { Settings } from './settings';

/**
 * Apollo Client 4 for the balance service: queries and mutations over HTTP, subscriptions over graphql-ws on
 * the same URL, and the generated `possibleTypes` (without them the refusals' `code` and `message`, selected
 * through the BalanceError interface, are silently dropped).
 */
export function createApolloClient({ api, token }: Settings): ApolloClient {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const ws = createClient({
    url: api.replace(/^http/, 'ws'),
    connectionParams: token ? { authorization: `Bearer ${token}` } : undefined,
    // Keep trying while the service restarts; each reconnect starts with the current state again.
    retryAttempts: Infinity,
    shouldRetry: () => true,
  });
  const link = ApolloLink.split(
    ({ query }) => getOperationAST(query)?.operation === 'subscription',
    new GraphQLWsLink(ws),
    new HttpLink({ uri: api, headers }),
  );
  return new ApolloClient({ link, cache: new InMemoryCache({ possibleTypes: possibleTypes.possibleTypes }) });
}
