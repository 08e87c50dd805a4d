import { createUnionType } from 'type-graphql';
import { UserNotFound } from '../balance/balance.types.js';
import { byType, InvalidInput } from '../common/errors.types.js';
import {
  BalanceMonitorCreated,
  BalanceMonitorDeleted,
  BalanceMonitorNotFound,
  WebhookEndpointCreated,
  WebhookEndpointDisabled,
  WebhookEndpointNotFound,
  WebhookEndpointUpdated,
  WebhookEventNotFound,
  WebhookRedelivered,
  WebhookSecretRotated,
} from './webhook.types.js';

export const CreateWebhookEndpointResult = createUnionType({
  name: 'CreateWebhookEndpointResult',
  description: 'The outcome of createWebhookEndpoint: the endpoint and its secret, or why not.',
  resolveType: byType,
  types: () => [WebhookEndpointCreated, InvalidInput] as const,
});

export const UpdateWebhookEndpointResult = createUnionType({
  name: 'UpdateWebhookEndpointResult',
  description: 'The outcome of updateWebhookEndpoint.',
  resolveType: byType,
  types: () => [WebhookEndpointUpdated, WebhookEndpointNotFound, InvalidInput] as const,
});

export const DisableWebhookEndpointResult = createUnionType({
  name: 'DisableWebhookEndpointResult',
  description: 'The outcome of disableWebhookEndpoint.',
  resolveType: byType,
  types: () => [WebhookEndpointDisabled, WebhookEndpointNotFound] as const,
});

export const RotateWebhookSecretResult = createUnionType({
  name: 'RotateWebhookSecretResult',
  description: 'The outcome of rotateWebhookSecret: the new secret, or why not.',
  resolveType: byType,
  types: () => [WebhookSecretRotated, WebhookEndpointNotFound, InvalidInput] as const,
});

export const RedeliverWebhookEventResult = createUnionType({
  name: 'RedeliverWebhookEventResult',
  description: 'The outcome of redeliverWebhookEvent.',
  resolveType: byType,
  types: () => [WebhookRedelivered, WebhookEventNotFound, WebhookEndpointNotFound] as const,
});

export const CreateBalanceMonitorResult = createUnionType({
  name: 'CreateBalanceMonitorResult',
  description: 'The outcome of createBalanceMonitor.',
  resolveType: byType,
  types: () => [BalanceMonitorCreated, UserNotFound, InvalidInput] as const,
});

export const DeleteBalanceMonitorResult = createUnionType({
  name: 'DeleteBalanceMonitorResult',
  description: 'The outcome of deleteBalanceMonitor.',
  resolveType: byType,
  types: () => [BalanceMonitorDeleted, BalanceMonitorNotFound] as const,
});
