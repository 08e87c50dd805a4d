import { Field, InterfaceType, ObjectType } from 'type-graphql';

@InterfaceType({ description: 'A business failure: nothing was changed.' })
export abstract class BalanceError {
  @Field(() => String, { description: 'Human-readable explanation.' })
  message: string;

  @Field(() => String, { description: 'Stable machine-readable code.' })
  code: string;

  protected constructor(code: string, message: string) {
    this.code = code;
    this.message = message;
  }
}

@ObjectType({ implements: BalanceError, description: 'An argument is not acceptable; `field` names it.' })
export class InvalidInput extends BalanceError {
  @Field(() => String, { description: 'The argument at fault.' })
  field: string;

  constructor(field: string, message: string) {
    super('INVALID_INPUT', message);
    this.field = field;
  }
}
