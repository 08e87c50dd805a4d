import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import { checkInvariants } from '../../src/db/invariants.js';
import type { BankOperation, WorkloadResult } from './workload.js';

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
  deposit: 'DEPOSIT',
  withdraw: 'WITHDRAWAL',
  set: 'SET',
  batch: 'TRANSFER_OUT',
  status: 'STATUS',
};

/** The limits bank.ts set, by user (fixed during a workload); a user without any has the defaults. */
export interface BankLimits {
  minBalance: number;
  maxBalance: number | null;
  dailyDebitLimit: number | null;
}

const NO_LIMITS: BankLimits = { minBalance: 0, maxBalance: null, dailyDebitLimit: null };

/** What the checker compares a workload with. */
export interface Expected {
  /** The total of every user but the wallets. */
  expectedTotal: number;
  wallets: readonly number[];
  limits: ReadonlyMap<number, BankLimits>;
  /** The last ledger entry before this workload began: entries up to it are earlier workloads'. */
  since: string;
}

/** The ledger amount an applied operation must have written, as asked (a set: its balance after, below). */
const ASKED_AMOUNT: Partial<Record<BankOperation['kind'], (op: BankOperation) => number>> = {
  transfer: (op) => -op.amount,
  capture: (op) => -op.amount,
  deposit: (op) => op.amount,
  withdraw: (op) => -op.amount,
};

/** Clock slack between this process and PostgreSQL's commit timestamps (one machine, one clock). */
const SLACK_MS = 5;

interface Entry {
  id: string;
  user_id: number;
  idempotency_key: string | null;
  kind: string;
  amount: string;
  balance_after: string;
  held_after: string;
  hold_id: string | null;
  counterparty_id: number | null;
  payee_id: number | null;
  payee_amount: string | null;
  /** For a STATUS entry: the status it set. */
  status_after: string | null;
  /** The UTC day of its transaction (debits are limited per day). */
  day: string;
  committed_ms: number;
}

/** A user's history with what each entry left besides its balance: the status, and the day's debits so far. */
interface Moment {
  entry: Entry;
  status: string;
  debitedToday: number;
}

const DEBIT_KINDS = new Set(['UPDATE', 'WITHDRAWAL', 'TRANSFER_OUT', 'CAPTURE']);

function momentsOf(history: readonly Entry[]): Moment[] {
  const moments: Moment[] = [];
  for (const entry of history) {
    const before = moments.at(-1);
    const amount = Number(entry.amount);
    const debit = amount < 0 && DEBIT_KINDS.has(entry.kind) ? -amount : 0;
    moments.push({
      entry,
      status: entry.status_after ?? before?.status ?? 'ACTIVE',
      debitedToday: (before?.entry.day === entry.day ? before.debitedToday : 0) + debit,
    });
  }
  return moments;
}

/** Whether the user was in a state `test` accepts at some moment while `op` was in flight (by commit times). */
function someMomentInFlight(moments: readonly Moment[], op: BankOperation, test: (moment: Moment) => boolean): boolean {
  const from = op.sentAt - SLACK_MS;
  const to = (op.answeredAt ?? Infinity) + SLACK_MS;
  return moments.some((moment, i) => {
    const next = moments[i + 1];
    return test(moment) && moment.entry.committed_ms <= to && (next === undefined || next.entry.committed_ms >= from);
  });
}

interface HoldRow {
  id: string;
  user_id: number;
  payee_id: number | null;
  amount: string;
  status: string;
  captured: string | null;
  expires_ms: number;
  seconds: number;
}

/**
 * Waits (up to `timeoutMs`) until the sweepers have ended every hold that expired more than a second ago; returns
 * those still open then.
 */
async function expiredOpenHolds(db: pg.Client, timeoutMs: number): Promise<string[]> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ id: string; expires_at: Date }>(
      `select id, expires_at from holds where status = 'OPEN' and expires_at < now() - interval '1 second'`,
    );
    if (rows.length === 0 || performance.now() > deadline) {
      return rows.map((hold) => `hold ${hold.id} expired at ${hold.expires_at.toISOString()} but is still open`);
    }
    await delay(100);
  }
}

