import { IsEmail, IsInt, IsOptional, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { GraphQLSafeInt } from 'graphql-scalars';
import { createUnionType, Field, InputType, Int, ObjectType } from 'type-graphql';
import { BalanceError, byType, InvalidInput } from '../common/errors.types.js';
import { PageInfo } from '../common/connection.types.js';
import { User } from './user.entity.js';
import { type UserState } from '../../core/user.js';

/** PostgreSQL text cannot hold U+0000. */
// eslint-disable-next-line no-control-regex -- matching NUL is the point
const NO_NUL = /^[^\u0000]*$/;

@InputType({ description: 'A new user: a unique username, optional contact details and an opening balance.' })
export class CreateUserInput {
  @Field(() => String, { description: '3-32 letters, digits, `_` or `-`; unique case-insensitively.' })
  @Length(3, 32)
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'username may contain only letters, digits, _ and -' })
  username!: string;

  @Field(() => String, { nullable: true, description: 'Unique case-insensitively when given.' })
  @IsOptional()
  @IsEmail()
  @MaxLength(254)
  @Matches(NO_NUL, { message: 'email may not contain NUL characters' })
  email?: string | null;

  @Field(() => String, { nullable: true, description: 'Display name, 1-100 characters.' })
  @IsOptional()
  @Length(1, 100)
  @Matches(NO_NUL, { message: 'name may not contain NUL characters' })
  name?: string | null;

  @Field(() => GraphQLSafeInt, {
    nullable: true,
    description: 'Opening balance (default 0), the first ledger entry (INITIAL).',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  initialBalance?: number | null;
}

@ObjectType({ description: 'The user was created, with its INITIAL ledger entry (the opening balance).' })
export class UserCreated {
  @Field(() => User, { description: 'The new user.' })
  user!: UserState;
}

@ObjectType({ implements: BalanceError, description: 'Another user has this username (case-insensitively).' })
export class UsernameTaken extends BalanceError {
  @Field(() => String, { description: 'The username asked for.' })
  username!: string;
}

@ObjectType({ implements: BalanceError, description: 'Another user has this email (case-insensitively).' })
export class EmailTaken extends BalanceError {
  @Field(() => String, { description: 'The email asked for.' })
  email!: string;
}

export const CreateUserResult = createUnionType({
  name: 'CreateUserResult',
  description: 'The outcome of createUser: the new user, or why it was not created.',
  resolveType: byType,
  types: () => [UserCreated, UsernameTaken, EmailTaken, InvalidInput] as const,
});

export type CreateUserResult = typeof CreateUserResult;

@ObjectType({ description: 'One user in a page of users.' })
export class UserEdge {
  @Field(() => String, { description: 'Pass as `after` to get the users after this one.' })
  cursor!: string;

  @Field(() => User, { description: 'The user.' })
  node!: UserState;
}

@ObjectType({ description: 'A page of users, ordered by id.' })
export class UserConnection {
  @Field(() => [UserEdge], { description: 'The users of this page.' })
  edges!: UserEdge[];

  @Field(() => PageInfo, { description: 'Where this page is and whether more follow.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'All users, on every page.' })
  totalCount!: number;
}
