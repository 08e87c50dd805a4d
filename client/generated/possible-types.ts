
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
      "BalanceMonitorNotFound",
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
      "VersionMismatch",
      "WebhookEndpointNotFound",
      "WebhookEventNotFound"
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
    "CreateBalanceMonitorResult": [
      "BalanceMonitorCreated",
      "InvalidInput",
      "UserNotFound"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "CreateWebhookEndpointResult": [
      "InvalidInput",
      "WebhookEndpointCreated"
    ],
    "DeleteBalanceMonitorResult": [
      "BalanceMonitorDeleted",
      "BalanceMonitorNotFound"
    ],
    "DisableWebhookEndpointResult": [
      "WebhookEndpointDisabled",
      "WebhookEndpointNotFound"
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
    "RedeliverWebhookEventResult": [
      "WebhookEndpointNotFound",
      "WebhookEventNotFound",
      "WebhookRedelivered"
    ],
    "RotateWebhookSecretResult": [
      "InvalidInput",
      "WebhookEndpointNotFound",
      "WebhookSecretRotated"
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
    "UpdateWebhookEndpointResult": [
      "InvalidInput",
      "WebhookEndpointNotFound",
      "WebhookEndpointUpdated"
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
      "BalanceMonitorNotFound",
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
      "VersionMismatch",
      "WebhookEndpointNotFound",
      "WebhookEventNotFound"
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
    "CreateBalanceMonitorResult": [
      "BalanceMonitorCreated",
      "InvalidInput",
      "UserNotFound"
    ],
    "CreateUserResult": [
      "EmailTaken",
      "InvalidInput",
      "UserCreated",
      "UsernameTaken"
    ],
    "CreateWebhookEndpointResult": [
      "InvalidInput",
      "WebhookEndpointCreated"
    ],
    "DeleteBalanceMonitorResult": [
      "BalanceMonitorDeleted",
      "BalanceMonitorNotFound"
    ],
    "DisableWebhookEndpointResult": [
      "WebhookEndpointDisabled",
      "WebhookEndpointNotFound"
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
    "RedeliverWebhookEventResult": [
      "WebhookEndpointNotFound",
      "WebhookEventNotFound",
      "WebhookRedelivered"
    ],
    "RotateWebhookSecretResult": [
      "InvalidInput",
      "WebhookEndpointNotFound",
      "WebhookSecretRotated"
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
    "UpdateWebhookEndpointResult": [
      "InvalidInput",
      "WebhookEndpointNotFound",
      "WebhookEndpointUpdated"
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
    