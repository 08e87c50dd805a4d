import { GraphQLDateTimeISO, GraphQLSafeInt } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { BalanceError } from '../common/errors.types.js';

export enum WebhookDeliveryStatus {
  PENDING = 'PENDING',
  DELIVERED = 'DELIVERED',
  FAILED = 'FAILED',
}

registerEnumType(WebhookDeliveryStatus, {
  name: 'WebhookDeliveryStatus',
  description: "Where one event's delivery to one endpoint stands.",
  valuesConfig: {
    PENDING: { description: 'Not acknowledged yet: tried again at `nextAttemptAt` (later events of its user wait).' },
    DELIVERED: { description: 'Acknowledged (the receiver answered 2xx).' },
    FAILED: { description: 'Given up after WEBHOOK_RETRY_MAX_AGE of failures; redeliverWebhookEvent sends it again.' },
  },
});

export enum BalanceMonitorDirection {
  BELOW = 'BELOW',
  ABOVE = 'ABOVE',
}

registerEnumType(BalanceMonitorDirection, {
  name: 'BalanceMonitorDirection',
  description: 'Which crossing of its threshold a balance monitor reports.',
  valuesConfig: {
    BELOW: {
      description: 'balance.below_threshold: a change takes the balance from at least the threshold to below it',
    },
    ABOVE: {
      description: 'balance.above_threshold: a change takes the balance from at most the threshold to above it',
    },
  },
});

@ObjectType({
  description: 'A URL that receives signed webhook events (Standard Webhooks); its secret is never shown.',
})
export class WebhookEndpoint {
  @Field(() => ID, { description: 'The endpoint.' })
  id!: number;

  @Field(() => String, { description: 'Where events are POSTed.' })
  url!: string;

  @Field(() => [String], { description: 'The event types it receives ("*": every type).' })
  events!: string[];

  @Field(() => String, { nullable: true, description: 'What it is for, as given.' })
  description!: string | null;

  @Field(() => Boolean, { description: 'False once disabled: it receives nothing more.' })
  enabled!: boolean;

  @Field(() => GraphQLDateTimeISO, {
    nullable: true,
    description: 'Until when the secret before the last rotation also signs deliveries; null when none does.',
  })
  previousSecretUntil!: Date | null;

  @Field(() => GraphQLDateTimeISO, { description: 'When it was created.' })
  createdAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'When it was last changed.' })
  updatedAt!: Date;
}

@ObjectType({ description: 'The endpoint was created; it receives events of changes committed from now on.' })
export class WebhookEndpointCreated {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field(() => String, { description: 'The signing secret (whsec_...), shown this once: keep it with the receiver.' })
  secret!: string;
}

@ObjectType({ description: "The endpoint's secret was replaced; the old one also signs until previousSecretUntil." })
export class WebhookSecretRotated {
  @Field(() => WebhookEndpoint, { description: 'The endpoint.' })
  endpoint!: WebhookEndpoint;

  @Field(() => String, { description: 'The new signing secret (whsec_...), shown this once.' })
  secret!: string;
}

@ObjectType({ description: 'The endpoint was changed; the change applies to its next deliveries.' })
export class WebhookEndpointUpdated {
  @Field(() => WebhookEndpoint, { description: 'The endpoint after the change.' })
  endpoint!: WebhookEndpoint;
}

@ObjectType({ description: 'The endpoint was disabled for good: what it had yet to receive is dropped.' })
export class WebhookEndpointDisabled {
  @Field(() => WebhookEndpoint, { description: 'The endpoint, disabled.' })
  endpoint!: WebhookEndpoint;
}

@ObjectType({ implements: BalanceError, description: 'No enabled webhook endpoint has this id.' })
export class WebhookEndpointNotFound extends BalanceError {
  @Field(() => String, { description: 'The id as given.' })
  endpointId!: string;
}

@ObjectType({ implements: BalanceError, description: 'No event has this id (evt_<entry id>_<slot>).' })
export class WebhookEventNotFound extends BalanceError {
  @Field(() => String, { description: 'The id as given.' })
  eventId!: string;
}

@ObjectType({ description: "One event's delivery to one endpoint: its attempts and where it stands." })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The endpoint.' })
  endpointId!: number;

  @Field(() => String, { description: 'The event id, sent as `webhook-id` (the same on every attempt).' })
  eventId!: string;

  @Field(() => String, { description: 'The event type.' })
  type!: string;

  @Field(() => ID, { description: 'The user whose ledger entry made the event.' })
  userId!: number;

  @Field(() => ID, { description: 'The ledger entry that made the event.' })
  entryId!: number;

  @Field(() => WebhookDeliveryStatus, { description: 'Where it stands.' })
  status!: WebhookDeliveryStatus;

  @Field(() => Int, { description: 'Attempts made so far.' })
  attempts!: number;

  @Field(() => Int, { nullable: true, description: "The receiver's HTTP status at the last attempt; null: none." })
  responseStatus!: number | null;

  @Field(() => String, {
    nullable: true,
    description: 'Why the last attempt failed (status and the start of the answer, timeout, refused address...).',
  })
  error!: string | null;

  @Field(() => GraphQLDateTimeISO, { description: 'The first attempt.' })
  firstAttemptAt!: Date;

  @Field(() => GraphQLDateTimeISO, { description: 'The last attempt.' })
  lastAttemptAt!: Date;

  @Field(() => GraphQLDateTimeISO, { nullable: true, description: 'The next attempt, while PENDING.' })
  nextAttemptAt!: Date | null;
}

@ObjectType({ description: 'The event was sent again, once per endpoint; each delivery as it stands after it.' })
export class WebhookRedelivered {
  @Field(() => [WebhookDelivery], { description: 'One per endpoint it was sent to.' })
  deliveries!: WebhookDelivery[];
}

@ObjectType({ description: 'Reports each crossing of a threshold by a balance, once per crossing.' })
export class BalanceMonitor {
  @Field(() => ID, { description: 'The monitor (its events carry it as `monitorId`).' })
  id!: number;

  @Field(() => ID, { nullable: true, description: 'The user it watches; null: every user.' })
  userId!: number | null;

  @Field(() => BalanceMonitorDirection, { description: 'Which crossing it reports.' })
  direction!: BalanceMonitorDirection;

  @Field(() => GraphQLSafeInt, { description: 'The threshold.' })
  threshold!: number;

  @Field(() => String, { nullable: true, description: 'What it is for, as given.' })
  description!: string | null;

  @Field(() => GraphQLDateTimeISO, { description: 'When it was created: it watches changes made from then on.' })
  createdAt!: Date;
}

@ObjectType({ description: 'The monitor was created.' })
export class BalanceMonitorCreated {
  @Field(() => BalanceMonitor, { description: 'The monitor.' })
  monitor!: BalanceMonitor;
}

@ObjectType({ description: 'The monitor was deleted: it reports no change made from now on.' })
export class BalanceMonitorDeleted {
  @Field(() => BalanceMonitor, { description: 'The monitor.' })
  monitor!: BalanceMonitor;
}

@ObjectType({ implements: BalanceError, description: 'No monitor (not deleted) has this id.' })
export class BalanceMonitorNotFound extends BalanceError {
  @Field(() => String, { description: 'The id as given.' })
  monitorId!: string;
}
