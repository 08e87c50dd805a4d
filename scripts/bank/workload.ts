import { randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  BankSnapshotDocument,
  BatchDocument,
  CaptureHoldDocument,
  DepositDocument,
  HoldDocument,
  SetAccountStatusDocument,
  SetBalanceDocument,
  TransferDocument,
  VoidHoldDocument,
  WithdrawDocument,
  type BalanceClient,
} from '../../client/index.js';

/** One client operation as the checker sees it: what was asked, and what was answered when. */
export interface BankOperation {
  kind: 'transfer' | 'hold' | 'capture' | 'void' | 'deposit' | 'withdraw' | 'set' | 'batch' | 'status';
  /** Its idempotency key (unique in the run; a status change has none: its retries may each apply). */
  key: string;
  /** The user whose lane it goes through (the payer; the hold's user; the wallet). */
  userId: number;
  /** Who is paid: a transfer's payee, a hold's (and its capture's) payee; null when nobody. */
  payee: number | null;
  /** As asked: the credits moved, held, captured, deposited or withdrawn; for `set`, the balance asked for. */
  amount: number;
  /** For a hold: the seconds it was asked to last. */
  expiresIn?: number;
  /** For a status change: the status asked for. */
  status?: 'ACTIVE' | 'FROZEN';
  /** For capture and void: the hold; for a hold: the hold it made (when acknowledged). */
  holdId?: string;
  /** applied: acknowledged as done; refused: acknowledged, nothing done; unknown: never answered. */
  outcome: 'applied' | 'refused' | 'unknown';
  /** The answer's type, and for a refusal the answer itself (the facts it claims). */
  answer?: string;
  refusal?: Record<string, unknown>;
  /** When it was first sent and when its answer came (ms since the epoch, this machine's clock). */
  sentAt: number;
  answeredAt?: number;
  /** Requests sent after the first (to another server, with the same key). */
  retries: number;
  /** For a batch: its transfers as asked, whether it was atomic, and each item's answer. */
  batch?: { items: BankTransfer[]; atomic: boolean; refusedAt?: number; results?: BankItemResult[] };
}

/** A transfer inside a batch (items carry no key of their own: the batch's key covers them). */
export interface BankTransfer {
  from: number;
  to: number;
  amount: number;
}

/** A batch item's answer: its type, a transfer's entries, a refusal's facts. */
export interface BankItemResult {
  __typename: string;
  fromEntryId?: string;
  toEntryId?: string;
  available?: number;
  requested?: number;
}

/** A read of every balance in one snapshot, and what was wrong with it. */
export interface SnapshotCheck {
  total: number;
  problems: string[];
}

export interface WorkloadOptions {
  /** One client per server. */
  clients: readonly BalanceClient[];
  /** Accounts that only pay each other (transfers, holds): their total never changes. */
  accounts: readonly number[];
  /** The total of every user but the wallets. */
  expectedTotal: number;
  /** Accounts with small balances that only get deposits, withdrawals and set-balances. */
  wallets: readonly number[];
  /** The wallet that is frozen and unfrozen now and then. */
  frozen: number;
  workers: number;
  until: number;
  runId: string;
  /** How long an operation is retried before it is left unknown (a violation). */
  giveUpMs: number;
}

export interface WorkloadResult {
  operations: BankOperation[];
  snapshots: SnapshotCheck[];
  /** Snapshot reads that got no answer within `giveUpMs`. */
  unansweredSnapshots: number;
}

const APPLIED = new Set([
  'TransferCompleted',
  'HoldPlaced',
  'HoldCaptured',
  'HoldVoided',
  'BalanceUpdated',
  'BatchApplied',
  'AccountStatusSet',
]);

/**
 * Random transfers, batches of 2-4 transfers (chained: a later one may spend what an earlier one paid; atomic or
 * not) and holds (captured in part, voided, or left to expire) between random accounts; deposits,
 * withdrawals and set-balances on wallets with small balances (so that refusals and the insufficient-funds
 * boundary happen under faults too, with the limits bank.ts set on some accounts); a wallet frozen for a moment
 * now and then; and snapshot reads of every balance, from `workers` concurrent clients spread
 * over the servers. A request that fails (no answer, a GraphQL error, ConcurrentUpdate) goes again to the next
 * server with the same key.
 */
