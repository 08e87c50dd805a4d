import { Migration } from '@mikro-orm/migrations';

/**
 * One notification per statement (per 100 users it touched) instead of one per user: a round writes the
 * entries of many users in one statement, and each NOTIFY costs the committing transaction and every
 * listening connection. The payload lists the users' notices, `;`-separated, each as before: `user id,
 * version,first entry id,last entry id,entries` (at most about 70 bytes; 100 stay under NOTIFY's 8,000).
 */
export class Migration20261126000000_notify_per_statement extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create or replace function ledger_entries_notify() returns trigger language plpgsql as $$
      declare
        payload text;
      begin
        for payload in
          select string_agg(notice, ';' order by user_id)
            from (select added.user_id,
                         concat_ws(',', added.user_id, users.version, added.first_id, added.last_id,
                                   added.entries) as notice,
                         (row_number() over (order by added.user_id) - 1) / 100 as part
                    from (select user_id, min(id) as first_id, max(id) as last_id, count(*) as entries
                            from new_entries group by user_id) as added
                    join users on users.id = added.user_id) as notices
           group by part
           order by part
        loop
          perform pg_notify('balance_changed', payload);
        end loop;
        return null;
      end $$;`);
  }

  override async down(): Promise<void> {
    this.addSql(`create or replace function ledger_entries_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('balance_changed', concat_ws(',', added.user_id, users.version, added.first_id,
                                                       added.last_id, added.entries))
           from (select user_id, min(id) as first_id, max(id) as last_id, count(*) as entries
                   from new_entries group by user_id) as added
           join users on users.id = added.user_id;
        return null;
      end $$;`);
  }
}
