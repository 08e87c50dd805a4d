import { useApolloClient } from '@apollo/client/react';
import { useState } from 'react';
import { WithdrawDocument } from '../../../client/generated/graphql';

interface Counts {
  sent: number;
  answered: number;
  byResult: Record<string, number>;
}

/**
 * Fires N withdrawals at once and counts the answers by result type while the balance card falls live. The
 * service answers each after its commit, so `BalanceUpdated` + `InsufficientFunds` always add up to N.
 */
export function BurstPanel({ userId }: { userId: string }) {
  const client = useApolloClient();
  const [requests, setRequests] = useState('1000');
  const [amount, setAmount] = useState('1');
  const [counts, setCounts] = useState<Counts>();
  const [running, setRunning] = useState(false);

  const fire = async () => {
    const n = Number(requests);
    setRunning(true);
    const byResult: Record<string, number> = {};
    let answered = 0;
    setCounts({ sent: n, answered, byResult: { ...byResult } });
    await Promise.all(
      Array.from({ length: n }, async () => {
        let result: string;
        try {
          // Not written to the cache: a thousand cache writes at once would re-render every watching query each
          // time; the balance card follows the commits through the subscription anyway.
          const { data } = await client.mutate({
            mutation: WithdrawDocument,
            variables: { userId, amount: Number(amount) },
            fetchPolicy: 'no-cache',
          });
          result = data!.withdraw.__typename;
        } catch {
          result = 'request failed';
        }
        byResult[result] = (byResult[result] ?? 0) + 1;
        answered++;
        setCounts({ sent: n, answered, byResult: { ...byResult } });
      }),
    );
    setRunning(false);
  };

  return (
    <section className="card">
      <h2>Burst</h2>
      <label>
        Requests <input name="burst-requests" value={requests} onChange={(e) => setRequests(e.target.value)} size={6} />
      </label>
      <label>
        of <input name="burst-amount" value={amount} onChange={(e) => setAmount(e.target.value)} size={4} /> each
      </label>
      <button type="button" onClick={fire} disabled={running}>
        Fire {requests} withdrawals at once
      </button>
      {counts && (
        <dl data-testid="burst">
          <dt>answered</dt>
          <dd data-testid="burst-answered">
            {counts.answered} / {counts.sent}
          </dd>
          <dt>succeeded</dt>
          <dd data-testid="burst-ok">{counts.byResult['BalanceUpdated'] ?? 0}</dd>
          <dt>insufficient funds</dt>
          <dd data-testid="burst-refused">{counts.byResult['InsufficientFunds'] ?? 0}</dd>
          {Object.entries(counts.byResult)
            .filter(([result]) => result !== 'BalanceUpdated' && result !== 'InsufficientFunds')
            .map(([result, count]) => (
              <div key={result}>
                <dt>{result}</dt>
                <dd>{count}</dd>
              </div>
            ))}
        </dl>
      )}
    </section>
  );
}