/**
 * Reads the final state and checks it against what the clients asked and were told:
 * - every snapshot had the total and nothing negative, and every request (snapshots too) was answered;
 * - the total is conserved now, every invariant of `npm run verify` holds, every expired hold has ended;
 * - every acknowledged operation is in the ledger exactly once, as asked (kind, user, amount, payee, hold,
 *   expiry), and left its hold as answered; a refused one is not in it at all, and its refusal is recorded under
 *   its key as answered (so a late first attempt cannot apply after it);
 * - every refusal states facts that were true: an InsufficientFunds names a balance and available amount (less its
 *   minimum) the user had (by the ledger and its commit times) while the request was in flight, and less than was
 *   asked; a LimitExceeded a balance (or the day's debits) the limited user had then, and a limit it passes; an
 *   AccountFrozen a user frozen then; a HoldExpired names a hold that had expired; no other refusal can happen;
 * - every acknowledged status change is a STATUS entry committed while it was in flight;
 * - batches (batchProblems): an applied one is recorded once under its key, with the answer its client got, and
 *   every transfer it answered is in the ledger as asked; a refused one is recorded with its refusal; and every transfer
 *   without a key of its own (only batches write those here) is one that an acknowledged batch answered.
 */
export async function check(db: pg.Client, workload: WorkloadResult, expected: Expected): Promise<Verdict> {
  const { expectedTotal, wallets, limits, since } = expected;
  const { operations, snapshots } = workload;
  const violations: string[] = [];
  for (const [i, snapshot] of snapshots.entries()) {
    for (const problem of snapshot.problems) violations.push(`snapshot ${i}: ${problem}`);
  }
  if (workload.unansweredSnapshots > 0)
    violations.push(`${workload.unansweredSnapshots} snapshot reads never answered`);
  violations.push(...(await expiredOpenHolds(db, 15_000)));
  const users = (await db.query<{ id: number; balance: string }>('select id, balance from users')).rows;
  const total = users.reduce((sum, user) => (wallets.includes(user.id) ? sum : sum + Number(user.balance)), 0);
  if (total !== expectedTotal) violations.push(`final total ${total} <> ${expectedTotal}`);
  const report = await checkInvariants(async (sql) => (await db.query(sql)).rows as Record<string, unknown>[]);
  for (const v of report.violations) violations.push(`${v.invariant}: user ${v.userId}: ${v.detail}`);

  // Every entry of every user an operation touched, in order, with its commit time: the users' histories.
  const touched = [...new Set(operations.map((op) => op.userId))];
  const entries = (
    await db.query<Entry>(
      `select e.id::text, e.user_id, e.idempotency_key, e.kind, e.amount, e.balance_after, e.held_after,
              e.hold_id::text, e.counterparty_id, p.user_id as payee_id, p.amount as payee_amount,
              e.details->>'status' as status_after, (e.created_at at time zone 'utc')::date::text as day,
              (extract(epoch from pg_xact_commit_timestamp(e.xmin)) * 1000)::float8 as committed_ms
         from ledger_entries e
         left join ledger_entries p on p.transfer_id = e.transfer_id and p.kind = 'TRANSFER_IN'
        where e.user_id = any($1::integer[])
        order by e.user_id, e.id`,
      [touched],
    )
  ).rows;
  const history = new Map([...Map.groupBy(entries, (entry) => entry.user_id)].map(([id, h]) => [id, momentsOf(h)]));
  const byKey = Map.groupBy(
    entries.filter((entry) => entry.idempotency_key !== null),
    (entry) => entry.idempotency_key!,
  );
  const holds = new Map(
    (
      await db.query<HoldRow>(
        `select id::text, user_id, payee_id, amount, status, captured,
                (extract(epoch from expires_at) * 1000)::float8 as expires_ms,
                extract(epoch from expires_at - created_at)::float8 as seconds
           from holds`,
      )
    ).rows.map((hold) => [hold.id, hold]),
  );

  const refusedUnderKey = new Map(
    (
      await db.query<{ idempotency_key: string; type: string }>(
        `select idempotency_key, refusal->>'type' as type from refused_requests where idempotency_key = any($1::text[])`,
        [operations.filter((op) => op.outcome === 'refused').map((op) => op.key)],
      )
    ).rows.map((row) => [row.idempotency_key, row.type]),
  );

  violations.push(...(await batchProblems(db, operations, since)));
  let applied = 0;
  for (const op of operations) {
    if (op.kind === 'batch') {
      if (op.outcome === 'applied') applied++;
      continue;
    }
    if (op.kind === 'status') {
      if (op.outcome === 'applied') applied++;
      const problem = statusProblem(op, history.get(op.userId) ?? []);
      if (problem) violations.push(`status ${op.status} of user ${op.userId} (${op.outcome}): ${problem}`);
      continue;
    }
    const found = byKey.get(op.key) ?? [];
    if (found.length > 0) applied++;
    const what = `${op.kind} ${op.key} (${op.outcome}${op.answer ? `: ${op.answer}` : ''})`;
    if (op.outcome === 'unknown') violations.push(`${what}: never answered`);
    if (found.length > 1) violations.push(`${what}: applied ${found.length} times`);
    const entry = found[0];
    if (op.outcome === 'refused') {
      if (entry) {
        // When, against the request: committed after the refusal was answered (a late attempt applied), or
        // before it (the refusal missed a commit).
        const at = (ms: number | undefined) => (ms === undefined ? '?' : `${Math.round(ms - op.sentAt)} ms`);
        violations.push(
          `${what}: refused, but applied (sent at 0, refusal answered at ${at(op.answeredAt)}, ` +
            `entry committed at ${at(entry.committed_ms)}; ${op.retries} retries)`,
        );
      }
      if (refusedUnderKey.get(op.key) !== op.answer) {
        violations.push(`${what}: refused, but recorded under its key as ${refusedUnderKey.get(op.key) ?? 'nothing'}`);
      }
      const untrue = refusalProblem(op, history, holds, limits);
      if (untrue) violations.push(`${what}: ${untrue}`);
      continue;
    }
    if (op.outcome !== 'applied') continue;
    if (!entry) {
      violations.push(`${what}: acknowledged, but not in the ledger`);
      continue;
    }
    for (const problem of appliedProblems(op, entry, holds)) violations.push(`${what}: ${problem}`);
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

/** How an applied operation's entry (and hold) differs from what was asked. */
function appliedProblems(op: BankOperation, entry: Entry, holds: ReadonlyMap<string, HoldRow>): string[] {
  const problems: string[] = [];
  if (entry.user_id !== op.userId || entry.kind !== ENTRY_KIND[op.kind]) {
    problems.push(`recorded as ${entry.kind} of user ${entry.user_id}`);
  }
  const amount = ASKED_AMOUNT[op.kind]?.(op);
  if (amount !== undefined && Number(entry.amount) !== amount) problems.push(`amount ${entry.amount} <> ${amount}`);
  if (op.kind === 'set' && Number(entry.balance_after) !== op.amount) {
    problems.push(`balance after ${entry.balance_after} <> ${op.amount}`);
  }
  // A transfer or a capture pays the payee asked for exactly what left the payer.
  if (op.kind === 'transfer' || op.kind === 'capture') {
    if (entry.counterparty_id !== op.payee || entry.payee_id !== op.payee || Number(entry.payee_amount) !== op.amount) {
      problems.push(`paid ${entry.payee_amount} to ${entry.payee_id} (counterparty ${entry.counterparty_id})`);
    }
  }
  if (op.holdId !== undefined && entry.hold_id !== op.holdId) {
    problems.push(`names hold ${entry.hold_id}, not ${op.holdId}`);
  }
  const hold = op.holdId === undefined ? undefined : holds.get(op.holdId);
  if (op.kind === 'hold') {
    const asked = { user: op.userId, payee: op.payee, amount: op.amount, seconds: op.expiresIn };
    const made = hold && {
      user: hold.user_id,
      payee: hold.payee_id,
      amount: Number(hold.amount),
      seconds: hold.seconds,
    };
    if (JSON.stringify(made) !== JSON.stringify(asked)) {
      problems.push(`hold made as ${JSON.stringify(made)}, asked ${JSON.stringify(asked)}`);
    }
  }
  if (op.kind === 'capture' && (hold?.status !== 'CAPTURED' || Number(hold.captured) !== op.amount)) {
    problems.push(`hold ${op.holdId} is ${hold?.status} (${hold?.captured})`);
  }
  if (op.kind === 'void' && hold?.status !== 'VOIDED') problems.push(`hold ${op.holdId} is ${hold?.status}`);
  return problems;
}

/** What is wrong with a status change: never answered, refused, or acknowledged without its STATUS entry then. */
function statusProblem(op: BankOperation, moments: readonly Moment[]): string | undefined {
  if (op.outcome === 'unknown') return 'never answered';
  if (op.outcome === 'refused') return `no refusal ${op.answer} can be right here`;
  const made = someMomentInFlight(
    moments,
    op,
    (moment) => moment.entry.kind === 'STATUS' && moment.entry.status_after === op.status,
  );
  return made ? undefined : 'acknowledged, but no STATUS entry of it committed while it was in flight';
}

/** What is untrue about a refusal, or undefined when its facts hold. */
function refusalProblem(
  op: BankOperation,
  histories: ReadonlyMap<number, readonly Moment[]>,
  holds: ReadonlyMap<string, HoldRow>,
  limits: ReadonlyMap<number, BankLimits>,
): string | undefined {
  const refusal = op.refusal ?? {};
  const moments = histories.get(op.userId) ?? [];
  if (op.answer === 'InsufficientFunds' && ['transfer', 'hold', 'withdraw'].includes(op.kind)) {
    const { balance, available, requested } = refusal as { balance: number; available: number; requested: number };
    if (requested !== op.amount) return `requested ${requested}, but ${op.amount} was asked`;
    if (available >= requested) return `available ${available} covers the ${requested} requested`;
    const { minBalance } = limits.get(op.userId) ?? NO_LIMITS;
    const held = someMomentInFlight(moments, op, ({ entry }) => {
      const after = Number(entry.balance_after);
      return after === balance && after - Number(entry.held_after) - minBalance === available;
    });
    return held ? undefined : `balance ${balance}, available ${available}: never the user's state while it was asked`;
  }
  if (op.answer === 'LimitExceeded' && ['transfer', 'capture', 'deposit', 'withdraw', 'set'].includes(op.kind)) {
    const { userId, limit, limitAmount, used, requested } = refusal as {
      userId: string;
      limit: string;
      limitAmount: number;
      used: number;
      requested: number;
    };
    // A set-balance requests the change from the balance it was decided against to the balance asked.
    const asked = op.kind === 'set' ? used + requested : requested;
    if (asked !== op.amount) return `requested ${requested} (of ${used}), but ${op.amount} was asked`;
    if (used + requested <= limitAmount) return `${used} + ${requested} is within the limit ${limitAmount}`;
    const limited = Number(userId);
    const set = limits.get(limited) ?? NO_LIMITS;
    if (limit === 'MAX_BALANCE') {
      // A credit's limit is the one of the account credited: the payee of a transfer or capture.
      const credited = op.kind === 'deposit' || op.kind === 'set' ? op.userId : op.payee;
      if (limited !== credited) return `names user ${userId}`;
      if (set.maxBalance !== limitAmount) return `limit ${limitAmount}, but ${set.maxBalance} was set`;
      const had = someMomentInFlight(
        histories.get(limited) ?? [],
        op,
        ({ entry }) => Number(entry.balance_after) === used,
      );
      return had ? undefined : `balance ${used}: never user ${userId}'s while it was asked`;
    }
    if (limit === 'DAILY_DEBIT') {
      if (limited !== op.userId) return `names user ${userId}`;
      if (set.dailyDebitLimit !== limitAmount) return `limit ${limitAmount}, but ${set.dailyDebitLimit} was set`;
      const had = someMomentInFlight(moments, op, (moment) => moment.debitedToday === used);
      return had ? undefined : `debited ${used} today: never user ${userId}'s while it was asked`;
    }
    return `no limit ${limit} here`;
  }
  if (op.answer === 'AccountFrozen' && op.kind === 'withdraw') {
    const frozen = someMomentInFlight(moments, op, (moment) => moment.status === 'FROZEN');
    return frozen ? undefined : 'the account was not frozen while it was asked';
  }
  if (op.answer === 'HoldExpired' && (op.kind === 'capture' || op.kind === 'void')) {
    const hold = holds.get(op.holdId!);
    if (hold?.status !== 'EXPIRED') return `hold ${op.holdId} is ${hold?.status}, not expired`;
    if (hold.expires_ms > (op.answeredAt ?? Infinity) + SLACK_MS) return `hold ${op.holdId} had not expired yet`;
    return undefined;
  }
  return `no refusal ${op.answer} can be right here: ${JSON.stringify(refusal)}`;
}

/** What a transfer item may be refused here: less available than asked, or a payee at its maximum. */
const ITEM_REFUSALS = new Set(['InsufficientFunds', 'LimitExceeded']);

interface TransferEntry {
  id: string;
  user_id: number;
  amount: string;
  counterparty_id: number | null;
  payee_entry: string | null;
  payee_id: number | null;
  payee_amount: string | null;
}

/**
 * What is wrong with the batches: each acknowledged batch against its record and the ledger, and every transfer
 * without a key of its own (written only by batches in this workload) against the batches that answered it.
 */
async function batchProblems(db: pg.Client, operations: readonly BankOperation[], since: string): Promise<string[]> {
  const batches = operations.filter((op) => op.kind === 'batch');
  const problems: string[] = [];
  const recorded = new Map(
    (
      await db.query<{
        idempotency_key: string;
        answer: { type: string; index?: number; results: { type: string; fromEntryId?: string }[] };
      }>(`select idempotency_key, answer from batches where idempotency_key = any($1::text[])`, [
        batches.map((op) => op.key),
      ])
    ).rows.map((row) => [row.idempotency_key, row.answer]),
  );
  const transfers = new Map(
    (
      await db.query<TransferEntry>(
        `select e.id::text, e.user_id, e.amount, e.counterparty_id, p.id::text as payee_entry, p.user_id as payee_id,
                p.amount as payee_amount
           from ledger_entries e
           left join ledger_entries p on p.transfer_id = e.transfer_id and p.kind = 'TRANSFER_IN'
          where e.kind = 'TRANSFER_OUT' and e.idempotency_key is null and e.id > $1::bigint`,
        [since],
      )
    ).rows.map((row) => [row.id, row]),
  );
  const answered = new Set<string>();
  for (const op of batches) {
    const { items, atomic, results = [], refusedAt } = op.batch!;
    const what = `batch ${op.key} (${atomic ? 'atomic' : 'not atomic'}, ${op.outcome}${op.answer ? `: ${op.answer}` : ''})`;
    const record = recorded.get(op.key);
    if (op.outcome === 'unknown') problems.push(`${what}: never answered`);
    if (op.outcome === 'refused') {
      const recordedAs = record && `${record.type} at ${record.index}: ${record.results.map((r) => r.type).join(',')}`;
      const answeredAs = `BatchRefused at ${refusedAt}: ${results.map((r) => r.__typename).join(',')}`;
      if (recordedAs !== answeredAs)
        problems.push(`${what}: answered ${answeredAs}, recorded ${recordedAs ?? 'nothing'}`);
      if (op.answer !== 'BatchRefused' || !atomic) {
        problems.push(`${what}: no such refusal can be right here`);
        continue;
      }
      results.forEach((result, i) => {
        const expected = i === refusedAt ? ITEM_REFUSALS : new Set(['NotApplied']);
        if (!expected.has(result.__typename)) problems.push(`${what}: item ${i} answered ${result.__typename}`);
        if (i === refusedAt && result.requested !== items[i]!.amount) {
          problems.push(`${what}: item ${i} refused ${JSON.stringify(result)} for ${items[i]!.amount}`);
        }
      });
    }
    if (op.outcome !== 'applied') continue;
    if (record?.type !== 'BatchApplied')
      problems.push(`${what}: acknowledged, but recorded as ${record?.type ?? 'nothing'}`);
    const replayed = record?.results.map((r) => `${r.type}:${r.fromEntryId ?? ''}`);
    const got = results.map((r) => `${r.__typename}:${r.fromEntryId ?? ''}`);
    if (record && JSON.stringify(replayed) !== JSON.stringify(got)) {
      problems.push(`${what}: recorded ${JSON.stringify(replayed)}, answered ${JSON.stringify(got)}`);
    }
    if (results.length !== items.length) problems.push(`${what}: ${results.length} results for ${items.length} items`);
    results.forEach((result, i) => {
      const item = items[i]!;
      if (ITEM_REFUSALS.has(result.__typename) && !atomic) {
        const covered = result.__typename === 'InsufficientFunds' && result.available! >= item.amount;
        if (result.requested !== item.amount || covered) {
          problems.push(`${what}: item ${i} refused ${JSON.stringify(result)} for ${item.amount}`);
        }
        return;
      }
      if (result.__typename !== 'TransferCompleted') {
        problems.push(`${what}: item ${i} answered ${result.__typename}`);
        return;
      }
      answered.add(result.fromEntryId!);
      const entry = transfers.get(result.fromEntryId!);
      const asked = [item.from, -item.amount, item.to, item.to, item.amount, result.toEntryId];
      const found = entry && [
        entry.user_id,
        Number(entry.amount),
        entry.counterparty_id,
        entry.payee_id,
        Number(entry.payee_amount),
        entry.payee_entry,
      ];
      if (JSON.stringify(found) !== JSON.stringify(asked)) {
        problems.push(`${what}: item ${i} in the ledger as ${JSON.stringify(found)}, asked ${JSON.stringify(asked)}`);
      }
    });
  }
  for (const id of transfers.keys()) {
    if (!answered.has(id)) problems.push(`transfer entry ${id} has no key and no batch answered it`);
  }
  return problems;
}
