import { validate } from 'class-validator';
import { isUniqueViolation } from '../../db/errors.js';
import type { Sql } from '../../db/sql.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import { checkText } from '../common/text.js';
import { parseUserId } from '../common/user-id.js';
import type { UserState } from '../../core/user.js';
import { UserStore } from './user.store.js';
import type { UserCreated } from '../../core/outcomes.js';
import { emailTaken, invalidInput, usernameTaken, type Refusal } from '../../core/refusals.js';
import type { CreateUserInput, UserConnection } from './user.types.js';

export class UserService {
  private readonly store: UserStore;

  constructor(sql: Sql) {
    this.store = new UserStore(sql);
  }

  /** The user, or null when the id is malformed or unknown. */
  async findById(rawId: string): Promise<UserState | null> {
    const id = parseUserId(rawId);
    if (id === undefined) return null;
    return (await this.store.findById(id)) ?? null;
  }

  /** Users ordered by id, after the one `after` points to. */
  async page(first: number | null | undefined, after: string | null | undefined): Promise<UserConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor(after) ?? 0;
    const [users, totalCount] = await Promise.all([this.store.page(afterId, size + 1), this.store.count()]);
    const edges = users.slice(0, size).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: PageInfo.of(edges, users.length > size, afterId > 0), totalCount };
  }

  /**
   * Creates a user; its opening balance is written to the ledger (INITIAL) in the same statement.
   * Uniqueness comes from the database's unique indexes, so concurrent creates of one name give one winner.
   */
  async create(input: CreateUserInput): Promise<UserCreated | Refusal> {
    // Text that could not be stored as sent is refused first, with the same message as on every other path.
    const unstorable =
      checkText('username', input.username, 32) ??
      checkText('email', input.email, 254) ??
      checkText('name', input.name, 100);
    if (unstorable) return unstorable;
    const [problem] = await validate(input, { forbidUnknownValues: false });
    if (problem) {
      const message = Object.values(problem.constraints ?? {})[0] ?? `${problem.property} is not acceptable`;
      return invalidInput(problem.property, message);
    }
    try {
      const user = await this.store.insertUserWithOpeningBalance({
        username: input.username,
        email: input.email ?? null,
        name: input.name ?? null,
        balance: input.initialBalance ?? 0,
      });
      return { type: 'UserCreated', user };
    } catch (error) {
      if (isUniqueViolation(error, 'users_username_unique')) return usernameTaken(input.username);
      if (isUniqueViolation(error, 'users_email_unique')) return emailTaken(input.email ?? '');
      throw error;
    }
  }
}
