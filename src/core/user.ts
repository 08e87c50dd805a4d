/** A user (an account holding a balance) as the balance path sees it. */
export interface UserState {
  id: number;
  username: string;
  email: string | null;
  name: string | null;
  balance: number;
  /** Credits reserved by open holds: `balance - held` is available to spend. */
  held: number;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Largest balance that stays exact in JavaScript numbers and GraphQL `SafeInt`. */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER;
