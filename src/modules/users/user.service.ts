import { validate } from 'class-validator';
import type { Orm } from '../../db/orm.js';
import { decodeCursor, encodeCursor, PageInfo, pageSize } from '../common/connection.types.js';
import { InvalidInput } from '../common/errors.types.js';
import { parseUserId } from './user-id.js';
import { User } from './user.entity.js';
import {
  EmailTaken,
  UserCreated,
  UsernameTaken,
  type CreateUserInput,
  type CreateUserResult,
  type UserConnection,
} from './user.types.js';

const UNIQUE_VIOLATION = '23505';

export class UserService {
  constructor(private readonly orm: Orm) {}

  /** The user, or null when the id is malformed or unknown. */
  async findById(rawId: string): Promise<User | null> {
    const id = parseUserId(rawId);
    if (id === undefined) return null;
    return this.orm.em.fork().findOne(User, id);
  }

  /** Users ordered by id, after the one `after` points to. */
  async page(first: number | null | undefined, after: string | null | undefined): Promise<UserConnection> {
    const size = pageSize(first);
    const afterId = decodeCursor(after);
    const em = this.orm.em.fork();
    const [users, totalCount] = await Promise.all([
      em.find(User, afterId === undefined ? {} : { id: { $gt: afterId } }, { orderBy: { id: 'asc' }, limit: size + 1 }),
      em.count(User),
    ]);
    const edges = users.slice(0, size).map((node) => ({ cursor: encodeCursor(node.id), node }));
    return { edges, pageInfo: new PageInfo(users.length > size, edges.at(-1)?.cursor ?? null), totalCount };
  }

  /**
   * Creates a user; a positive opening balance is written to the ledger (INITIAL) in the same statement.
   * Uniqueness comes from the database's unique indexes, so concurrent creates of one name give one winner.
   */
  async create(input: CreateUserInput): Promise<CreateUserResult> {
    const [problem] = await validate(input, { forbidUnknownValues: false });
    if (problem) {
      const message = Object.values(problem.constraints ?? {})[0] ?? `${problem.property} is not acceptable`;
      return new InvalidInput(problem.property, message);
    }
    const knex = this.orm.em.getConnection().getKnex();
    try {
      const { rows } = await knex.raw<{ rows: { id: number }[] }>(
        `with created as (
           insert into users (username, email, name, balance) values (?, ?, ?, ?) returning id, balance
         ), opening as (
           insert into ledger_entries (user_id, amount, balance_after, kind)
           select id, balance, balance, 'INITIAL' from created where balance > 0
         )
         select id from created`,
        [input.username, input.email ?? null, input.name ?? null, input.initialBalance ?? 0],
      );
      const user = await this.orm.em.fork().findOneOrFail(User, rows[0]!.id);
      return new UserCreated(user);
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === UNIQUE_VIOLATION && constraint === 'users_username_unique') return new UsernameTaken(input.username);
      if (code === UNIQUE_VIOLATION && constraint === 'users_email_unique') return new EmailTaken(input.email ?? '');
      throw error;
    }
  }
}
