import { keyOfRequest, type ClientKey } from '../../core/idempotency.js';
import { invalidInput, type InvalidInput } from '../../core/refusals.js';
import type { BatchAnswer } from '../../engine/engine.js';
import { MAX_IDEMPOTENCY_KEY_LENGTH, type BalanceService, type Prepared } from '../balance/balance.service.js';
import { checkText } from '../common/text.js';
import type { HoldService, SeesAccount } from '../holds/hold.service.js';
import type { BatchOperation } from './batch.types.js';

/** What a batch answers. */
export type BatchOutcome = BatchAnswer | InvalidInput;

/** Every field of a batch item's input, in order, for the request's digest (omitted and null are the same). */
const ITEM_FIELDS = [
  'userId',
  'fromUserId',
  'toUserId',
  'holdId',
  'amount',
  'balance',
  'expiresIn',
  'reason',
  'payeeId',
];

/** What every item may carry besides its mutation's arguments (in the digest only when given). */
interface ItemOptions {
  expectedVersion?: number | null;
}

/**
 * Batches: each item is prepared as its mutation prepares it (the same checks, the same refusals), then the items
 * are applied in order in one transaction (the engine's submitBatch). An item refused while being prepared is
 * refused in place: in an atomic batch nothing runs, in another it is that item's answer.
 */
export class BatchService {
  constructor(
    private readonly balances: BalanceService,
    private readonly holds: HoldService,
    private readonly maxOperations: number,
  ) {}

  /** `owner`: whose batches the key is unique among (a user's own id; 0 for staff). */
  async batch(
    operations: readonly BatchOperation[],
    atomic: boolean,
    key: ClientKey | null,
    owner: number,
    sees: SeesAccount,
  ): Promise<BatchOutcome> {
    if (operations.length === 0 || operations.length > this.maxOperations) {
      return invalidInput('operations', `A batch has 1 to ${this.maxOperations} operations, not ${operations.length}`);
    }
    const unstorable = checkText('idempotencyKey', key?.text, MAX_IDEMPOTENCY_KEY_LENGTH, 1);
    if (unstorable) return unstorable;
    const prepared = await Promise.all(operations.map((operation) => this.prepare(operation, sees)));
    const request = keyOfRequest(key, 'BATCH', [String(atomic), JSON.stringify(operations.map(asSent))]);
    return this.balances.runBatch(prepared, atomic, request && { ...request, owner });
  }

  /** An item prepared as its mutation prepares it (without a key of its own: the batch has one). */
  private async prepare(operation: BatchOperation, sees: SeesAccount): Promise<Prepared> {
    const item = Object.values(operation).find((value) => value != null) as ItemOptions | undefined;
    return this.balances.expecting(await this.prepareItem(operation, sees), item?.expectedVersion);
  }

  private prepareItem(operation: BatchOperation, sees: SeesAccount): Prepared | Promise<Prepared> {
    const { balances, holds } = this;
    const { updateBalance, deposit, withdraw, setBalance, resetBalance, transfer, hold, captureHold, voidHold } =
      operation;
    if (updateBalance) return balances.prepareUpdate(updateBalance.userId, updateBalance.amount, null);
    if (deposit) return balances.prepareDeposit(deposit.userId, deposit.amount, null);
    if (withdraw) return balances.prepareWithdraw(withdraw.userId, withdraw.amount, null);
    if (setBalance) return balances.prepareSet(setBalance.userId, setBalance.balance, setBalance.reason ?? null, null);
    if (resetBalance) return balances.prepareReset(resetBalance.userId, null);
    if (transfer) {
      const { fromUserId, toUserId, amount, reason } = transfer;
      return balances.prepareTransfer(fromUserId, toUserId, amount, null, reason ?? null);
    }
    if (hold) {
      const { userId, amount, expiresIn, reason, payeeId } = hold;
      return holds.prepareHold(userId, amount, expiresIn, null, reason ?? null, payeeId ?? null);
    }
    if (captureHold) return holds.prepareCapture(captureHold.holdId, captureHold.amount ?? null, null, sees);
    if (voidHold) return holds.prepareVoid(voidHold.holdId, null, sees);
    // @oneOf: GraphQL refuses an item without exactly one member before anything runs.
    return invalidInput('operations', 'Each operation names exactly one mutation');
  }
}

/** An item as sent, normalised the same way every time: its mutation's name and every field in one order. */
function asSent(operation: BatchOperation): unknown[] {
  const [name, fields] = Object.entries(operation).find(([, value]) => value != null) ?? ['', {}];
  const values = fields as Record<string, unknown>;
  const expected = (values as ItemOptions).expectedVersion;
  const sent = [name, ...ITEM_FIELDS.map((field) => values[field] ?? null)];
  return expected === null || expected === undefined ? sent : [...sent, 'expectedVersion', expected];
}
