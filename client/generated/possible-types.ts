
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "BalanceChangedResult": [
      "BalanceChange",
      "UserNotFound"
    ],
    "BalanceError": [
      "ConcurrentUpdate",
      "EmailTaken",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "TransferResult": [
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound"
    ],
    "UpdateBalanceResult": [
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound"
    ]
  }
};
      const result: PossibleTypesResultData = {
  "possibleTypes": {
    "BalanceChangedResult": [
      "BalanceChange",
      "UserNotFound"
    ],
    "BalanceError": [
      "ConcurrentUpdate",
      "EmailTaken",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "TransferResult": [
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound"
    ],
    "UpdateBalanceResult": [
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound"
    ]
  }
};
      export default result;
    