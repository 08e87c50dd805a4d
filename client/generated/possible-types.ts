
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "BalanceChangedResult": [
      "BalanceChange",
      "UserNotFound"
    ],
    "BalanceError": [
      "AccountClosed",
      "AccountFrozen",
      "AccountNotEmpty",
      "ConcurrentUpdate",
      "EmailTaken",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken",
      "VersionMismatch"
    ],
    "BatchItemResult": [
      "AccountClosed",
      "AccountFrozen",
      "BalanceUpdated",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "HoldPlaced",
      "HoldVoided",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "NotApplied",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "BatchResult": [
      "BatchApplied",
      "BatchRefused",
      "IdempotencyKeyReused",
      "InvalidInput"
    ],
    "CaptureHoldResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "VersionMismatch"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "HoldChange": [
      "HoldCaptured",
      "HoldPlaced",
      "HoldVoided"
    ],
    "HoldResult": [
      "AccountClosed",
      "AccountFrozen",
      "ConcurrentUpdate",
      "HoldPlaced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "SetAccountStatusResult": [
      "AccountClosed",
      "AccountNotEmpty",
      "AccountStatusSet",
      "ConcurrentUpdate",
      "InvalidInput",
      "UserNotFound"
    ],
    "SetLimitsResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "InvalidInput",
      "LimitsSet",
      "UserNotFound"
    ],
    "TransferResult": [
      "AccountClosed",
      "AccountFrozen",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "UpdateBalanceResult": [
      "AccountClosed",
      "AccountFrozen",
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "UserNotFound",
      "VersionMismatch"
    ],
    "VoidHoldResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "HoldVoided",
      "IdempotencyKeyReused",
      "InvalidInput",
      "VersionMismatch"
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
      "AccountClosed",
      "AccountFrozen",
      "AccountNotEmpty",
      "ConcurrentUpdate",
      "EmailTaken",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken",
      "VersionMismatch"
    ],
    "BatchItemResult": [
      "AccountClosed",
      "AccountFrozen",
      "BalanceUpdated",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "HoldPlaced",
      "HoldVoided",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "NotApplied",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "BatchResult": [
      "BatchApplied",
      "BatchRefused",
      "IdempotencyKeyReused",
      "InvalidInput"
    ],
    "CaptureHoldResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "VersionMismatch"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "HoldChange": [
      "HoldCaptured",
      "HoldPlaced",
      "HoldVoided"
    ],
    "HoldResult": [
      "AccountClosed",
      "AccountFrozen",
      "ConcurrentUpdate",
      "HoldPlaced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "SetAccountStatusResult": [
      "AccountClosed",
      "AccountNotEmpty",
      "AccountStatusSet",
      "ConcurrentUpdate",
      "InvalidInput",
      "UserNotFound"
    ],
    "SetLimitsResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "InvalidInput",
      "LimitsSet",
      "UserNotFound"
    ],
    "TransferResult": [
      "AccountClosed",
      "AccountFrozen",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "UpdateBalanceResult": [
      "AccountClosed",
      "AccountFrozen",
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "LimitExceeded",
      "UserNotFound",
      "VersionMismatch"
    ],
    "VoidHoldResult": [
      "AccountClosed",
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "HoldVoided",
      "IdempotencyKeyReused",
      "InvalidInput",
      "VersionMismatch"
    ]
  }
};
      export default result;
    