// Business refusals as plain values: nothing was changed. `type` names the refusal (and the GraphQL type that
// shows it); `code` and `message` are what every refusal carries; the rest are the facts it states.

/** Which side of a transfer a refusal is about. */
export type UserSide = 'PAYER' | 'PAYEE';

interface Refused<T extends string, C extends string> {
  readonly type: T;
  readonly code: C;
  readonly message: string;
}

export interface InsufficientFunds extends Refused<'InsufficientFunds', 'INSUFFICIENT_FUNDS'> {
  /** The balance and what was available (the balance less the credits on hold) when the request was decided. */
  balance: number;
  available: number;
  /** What the request tried to spend or hold (positive). */
  requested: number;
}
export interface UserNotFound extends Refused<'UserNotFound', 'USER_NOT_FOUND'> {
  userId: string;
  side: UserSide | null;
}
export interface InvalidAmount extends Refused<'InvalidAmount', 'INVALID_AMOUNT'> {
  amount: number;
}
export interface InvalidInput extends Refused<'InvalidInput', 'INVALID_INPUT'> {
  field: string;
}
export interface IdempotencyKeyReused extends Refused<'IdempotencyKeyReused', 'IDEMPOTENCY_KEY_REUSED'> {
  idempotencyKey: string;
}
export interface ConcurrentUpdate extends Refused<'ConcurrentUpdate', 'CONCURRENT_UPDATE'> {
  userId: string;
  attempts: number;
}
export interface SelfTransfer extends Refused<'SelfTransfer', 'SELF_TRANSFER'> {
  userId: string;
}
export interface HoldNotFound extends Refused<'HoldNotFound', 'HOLD_NOT_FOUND'> {
  holdId: string;
}
export interface HoldAlreadyCaptured extends Refused<'HoldAlreadyCaptured', 'HOLD_ALREADY_CAPTURED'> {
  holdId: string;
  captured: number;
}
export interface HoldAlreadyVoided extends Refused<'HoldAlreadyVoided', 'HOLD_ALREADY_VOIDED'> {
  holdId: string;
}
export interface HoldExpired extends Refused<'HoldExpired', 'HOLD_EXPIRED'> {
  holdId: string;
  expiresAt: Date;
  /** Not shown: whether this request released it (wrote its EXPIRY entry). */
  releasedNow: boolean;
}
/** Not shown (the sweeper's own): an EXPIRY of a hold that is open and not expired yet. */
export interface HoldNotExpired extends Refused<'HoldNotExpired', 'HOLD_NOT_EXPIRED'> {
  holdId: number;
}
export interface VersionMismatch extends Refused<'VersionMismatch', 'VERSION_MISMATCH'> {
  userId: string;
  /** The version the request expected, and the account's version when the request was decided. */
  expectedVersion: number;
  actualVersion: number;
}
/** Which limit a LimitExceeded is about. */
export type LimitKind = 'MAX_BALANCE' | 'DAILY_DEBIT';
export interface LimitExceeded extends Refused<'LimitExceeded', 'LIMIT_EXCEEDED'> {
  userId: string;
  limit: LimitKind;
  /** The limit, what counts against it already (the balance, or the day's debits), and what the request adds. */
  limitAmount: number;
  used: number;
  requested: number;
}
export interface AccountFrozen extends Refused<'AccountFrozen', 'ACCOUNT_FROZEN'> {
  userId: string;
}
export interface AccountClosed extends Refused<'AccountClosed', 'ACCOUNT_CLOSED'> {
  userId: string;
}
export interface AccountNotEmpty extends Refused<'AccountNotEmpty', 'ACCOUNT_NOT_EMPTY'> {
  userId: string;
  balance: number;
  held: number;
}
export interface UsernameTaken extends Refused<'UsernameTaken', 'USERNAME_TAKEN'> {
  username: string;
}
export interface EmailTaken extends Refused<'EmailTaken', 'EMAIL_TAKEN'> {
  email: string;
}

export type Refusal =
  | InsufficientFunds
  | UserNotFound
  | InvalidAmount
  | InvalidInput
  | IdempotencyKeyReused
  | ConcurrentUpdate
  | SelfTransfer
  | HoldNotFound
  | HoldAlreadyCaptured
  | HoldAlreadyVoided
  | HoldExpired
  | HoldNotExpired
  | VersionMismatch
  | LimitExceeded
  | AccountFrozen
  | AccountClosed
  | AccountNotEmpty
  | UsernameTaken
  | EmailTaken;

/** Whether an answer is a refusal (every refusal carries a code; no change does). */
export function isRefusal<T extends { type: string }>(answer: T | Refusal): answer is Refusal {
  return 'code' in answer;
}

/**
 * Whether a refusal answers the request itself, and so is recorded under its idempotency key (a repeat gets it
 * again; a first attempt that comes late cannot apply after it): not a key that belongs to another request, and
 * not the service giving up on a busy row (the request was not decided; a retry may go through).
 */
export function isRecordedUnderKey(refusal: Refusal): boolean {
  return refusal.type !== 'IdempotencyKeyReused' && refusal.type !== 'ConcurrentUpdate';
}

