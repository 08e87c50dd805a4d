import { useState } from 'react';
import { BalanceCard } from './BalanceCard';
import { BurstPanel } from './BurstPanel';
import { LedgerTable } from './LedgerTable';
import { LimitsCard } from './LimitsCard';
import { MoneyForms } from './MoneyForms';
import type { Settings } from './settings';

export function App({ settings }: { settings: Settings }) {
  // Bumped by every change the subscription delivers, so the ledger page shows it without polling.
  const [version, setVersion] = useState(0);
  return (
    <main>
      <header>
        <h1>Balance service</h1>
        <p className="muted">
          User {settings.userId} at {settings.api} {settings.token ? '(with a token)' : '(no token: AUTH_MODE=off)'}
        </p>
      </header>
      <BalanceCard userId={settings.userId} onVersion={setVersion} />
      <LimitsCard userId={settings.userId} version={version} />
      <MoneyForms userId={settings.userId} shownVersion={version || undefined} />
      <BurstPanel userId={settings.userId} />
      <LedgerTable userId={settings.userId} version={version} />
    </main>
  );
}
