import type { Orm } from '../../db/orm.js';
import { parseUserId } from './user-id.js';
import { User } from './user.entity.js';

export class UserService {
  constructor(private readonly orm: Orm) {}

  /** The user, or null when the id is malformed or unknown. */
  async findById(rawId: string): Promise<User | null> {
    const id = parseUserId(rawId);
    if (id === undefined) return null;
    return this.orm.em.fork().findOne(User, id);
  }
}
