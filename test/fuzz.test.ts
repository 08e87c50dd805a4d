import fc from 'fast-check';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAppSchema } from '../src/schema.js';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken, startTestApp, type TestApp } from './helpers.js';

let open: TestApp;
let secured: TestApp;
let schema: GraphQLSchema;
/** The same ids exist in both apps: the seeded user 1 and three more (balances 0, 100, 1,000,000). */
let userIds: string[] = [];

beforeAll(async () => {
  [open, secured] = await Promise.all([
    startTestApp({ MAX_QUERY_DEPTH: '6' }),
    startTestApp({ ...JWT_ENV, MAX_QUERY_DEPTH: '6' }),
  ]);
  schema = await buildAppSchema();
  for (const app of [open, secured]) {
    userIds = ['1'];
    for (const balance of [0, 100, 1_000_000]) userIds.push(await insertUser(app.orm, balance));
  }
});
afterAll(async () => {
  await Promise.all([open.close(), secured.close()]);
});

type Draw = <T>(arbitrary: fc.Arbitrary<T>) => T;

const oddStrings = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '\u2028', '"', '\\', '💸', 'a'.repeat(300), "'; drop table users; --", '${x}'),
);
const oddNumbers = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer(),
  fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e308, 0.5, -0),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** A JSON value meant for `type`: usually valid, sometimes of the wrong kind, null or oversized. */
function valueFor(type: GraphQLInputType, draw: Draw, depth = 0): unknown {
  if (draw(fc.integer({ min: 0, max: 19 })) === 0) {
    return draw(fc.oneof(fc.constant(null), oddStrings, oddNumbers, fc.boolean(), fc.constant([]), fc.constant({})));
  }
  if (isNonNullType(type)) return valueFor(type.ofType, draw, depth);
  if (isListType(type)) {
    return depth > 2
      ? []
      : draw(fc.array(fc.constant(0), { maxLength: 3 })).map(() => valueFor(type.ofType, draw, depth + 1));
  }
  if (isEnumType(type)) return draw(fc.constantFrom(...type.getValues().map((v) => v.name), 'NOPE'));
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).map((f) => [f.name, valueFor(f.type, draw, depth + 1)]));
  }
  switch (getNamedType(type).name) {
    case 'ID':
      return draw(fc.oneof(fc.constantFrom(...userIds, '0', '-1', '999999999', 'abc'), oddStrings));
    case 'Int':
    case 'SafeInt':
      return draw(oddNumbers);
    case 'Boolean':
      return draw(fc.boolean());
    default:
      return draw(oddStrings);
  }
}

/** The same value written as a GraphQL literal. */
function literal(value: unknown, type: GraphQLInputType): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => literal(v, type)).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v, type)}`)
      .join(', ')}}`;
  }
  if (isEnumType(getNamedType(type)) && typeof value === 'string' && /^[A-Z_]+$/.test(value)) return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '0';
  return JSON.stringify(value);
}

/** A selection set for `type`, `depth` levels at most (sometimes deeper than the server allows). */
function selection(type: GraphQLNamedType, draw: Draw, depth: number): string {
  if (isScalarType(type) || isEnumType(type)) return '';
  const parts: string[] = ['__typename'];
  if (isUnionType(type) || isInterfaceType(type)) {
    const members = isUnionType(type) ? type.getTypes() : schema.getPossibleTypes(type);
    for (const member of members)
      if (draw(fc.boolean())) parts.push(`... on ${member.name} ${selection(member, draw, depth)}`);
    if (isInterfaceType(type)) parts.push(...fields(type.getFields(), draw, depth));
  } else if (isObjectType(type)) {
    parts.push(...fields(type.getFields(), draw, depth));
  }
  if (draw(fc.integer({ min: 0, max: 29 })) === 0) parts.push('notAField');
  return `{ ${parts.join(' ')} }`;
}

function fields(map: Record<string, GraphQLField<unknown, unknown>>, draw: Draw, depth: number): string[] {
  const out: string[] = [];
  for (const field of Object.values(map)) {
    const named = getNamedType(field.type);
    const leaf = isScalarType(named) || isEnumType(named);
    if (!leaf && depth <= 0) continue;
    if (!draw(fc.integer({ min: 0, max: 2 }))) continue;
    const alias = draw(fc.integer({ min: 0, max: 9 })) === 0 ? `a${draw(fc.nat(99))}: ` : '';
    const args = field.args.length ? `(${inlineArgs(field.args, draw)})` : '';
    out.push(`${alias}${field.name}${args} ${leaf ? '' : selection(named, draw, depth - 1)}`);
  }
  return out;
}

function inlineArgs(args: readonly GraphQLArgument[], draw: Draw): string {
  return args
    .filter((arg) => isNonNullType(arg.type) || draw(fc.boolean()))
    .map((arg) => `${arg.name}: ${literal(valueFor(arg.type, draw), arg.type)}`)
    .join(', ');
}

