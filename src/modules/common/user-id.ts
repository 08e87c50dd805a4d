const MAX_USER_ID = 2_147_483_647; // users.id is a PostgreSQL integer

/** The numeric id behind a GraphQL `ID`, or undefined when no user can have it ("abc", "-1", "0", "1.5"). */
export function parseUserId(raw: string): number | undefined {
  if (!/^[1-9]\d{0,9}$/.test(raw)) return undefined;
  const id = Number(raw);
  return id <= MAX_USER_ID ? id : undefined;
}
