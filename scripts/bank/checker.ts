import type pg from 'pg';
import { checkInvariants } from '../../src/db/invariants.js';
import type { BankOperation, SnapshotCheck } from './workload.js';

export interface Verdict {
  attempted: number;
  acknowledged: number;
  applied: number;
  refused: number;
  unknown: number;
  retried: number;
  snapshots: number;
  violations: string[];
}

const ENTRY_KIND: Record<BankOperation['kind'], string> = {
  transfer: 'TRANSFER_OUT',
  hold: 'HOLD',
  capture: 'CAPTURE',
  void: 'VOID',
};

/**
 * Reads the final state and checks it against what the clients were told: every snapshot had the total and
 * nothing negative; the total is conserved now; every invariant of `npm run verify` holds; every acknowledged
 * operation is in the ledger exactly once, as answered (a refusal: not at all), and an unanswered one at most
 * once; each acknowledged capture or void ended its hold that way.
 */
export async function check(
  db: pg.Client,
  operations: readonly BankOperation[],
  snapshots: readonly SnapshotCheck[],
  expectedTotal: number,
): Promise<Verdict> {
  const violations: string[] = [];
  for (const [i, snapshot] of snapshots.entries()) {
    for (const problem of snapshot.problems) violations.push(`snapshot ${i}: ${problem}`);
  }
  const users = (await db.query<{ id: number; balance: string; held: string }>('select id, balance, held from users'))
    .rows;
  const total = users.reduce((sum, user) => sum + Number(user.balance), 0);
  if (total !== expectedTotal) violations.push(`final total ${total} <> ${expectedTotal}`);
  const report = await checkInvariants(async (sql) => (await db.query(sql)).rows as Record<string, unknown>[]);
  for (const v of report.violations) violations.push(`${v.invariant}: user ${v.userId}: ${v.detail}`);

  const keys = operations.map((op) => op.key);
  const entries = (
    await db.query<{ user_id: number; idempotency_key: string; kind: string; amount: string; hold_id: string | null }>(
      `select user_id, idempotency_key, kind, amount, hold_id from ledger_entries
        where idempotency_key = any($1::text[])`,
      [keys],
    )
  ).rows;
  const byKey = Map.groupBy(entries, (entry) => entry.idempotency_key);
  const holds = new Map(
    (
      await db.query<{ id: string; status: string; captured: string | null }>('select id, status, captured from holds')
    ).rows.map((hold) => [hold.id, hold]),
  );
  let applied = 0;
  for (const op of operations) {
    const found = byKey.get(op.key) ?? [];
    if (found.length > 0) applied++;
    const what = `${op.kind} ${op.key} (${op.outcome}${op.answer ? `: ${op.answer}` : ''})`;
    if (found.length > 1) violations.push(`${what}: applied ${found.length} times`);
    const entry = found[0];
    if (op.outcome === 'refused' && entry) violations.push(`${what}: refused, but applied`);
    if (op.outcome !== 'applied') continue;
    if (!entry) {
      violations.push(`${what}: acknowledged, but not in the ledger`);
      continue;
    }
    if (entry.user_id !== op.userId || entry.kind !== ENTRY_KIND[op.kind]) {
      violations.push(`${what}: recorded as ${entry.kind} of user ${entry.user_id}`);
    }
    if ((op.kind === 'transfer' || op.kind === 'capture') && Number(entry.amount) !== -op.amount) {
      violations.push(`${what}: amount ${entry.amount} <> -${op.amount}`);
    }
    if (op.holdId !== undefined && entry.hold_id !== op.holdId) {
      violations.push(`${what}: names hold ${entry.hold_id}, not ${op.holdId}`);
    }
    const hold = op.holdId === undefined ? undefined : holds.get(op.holdId);
    if (op.kind === 'capture' && (hold?.status !== 'CAPTURED' || Number(hold.captured) !== op.amount)) {
      violations.push(`${what}: hold ${op.holdId} is ${hold?.status} (${hold?.captured})`);
    }
    if (op.kind === 'void' && hold?.status !== 'VOIDED')
      violations.push(`${what}: hold ${op.holdId} is ${hold?.status}`);
  }
  const count = (outcome: BankOperation['outcome']) => operations.filter((op) => op.outcome === outcome).length;
  return {
    attempted: operations.length,
    acknowledged: operations.length - count('unknown'),
    applied,
    refused: count('refused'),
    unknown: count('unknown'),
    retried: operations.reduce((sum, op) => sum + op.retries, 0),
    snapshots: snapshots.length,
    violations,
  };
}
