import { useQuery } from '@apollo/client/react';
import { useEffect, useRef, useState } from 'react';
import { UserLedgerDocument } from '../../../client/generated/graphql';

const PAGE = 10;

/** The ledger, newest first, a page at a time; reloaded when the live balance moves to a new version. */
export function LedgerTable({ userId, version }: { userId: string; version: number }) {
  // Cursors of the pages before this one, so "Newer" can go back.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const after = cursors.at(-1) ?? null;
  const { data, error, loading, refetch } = useQuery(UserLedgerDocument, {
    variables: { id: userId, first: PAGE, after },
    fetchPolicy: 'network-only',
  });
  // On each new version: reload, at most one reload at a time (a burst moves the version hundreds of times).
  const reloading = useRef<{ running: boolean; again: boolean }>({ running: false, again: false });
  const latestRefetch = useRef(refetch);
  latestRefetch.current = refetch;
  useEffect(() => {
    const state = reloading.current;
    if (state.running) {
      state.again = true;
      return;
    }
    const reload = async (): Promise<void> => {
      state.running = true;
      state.again = false;
      await latestRefetch.current().catch(() => undefined);
      state.running = false;
      if (state.again) await reload();
    };
    void reload();
  }, [version]);
  const ledger = data?.user?.ledger;
  if (error) return <section className="card error">The ledger could not be read: {error.message}</section>;
  return (
    <section className="card">
      <h2>Ledger {ledger ? <span className="muted">({ledger.totalCount} entries)</span> : null}</h2>
      <table>
        <thead>
          <tr>
            <th>#</th>
            <th>change</th>
            <th>balance after</th>
            <th>kind</th>
            <th>details</th>
            <th>when</th>
          </tr>
        </thead>
        <tbody data-testid="ledger">
          {ledger?.edges.map(({ node }) => (
            <tr key={node.id}>
              <td>{node.id}</td>
              <td className={node.amount < 0 ? 'refused' : 'ok'}>
                {node.amount > 0 ? `+${node.amount}` : node.amount}
              </td>
              <td>{node.balanceAfter}</td>
              <td>{node.kind.toLowerCase().replace('_', ' ')}</td>
              <td>
                {node.counterpartyId ? `user ${node.counterpartyId}` : ''} {node.reason ?? ''}
              </td>
              <td>{new Date(node.createdAt).toLocaleTimeString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button type="button" disabled={cursors.length <= 1 || loading} onClick={() => setCursors(cursors.slice(0, -1))}>
        Newer
      </button>
      <button
        type="button"
        disabled={!ledger?.pageInfo.hasNextPage || loading}
        onClick={() => setCursors([...cursors, ledger!.pageInfo.endCursor])}
      >
        Older
      </button>
    </section>
  );
}
