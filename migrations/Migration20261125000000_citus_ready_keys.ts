import { Migration } from '@mikro-orm/migrations';

/**
 * Every primary key and unique index of the ledger includes `user_id`, the column a distributed PostgreSQL
 * (Citus) would shard it by (docs/scale-out.md): `(user_id, id)` is the primary key instead of `id`. It costs
 * nothing here: the `(user_id, id)` index existed already (for a user's ledger pages) and becomes the key, and
 * `id` keeps a plain index for lookups of one entry. Ids still come from one identity sequence.
 */
export class Migration20261125000000_citus_ready_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql('create unique index ledger_entries_user_id_id_unique on ledger_entries (user_id, id);');
    this.addSql('alter table ledger_entries drop constraint ledger_entries_pkey;');
    this.addSql(`alter table ledger_entries
      add constraint ledger_entries_pkey primary key using index ledger_entries_user_id_id_unique;`);
    this.addSql('drop index ledger_entries_user_id_id_index;');
    this.addSql('create index ledger_entries_id_index on ledger_entries (id);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index ledger_entries_id_index;');
    this.addSql('create index ledger_entries_user_id_id_index on ledger_entries (user_id, id);');
    this.addSql('alter table ledger_entries drop constraint ledger_entries_pkey;');
    this.addSql('alter table ledger_entries add constraint ledger_entries_pkey primary key (id);');
  }
}
