import { useQuery } from '@apollo/client/react';
import { useEffect } from 'react';
import { UserDocument } from '../../../client/generated/graphql';

/** The account's limits (set by staff with setLimits), read again whenever the live balance moves. */
export function LimitsCard({ userId, version }: { userId: string; version: number }) {
  const { data, error, refetch } = useQuery(UserDocument, { variables: { id: userId }, fetchPolicy: 'network-only' });
  useEffect(() => {
    if (version > 0) void refetch().catch(() => undefined);
  }, [version, refetch]);
  if (error) return <section className="card error">Limits could not be read: {error.message}</section>;
  const limits = data?.user?.limits;
  if (!limits) return null;
  return (
    <section className="card">
      <h2>Limits</h2>
      <p data-testid="limit-min">
        {limits.minBalance < 0
          ? `Credit line: may go down to ${limits.minBalance}`
          : `Minimum balance: ${limits.minBalance}`}
      </p>
      <p data-testid="limit-max">
        {limits.maxBalance === null ? 'No maximum balance' : `Maximum balance: ${limits.maxBalance}`}
      </p>
      <p data-testid="limit-daily">
        {limits.dailyDebitLimit === null
          ? `No daily limit (${limits.debitedToday} spent today)`
          : `Daily limit: ${limits.debitedToday} of ${limits.dailyDebitLimit} spent today`}
      </p>
    </section>
  );
}
