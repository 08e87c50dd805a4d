
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
      "UsernameTaken"
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
      "UserNotFound"
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
      "InvalidInput"
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
      "UserNotFound"
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
    ],
    "VoidHoldResult": [
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "HoldVoided",
      "IdempotencyKeyReused",
      "InvalidInput"
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
      "UsernameTaken"
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
      "UserNotFound"
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
      "InvalidInput"
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
      "UserNotFound"
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
    ],
    "VoidHoldResult": [
      "ConcurrentUpdate",
      "HoldAlreadyCaptured",
      "HoldAlreadyVoided",
      "HoldExpired",
      "HoldNotFound",
      "HoldVoided",
      "IdempotencyKeyReused",
      "InvalidInput"
    ]
  }
};
      export default result;
    