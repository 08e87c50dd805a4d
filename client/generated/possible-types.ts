
      export type PossibleTypesResultData = {
  "possibleTypes": {
    "BalanceChangedResult": [
      "BalanceChange",
      "UserNotFound"
    ],
    "BalanceError": [
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
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken",
      "VersionMismatch"
    ],
    "BatchItemResult": [
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
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InvalidAmount",
      "InvalidInput",
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
      "ConcurrentUpdate",
      "HoldPlaced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "TransferResult": [
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "UpdateBalanceResult": [
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "VoidHoldResult": [
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
      "SelfTransfer",
      "UserNotFound",
      "UsernameTaken",
      "VersionMismatch"
    ],
    "BatchItemResult": [
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
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldCaptured",
      "HoldExpired",
      "HoldNotFound",
      "IdempotencyKeyReused",
      "InvalidAmount",
      "InvalidInput",
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
      "ConcurrentUpdate",
      "HoldPlaced",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "TransferResult": [
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "SelfTransfer",
      "TransferCompleted",
      "UserNotFound",
      "VersionMismatch"
    ],
    "UpdateBalanceResult": [
      "BalanceUpdated",
      "ConcurrentUpdate",
      "IdempotencyKeyReused",
      "InsufficientFunds",
      "InvalidAmount",
      "InvalidInput",
      "UserNotFound",
      "VersionMismatch"
    ],
    "VoidHoldResult": [
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
    