/** A whole request body: a random root field with inline or variable arguments, or occasionally garbage. */
const requestBody = fc.gen().map((g) => {
  const draw: Draw = (arbitrary) => g(() => arbitrary);
  if (draw(fc.integer({ min: 0, max: 24 })) === 0) {
    return draw(fc.oneof(fc.string(), fc.constantFrom('{', '{"query": 1}', '[]', 'null', '{"query":"{"}'))) as string;
  }
  const operation = draw(fc.constantFrom('query', 'mutation') as fc.Arbitrary<'query' | 'mutation'>);
  const root = operation === 'query' ? schema.getQueryType()! : schema.getMutationType()!;
  const field = draw(fc.constantFrom(...Object.values(root.getFields())));
  const byVariables = draw(fc.boolean());
  const args = field.args.filter((arg) => isNonNullType(arg.type) || draw(fc.boolean()));
  const variables: Record<string, unknown> = {};
  const argText = args
    .map((arg) => {
      const value = valueFor(arg.type, draw);
      if (!byVariables) return `${arg.name}: ${literal(value, arg.type)}`;
      variables[arg.name] = value;
      return `${arg.name}: $${arg.name}`;
    })
    .join(', ');
  const definitions =
    byVariables && args.length ? `(${args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ')})` : '';
  const depth = draw(fc.integer({ min: 0, max: 9 }));
  const query = `${operation} Fuzz${definitions} { ${field.name}${argText ? `(${argText})` : ''} ${selection(getNamedType(field.type), draw, depth)} }`;
  return JSON.stringify(byVariables ? { query, variables } : { query });
});

/** Sends generated requests for up to `timeLimitMs`; every answer must be a 4xx or a GraphQL answer without an internal error. */
/** Every `entryId` anywhere in a response's data (selected under BalanceUpdated, maybe deep). */
function entryIdsIn(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) entryIdsIn(item, found);
  else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'entryId' && typeof inner === 'string') found.push(inner);
      else entryIdsIn(inner, found);
    }
  }
  return found;
}

async function fuzz(app: TestApp, headers: Record<string, string>, numRuns: number, timeLimitMs: number) {
  const seen: Record<string, number> = {};
  const answeredEntries: string[] = [];
  const seed = Number(process.env['FUZZ_SEED'] ?? Date.now() % 2 ** 31);
  await fc.assert(
    fc.asyncProperty(requestBody, async (body) => {
      const response = await fetch(app.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
      });
      const text = await response.text();
      expect(response.status, text).toBeLessThan(500);
      const parsed = JSON.parse(text) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
      entryIdsIn(parsed.data, answeredEntries);
      const errors = parsed.errors;
      const codes = errors?.map((e) => e.extensions?.code ?? 'none') ?? ['ok'];
      for (const code of codes) seen[code] = (seen[code] ?? 0) + 1;
      expect(codes, text).not.toContain('INTERNAL_SERVER_ERROR');
    }),
    { numRuns, interruptAfterTimeLimit: timeLimitMs, seed },
  );
  expect((await fetch(`${app.origin}/health/ready`)).status).toBe(200);
  expect(await ledgerViolations(app.orm)).toEqual([]);
  // Every change the client was told about is in the ledger.
  const stored = await query<{ id: string }>(app.orm, 'select id from ledger_entries');
  const ids = new Set(stored.map((row) => String(row.id)));
  expect(answeredEntries.filter((id) => !ids.has(id))).toEqual([]);
  return (
    `seed ${seed}: ${Object.values(seen).reduce((a, b) => a + b, 0)} answers ${JSON.stringify(seen)}, ` +
    `${answeredEntries.length} entry ids answered, all in the ledger`
  );
}

describe('fuzz: random documents and variables from the schema (FUZZ_SEED=n replays a run)', () => {
  it('AUTH_MODE=off: never a 5xx or an internal error; the invariants hold afterwards', async () => {
    console.info(`fuzz, open: ${await fuzz(open, {}, 3000, 20_000)}`);
  }, 60_000);

  it('as role user: never a 5xx, and the user cannot credit itself or take from anyone else', async () => {
    const self = userIds[2]!; // balance 100
    // What other users may receive from the caller: transfers it paid (their TRANSFER_IN naming it).
    const othersEntries = `select user_id, count(*) as n from ledger_entries
      where user_id <> ${Number(self)} and not (kind = 'TRANSFER_IN' and counterparty_id = ${Number(self)})
      group by user_id order by user_id`;
    const entriesBefore = await query<{ user_id: number; n: string }>(secured.orm, othersEntries);
    const token = await signToken({ role: 'user', sub: self });
    console.info(`fuzz, role user: ${await fuzz(secured, { authorization: `Bearer ${token}` }, 1500, 12_000)}`);

    // Only spending can have happened, only from the caller's own account: its withdrawals and the transfers it
    // paid (whose other side is the payee's TRANSFER_IN). Nothing else credited anyone.
    const credits = await query(
      secured.orm,
      `select id from ledger_entries where amount > 0 and kind <> 'INITIAL'
          and not (kind = 'TRANSFER_IN' and counterparty_id = ${Number(self)})`,
    );
    expect(credits).toEqual([]);
    expect(await query<{ user_id: number; n: string }>(secured.orm, othersEntries)).toEqual(entriesBefore);
  }, 60_000);
});
