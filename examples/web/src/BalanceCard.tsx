import { useEffect } from 'react';
import { useLiveBalance } from './useLiveBalance';

// `available` is what may be spent: the balance less what is on hold, plus a credit line if the account has one.

const STATUS_TEXT = {
  ACTIVE: 'Active',
  FROZEN: 'Frozen: credits only',
  CLOSED: 'Closed',
} as const;

/** The balance, live: the subscription's first message is the current state, then every committed change. */
export function BalanceCard({ userId, onVersion }: { userId: string; onVersion(version: number): void }) {
  const { message, error } = useLiveBalance(userId);
  const version = message?.__typename === 'BalanceChange' ? message.version : undefined;
  useEffect(() => {
    if (version !== undefined) onVersion(version);
  }, [version, onVersion]);

  if (error) return <section className="card error">Live updates failed: {error.message}</section>;
  if (!message) return <section className="card">Connecting…</section>;
  if (message.__typename === 'UserNotFound')
    return <section className="card error">There is no user {userId}.</section>;
  const entry = message.entry;
  return (
    <section className="card">
      <h2>Balance</h2>
      <p className="balance" data-testid="balance">
        {message.balance}
      </p>
      <p data-testid="available">
        {message.available} available · {message.held} on hold
      </p>
      <p className={message.status === 'ACTIVE' ? 'muted' : 'refused'} data-testid="status">
        {STATUS_TEXT[message.status]}
      </p>
      <p className="muted" data-testid="version">
        version {message.version}
        {entry ? ` · last change ${entry.amount > 0 ? '+' : ''}${entry.amount} (${entry.kind.toLowerCase()})` : ''}
        {entry?.counterpartyId ? ` with user ${entry.counterpartyId}` : ''}
      </p>
    </section>
  );
}
