import { useApolloClient } from '@apollo/client/react';
import { useEffect, useState } from 'react';
import { BalanceChangedDocument, type BalanceChangedSubscription } from '../../../client/generated/graphql';

export type LiveMessage = BalanceChangedSubscription['balanceChanged'];

/**
 * The latest `balanceChanged` message for a user, rendered at most once per animation frame: during a burst the
 * server sends a message per commit, far more than a screen can show (and one React render per message would
 * exceed React's nested-update limit). Every message is still received; the page shows the newest.
 */
export function useLiveBalance(userId: string): { message?: LiveMessage; error?: Error } {
  const client = useApolloClient();
  const [state, setState] = useState<{ message?: LiveMessage; error?: Error }>({});
  useEffect(() => {
    let frame = 0;
    let latest: LiveMessage | undefined;
    const subscription = client.subscribe({ query: BalanceChangedDocument, variables: { userId } }).subscribe({
      next: ({ data, error }) => {
        if (error) return setState({ error });
        latest = data?.balanceChanged;
        frame ||= requestAnimationFrame(() => {
          frame = 0;
          setState({ message: latest });
        });
      },
      error: (error: Error) => setState({ error }),
    });
    return () => {
      subscription.unsubscribe();
      cancelAnimationFrame(frame);
    };
  }, [client, userId]);
  return state;
}