export function insufficientFunds(balance: number, requested: number, available = balance): InsufficientFunds {
  const message =
    available === balance
      ? `Insufficient funds: balance ${balance}, requested ${requested}`
      : `Insufficient funds: balance ${balance}, available ${available}, requested ${requested}`;
  return { type: 'InsufficientFunds', code: 'INSUFFICIENT_FUNDS', message, balance, available, requested };
}

export function userNotFound(userId: string, side: UserSide | null = null): UserNotFound {
  const who = side === 'PAYEE' ? 'Payee' : side === 'PAYER' ? 'Payer' : 'User';
  const message = `${who} ${JSON.stringify(userId)} not found`;
  return { type: 'UserNotFound', code: 'USER_NOT_FOUND', message, userId, side };
}

export function invalidAmount(amount: number, message: string): InvalidAmount {
  return { type: 'InvalidAmount', code: 'INVALID_AMOUNT', message, amount };
}

export function invalidInput(field: string, message: string): InvalidInput {
  return { type: 'InvalidInput', code: 'INVALID_INPUT', message, field };
}

export function idempotencyKeyReused(idempotencyKey: string): IdempotencyKeyReused {
  const message = `The idempotency key ${JSON.stringify(idempotencyKey)} was used with other parameters`;
  return { type: 'IdempotencyKeyReused', code: 'IDEMPOTENCY_KEY_REUSED', message, idempotencyKey };
}

export function concurrentUpdate(userId: string, attempts: number): ConcurrentUpdate {
  const message = `User ${userId} was changed concurrently ${attempts} times; retry the request`;
  return { type: 'ConcurrentUpdate', code: 'CONCURRENT_UPDATE', message, userId, attempts };
}

export function selfTransfer(userId: string): SelfTransfer {
  return {
    type: 'SelfTransfer',
    code: 'SELF_TRANSFER',
    message: `A transfer from user ${JSON.stringify(userId)} to itself is not allowed`,
    userId,
  };
}

export function holdNotFound(holdId: string): HoldNotFound {
  return { type: 'HoldNotFound', code: 'HOLD_NOT_FOUND', message: `Hold ${JSON.stringify(holdId)} not found`, holdId };
}

export function holdAlreadyCaptured(holdId: number, captured: number): HoldAlreadyCaptured {
  const message = `Hold ${holdId} was captured already (${captured})`;
  return { type: 'HoldAlreadyCaptured', code: 'HOLD_ALREADY_CAPTURED', message, holdId: String(holdId), captured };
}

export function holdAlreadyVoided(holdId: number): HoldAlreadyVoided {
  const message = `Hold ${holdId} was voided already`;
  return { type: 'HoldAlreadyVoided', code: 'HOLD_ALREADY_VOIDED', message, holdId: String(holdId) };
}

export function holdExpired(holdId: number, expiresAt: Date, releasedNow = false): HoldExpired {
  const message = `Hold ${holdId} expired at ${expiresAt.toISOString()}`;
  return { type: 'HoldExpired', code: 'HOLD_EXPIRED', message, holdId: String(holdId), expiresAt, releasedNow };
}

export function holdNotExpired(holdId: number): HoldNotExpired {
  return { type: 'HoldNotExpired', code: 'HOLD_NOT_EXPIRED', message: `Hold ${holdId} has not expired yet`, holdId };
}

export function versionMismatch(userId: number, expectedVersion: number, actualVersion: number): VersionMismatch {
  const message = `User ${userId} is at version ${actualVersion}, not ${expectedVersion}: review the balance and retry`;
  return {
    type: 'VersionMismatch',
    code: 'VERSION_MISMATCH',
    message,
    userId: String(userId),
    expectedVersion,
    actualVersion,
  };
}

export function limitExceeded(
  userId: number,
  limit: LimitKind,
  limitAmount: number,
  used: number,
  requested: number,
): LimitExceeded {
  const message =
    limit === 'MAX_BALANCE'
      ? `User ${userId} may hold at most ${limitAmount}: balance ${used}, requested ${requested}`
      : `User ${userId} may be debited at most ${limitAmount} per day: debited today ${used}, requested ${requested}`;
  return {
    type: 'LimitExceeded',
    code: 'LIMIT_EXCEEDED',
    message,
    userId: String(userId),
    limit,
    limitAmount,
    used,
    requested,
  };
}

export function accountFrozen(userId: number): AccountFrozen {
  const message = `User ${userId} is frozen: credits and hold endings only`;
  return { type: 'AccountFrozen', code: 'ACCOUNT_FROZEN', message, userId: String(userId) };
}

export function accountClosed(userId: number): AccountClosed {
  return { type: 'AccountClosed', code: 'ACCOUNT_CLOSED', message: `User ${userId} is closed`, userId: String(userId) };
}

export function accountNotEmpty(userId: number, balance: number, held: number): AccountNotEmpty {
  const message = `User ${userId} cannot be closed: balance ${balance}, held ${held} (both must be 0)`;
  return { type: 'AccountNotEmpty', code: 'ACCOUNT_NOT_EMPTY', message, userId: String(userId), balance, held };
}

export function usernameTaken(username: string): UsernameTaken {
  const message = `The username ${JSON.stringify(username)} is taken`;
  return { type: 'UsernameTaken', code: 'USERNAME_TAKEN', message, username };
}

export function emailTaken(email: string): EmailTaken {
  return { type: 'EmailTaken', code: 'EMAIL_TAKEN', message: `The email ${JSON.stringify(email)} is taken`, email };
}
