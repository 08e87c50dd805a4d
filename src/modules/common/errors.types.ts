import { Field, InterfaceType, ObjectType } from 'type-graphql';

/**
 * How a union or interface of this schema finds the type of a value: outcomes and refusals are plain values
 * (src/core) whose `type` is the name of the GraphQL type that shows them.
 */
export const byType = (value: unknown): string => (value as { type: string }).type;

@InterfaceType({ description: 'A business failure: nothing was changed.', resolveType: byType })
export abstract class BalanceError {
  @Field(() => String, { description: 'Human-readable explanation.' })
  message!: string;

  @Field(() => String, { description: 'Stable machine-readable code.' })
  code!: string;
}

@ObjectType({ implements: BalanceError, description: 'An argument is not acceptable; `field` names it.' })
export class InvalidInput extends BalanceError {
  @Field(() => String, { description: 'The argument at fault.' })
  field!: string;
}
