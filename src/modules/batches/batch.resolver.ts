import { Arg, Ctx, Mutation, Resolver } from 'type-graphql';
import type { RequestContext } from '../../context.js';
import { Access, batchAccess, mayRead } from '../auth/access.js';
import { clientKey } from '../auth/key-space.js';
import { BatchService, type BatchOutcome } from './batch.service.js';
import { BatchOperation, BatchResult } from './batch.types.js';

@Resolver()
export class BatchResolver {
  constructor(private readonly batches: BatchService) {}

  @Mutation(() => BatchResult, {
    description:
      'Applies up to BATCH_OPERATIONS_MAX operations in order, in one transaction: each item as its mutation alone ' +
      '(a later item sees the effects of the earlier ones). Atomic (the default): all of them, or at the first ' +
      'refusal none (BatchRefused). Otherwise each item is decided on its own. Role `user`: each item as its ' +
      'mutation allows.',
  })
  @Access(batchAccess)
  batch(
    @Ctx() { principal }: RequestContext,
    @Arg('operations', () => [BatchOperation], { description: 'The operations, in the order they apply.' })
    operations: BatchOperation[],
    @Arg('atomic', () => Boolean, {
      defaultValue: true,
      description: 'All or nothing (true), or each item on its own (false).',
    })
    atomic: boolean,
    @Arg('idempotencyKey', () => String, {
      nullable: true,
      description:
        'Apply the batch at most once: a repeat with the same operations gets the first answer, with anything ' +
        'different IdempotencyKeyReused. A refused batch is recorded too: send a new key to try again.',
    })
    idempotencyKey?: string | null,
  ): Promise<BatchOutcome> {
    // A user's batch keys are its own; staff share theirs (as for the keys of operations).
    const owner = principal.role === 'user' ? principal.userId! : 0;
    const key = clientKey(principal, idempotencyKey);
    return this.batches.batch(operations, atomic, key, owner, (userId) => mayRead(principal, userId));
  }
}
