import { BigIntType, Entity, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { User } from '../users/user.entity.js';

/** UPDATE: updateBalance; INITIAL: the opening balance of a user. */
export type LedgerEntryKind = 'UPDATE' | 'INITIAL';

/** One committed change of one balance. Rows are only ever inserted (a trigger refuses updates and deletes). */
@Entity({ tableName: 'ledger_entries' })
@Index({ properties: ['user', 'id'] })
export class LedgerEntry {
  @PrimaryKey({ type: new BigIntType('number') })
  id!: number;

  @ManyToOne(() => User, { ref: true, fieldName: 'user_id' })
  user!: Ref<User>;

  @Property({ type: new BigIntType('number') })
  amount!: number;

  @Property({ type: new BigIntType('number') })
  balanceAfter!: number;

  @Property({ type: 'text' })
  kind!: LedgerEntryKind;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt!: Date & Opt;
}
