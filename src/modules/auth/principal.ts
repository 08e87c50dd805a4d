export const ROLES = ['user', 'service', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: from a verified token, or everyone when authentication is off. */
export interface Principal {
  readonly role: Role;
  /** The caller's own user id (`sub`) for role `user`; for other roles when `sub` is a user id. */
  readonly userId: number | undefined;
  /** `sub` as given, for logs. */
  readonly subject: string | undefined;
  /** When the token it came from expires (ms since the epoch); undefined when nothing expires (auth off). */
  readonly expiresAtMs: number | undefined;
}

/** AUTH_MODE=off: every request may do everything (local use and tests). */
export const OPEN_ACCESS: Principal = Object.freeze({
  role: 'admin',
  userId: undefined,
  subject: undefined,
  expiresAtMs: undefined,
});
