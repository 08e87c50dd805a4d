import type { BalanceResultFragment, TransferMutation } from '../../../client/generated/graphql';

type Refusal = Exclude<BalanceResultFragment, { __typename: 'BalanceUpdated' }>;
type TransferResult = TransferMutation['transfer'];

/** A refusal as a person would want to read it; every typed failure of the API has its sentence. */
export function describeRefusal(
  refusal: Refusal | Exclude<TransferResult, { __typename: 'TransferCompleted' }>,
): string {
  switch (refusal.__typename) {
    case 'InsufficientFunds':
      return refusal.available === refusal.balance
        ? `Not enough credits: the balance is ${refusal.balance}, ${refusal.requested} were needed.`
        : `Not enough credits: ${refusal.available} available (balance ${refusal.balance}), ${refusal.requested} were needed.`;
    case 'UserNotFound':
      return refusal.side === 'PAYEE'
        ? `There is no user ${refusal.userId} to pay.`
        : `There is no user ${refusal.userId}.`;
    case 'InvalidAmount':
      return `${refusal.amount} is not an amount that can be used here: ${refusal.message}`;
    case 'InvalidInput':
      return `Please check ${refusal.field}: ${refusal.message}`;
    case 'IdempotencyKeyReused':
      return `The key ${refusal.idempotencyKey} was already used for a different request.`;
    case 'ConcurrentUpdate':
      return `The balance was busy (${refusal.attempts} attempts); nothing changed, please try again.`;
    case 'SelfTransfer':
      return 'A transfer needs two different users.';
    case 'LimitExceeded':
      return refusal.limit === 'DAILY_DEBIT'
        ? `Over the daily limit of ${refusal.limitAmount}: ${refusal.used} spent today, ${refusal.requested} more asked.`
        : `User ${refusal.userId} may hold at most ${refusal.limitAmount} (it has ${refusal.used}); ${refusal.requested} would pass it.`;
    case 'AccountFrozen':
      return 'This account is frozen: it can receive credits, but nothing can be spent or held until it is unfrozen.';
    case 'AccountClosed':
      return `Account ${refusal.userId} is closed: nothing can change it.`;
    case 'VersionMismatch':
      return (
        `The balance changed since this page showed it (it is now ${refusal.user.balance}): ` +
        'nothing was withdrawn; review it and retry.'
      );
  }
}

export function describeBalanceResult(result: BalanceResultFragment): { ok: boolean; text: string } {
  if (result.__typename === 'BalanceUpdated') {
    const verb = result.amount >= 0 ? `Added ${result.amount}` : `Withdrew ${-result.amount}`;
    return { ok: true, text: `${verb}. New balance: ${result.balance}.` };
  }
  return { ok: false, text: describeRefusal(result) };
}

export function describeTransferResult(result: TransferResult): { ok: boolean; text: string } {
  if (result.__typename === 'TransferCompleted') {
    return { ok: true, text: `Sent ${result.amount} to user ${result.to.id}. Your balance: ${result.from.balance}.` };
  }
  return { ok: false, text: describeRefusal(result) };
}
