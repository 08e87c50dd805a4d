import { BoundedCache } from '../core/bounded-cache.js';
import type { UserState } from '../core/user.js';

/**
 * What this process remembers of users between rounds: each one's last committed state (a bounded LRU), so that
 * most batches skip the read before their write (the write's guard makes a stale memory harmless), and the users
 * whose next batch must be decided after a read (a relative write that did not fit, a user that does not exist).
 * Every other user it does not remember is written relatively first, also after a lost race.
 */
export class StateMemory {
  private readonly states: BoundedCache<number, UserState>;
  private readonly readFirst = new Set<number>();

  constructor(size: number) {
    this.states = new BoundedCache(size);
  }

  get(userId: number): UserState | undefined {
    return this.states.get(userId);
  }

  /** The user as committed; undefined forgets it (a write whose commit is in doubt, a lost race). */
  set(userId: number, state: UserState | undefined): void {
    this.states.set(userId, state);
  }

  /** Whether the user's next batch must be decided after a read. */
  needsRead(userId: number): boolean {
    return this.readFirst.has(userId);
  }

  /** The user's relative write did not fit: its next batch is decided after a read. */
  readNextTime(userId: number): void {
    this.states.set(userId, undefined);
    this.readFirst.add(userId);
  }

  /** The user as just read in a transaction (undefined: there is no such user). */
  read(userId: number, state: UserState | undefined): void {
    this.states.set(userId, state);
    this.readFirst.delete(userId);
  }
}
