/** The `expectedVersion` argument of every balance mutation (and batch item): compare-and-set for clients. */
export const expectedVersionArg = {
  nullable: true,
  description:
    "Compare-and-set: apply only if the account's `version` (the payer's for a transfer, the hold's user's for a " +
    'capture or void) is this one when the request is decided; otherwise VersionMismatch and nothing is written. ' +
    'Omitted: whatever the version.',
} as const;
