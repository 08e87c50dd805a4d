import { Migration } from '@mikro-orm/migrations';

export class Migration20261122020000_user_profiles extends Migration {
  override async up(): Promise<void> {
    // Rows created outside createUser (older rows, fixtures) get a generated username.
    this.addSql(`alter table users
      add column username text not null default ('user_' || substr(md5(random()::text), 1, 12)),
      add column email text,
      add column name text;`);
    // Uniqueness is the database's job, case-insensitively: two concurrent creates cannot both win.
    this.addSql('create unique index users_username_unique on users (lower(username));');
    this.addSql('create unique index users_email_unique on users (lower(email)) where email is not null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table users drop column username, drop column email, drop column name;');
  }
}