export async function runWorkload(options: WorkloadOptions): Promise<WorkloadResult> {
  const operations: BankOperation[] = [];
  const snapshots: SnapshotCheck[] = [];
  let unansweredSnapshots = 0;
  let sequence = 0;
  const wallets = new Set(options.wallets);
  const pick = () => options.accounts[randomInt(options.accounts.length)]!;
  const pair = () => {
    const from = pick();
    let to = pick();
    while (to === from) to = pick();
    return [from, to] as const;
  };

  /** Sends until a typed answer comes back, or `giveUpMs` passes; undefined when it never did. */
  async function send<R, V extends object>(
    document: TypedDocumentNode<R, V>,
    variables: V,
    op?: { retries: number },
  ): Promise<R | undefined> {
    const deadline = performance.now() + options.giveUpMs;
    let server = randomInt(options.clients.length);
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && op) op.retries++;
      try {
        const client = options.clients[server]!.graphql as unknown as { request(d: unknown, v: unknown): Promise<R> };
        const data = await client.request(document, variables);
        const answer = Object.values(data as object)[0] as { __typename?: string } | null;
        if (answer?.__typename !== 'ConcurrentUpdate') return data;
      } catch {
        // No answer, or an error instead of one: the server or its database is away. Another server may answer.
      }
      if (performance.now() > deadline) return undefined;
      server = (server + 1) % options.clients.length;
      await delay(50 + randomInt(150));
    }
  }

  const record = (op: Omit<BankOperation, 'outcome' | 'retries' | 'sentAt'>) => {
    const full: BankOperation = { ...op, outcome: 'unknown', retries: 0, sentAt: Date.now() };
    operations.push(full);
    return full;
  };
  const settle = (op: BankOperation, answer: { __typename: string } | undefined) => {
    if (!answer) return;
    op.answeredAt = Date.now();
    op.answer = answer.__typename;
    op.outcome = APPLIED.has(answer.__typename) ? 'applied' : 'refused';
    if (op.outcome === 'refused') op.refusal = answer as Record<string, unknown>;
  };
  const key = () => `bank-${options.runId}-${++sequence}`;

  async function transfer(): Promise<void> {
    const [from, to] = pair();
    const op = record({ kind: 'transfer', key: key(), userId: from, payee: to, amount: 1 + randomInt(5) });
    const variables = { fromUserId: String(from), toUserId: String(to), amount: op.amount, idempotencyKey: op.key };
    settle(op, (await send(TransferDocument, variables, op))?.transfer);
  }

  async function holdAndEnd(): Promise<void> {
    const [from, to] = pair();
    // Some holds expire while in use: a short expiry races the capture or void (and the sweeper).
    const expiresIn = randomInt(4) === 0 ? 1 : 60;
    const op = record({ kind: 'hold', key: key(), userId: from, payee: to, amount: 1 + randomInt(5), expiresIn });
    const variables = {
      userId: String(from),
      amount: op.amount,
      expiresIn,
      payeeId: String(to),
      idempotencyKey: op.key,
    };
    const answer = (await send(HoldDocument, variables, op))?.hold;
    settle(op, answer);
    if (answer?.__typename !== 'HoldPlaced') return;
    op.holdId = answer.hold.id;
    const ending = randomInt(10);
    if (ending === 0) return; // left to expire
    if (ending <= 5) {
      const amount = 1 + randomInt(op.amount);
      const capture = record({ kind: 'capture', key: key(), userId: from, payee: to, amount, holdId: op.holdId });
      const vars = { holdId: op.holdId, amount, idempotencyKey: capture.key };
      settle(capture, (await send(CaptureHoldDocument, vars, capture))?.captureHold);
    } else {
      const release = record({ kind: 'void', key: key(), userId: from, payee: null, amount: 0, holdId: op.holdId });
      const vars = { holdId: op.holdId, idempotencyKey: release.key };
      settle(release, (await send(VoidHoldDocument, vars, release))?.voidHold);
    }
  }

  /** 2-4 transfers in one batch under one key; each item's payee often pays the next item. */
  async function batch(): Promise<void> {
    const items: BankTransfer[] = [];
    let [from, to] = pair();
    for (let n = 2 + randomInt(3); n > 0; n--) {
      items.push({ from, to, amount: 1 + randomInt(8) });
      if (randomInt(2) === 0) [from, to] = [to, pick()];
      else [from, to] = pair();
      while (to === from) to = pick();
    }
    const atomic = randomInt(4) !== 0;
    const op = record({ kind: 'batch', key: key(), userId: items[0]!.from, payee: null, amount: 0 });
    op.batch = { items, atomic };
    const operations = items.map((t) => ({
      transfer: { fromUserId: String(t.from), toUserId: String(t.to), amount: t.amount },
    }));
    const answer = (await send(BatchDocument, { operations, atomic, idempotencyKey: op.key }, op))?.batch;
    settle(op, answer);
    if (answer?.__typename === 'BatchApplied' || answer?.__typename === 'BatchRefused') {
      op.batch.results = answer.results as BankItemResult[];
      if (answer.__typename === 'BatchRefused') op.batch.refusedAt = answer.index;
    }
  }

  /** A deposit (1-5), a withdrawal (1-8: often more than a small wallet has) or, rarely, a set-balance (0-20). */
  async function walletChange(): Promise<void> {
    const wallet = options.wallets[randomInt(options.wallets.length)]!;
    const dice = randomInt(10);
    if (dice < 4) {
      const op = record({ kind: 'deposit', key: key(), userId: wallet, payee: null, amount: 1 + randomInt(5) });
      const vars = { userId: String(wallet), amount: op.amount, idempotencyKey: op.key };
      settle(op, (await send(DepositDocument, vars, op))?.deposit);
    } else if (dice < 9) {
      const op = record({ kind: 'withdraw', key: key(), userId: wallet, payee: null, amount: 1 + randomInt(8) });
      const vars = { userId: String(wallet), amount: op.amount, idempotencyKey: op.key };
      settle(op, (await send(WithdrawDocument, vars, op))?.withdraw);
    } else {
      const op = record({ kind: 'set', key: key(), userId: wallet, payee: null, amount: randomInt(21) });
      const vars = { userId: String(wallet), balance: op.amount, reason: 'bank', idempotencyKey: op.key };
      settle(op, (await send(SetBalanceDocument, vars, op))?.setBalance);
    }
  }

  /** Freezes the `frozen` wallet for 50-500 ms, then makes it active again. */
  async function freezeForAMoment(): Promise<void> {
    for (const status of ['FROZEN', 'ACTIVE'] as const) {
      const op = record({ kind: 'status', key: key(), userId: options.frozen, payee: null, amount: 0, status });
      const vars = { userId: String(options.frozen), status, reason: 'bank' };
      settle(op, (await send(SetAccountStatusDocument, vars, op))?.setAccountStatus);
      if (status === 'FROZEN') await delay(50 + randomInt(450));
    }
  }

  async function snapshot(): Promise<void> {
    const data = await send(BankSnapshotDocument, {});
    if (!data) {
      unansweredSnapshots++;
      return;
    }
    const users = data.users.edges.map((edge) => edge.node);
    const total = users.reduce((sum, user) => (wallets.has(Number(user.id)) ? sum : sum + user.balance), 0);
    const problems: string[] = [];
    if (total !== options.expectedTotal) problems.push(`total ${total} <> ${options.expectedTotal}`);
    // `available` is what may be spent: below 0 only if spending passed the minimum (a credit line included).
    for (const user of users) {
      if (user.available < 0 || user.held < 0)
        problems.push(`user ${user.id}: balance ${user.balance}, held ${user.held}, available ${user.available}`);
    }
    snapshots.push({ total, problems });
  }

  async function worker(): Promise<void> {
    while (performance.now() < options.until) {
      const dice = randomInt(100);
      if (dice < 25) await transfer();
      else if (dice < 35) await batch();
      else if (dice < 60) await holdAndEnd();
      else if (dice < 77) await walletChange();
      else if (dice < 80) await freezeForAMoment();
      else await snapshot();
    }
  }

  await Promise.all(Array.from({ length: options.workers }, worker));
  return { operations, snapshots, unansweredSnapshots };
}
