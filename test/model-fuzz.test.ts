// Model-based fuzz (issue 22): random single operations and batches (atomic or not, some under keys, some repeating
// an earlier key with the same or other parameters), sent to two server processes on one database, each answer
// checked against a pure model of balances, holds and keys; at the end every balance, held amount and hold status
// against the model, and the ledger's invariants. Steps go in groups: the steps of a group touch disjoint accounts
// (and keys) and are sent at once, to either process, so their order does not change the model's answer.
// Three of the accounts have limits (a credit line, a maximum, a daily debit limit), which the model applies too.
// FUZZ_SEED=n repeats a run; FUZZ_GROUPS=n makes it longer.
import { randomInt } from 'node:crypto';
import { expect, it } from 'vitest';
import { insertUser, JWT_ENV, ledgerViolations, query, signToken } from './helpers.js';
import { seededRandom } from '../scripts/lib/random.js';
import { startServers } from './server-process.js';

// A new seed each run (not Math.random: the test runner may seed it the same way every time).
const SEED = Number(process.env['FUZZ_SEED'] ?? randomInt(2 ** 31 - 1));
const GROUPS = Number(process.env['FUZZ_GROUPS'] ?? 250);
const USERS = 5;
const UNKNOWN_HOLD = 987654321;

type Kind = 'deposit' | 'withdraw' | 'transfer' | 'setBalance' | 'hold' | 'captureHold' | 'voidHold';

/** One operation as sent: its mutation and its arguments (ids as numbers; sent as strings). */
interface Op {
  kind: Kind;
  args: { userId?: number; fromUserId?: number; toUserId?: number; payeeId?: number; holdId?: number } & {
    amount?: number;
    balance?: number;
    expiresIn?: number;
  };
}

type Step =
  { type: 'single'; op: Op; key: string | null } | { type: 'batch'; items: Op[]; atomic: boolean; key: string | null };

interface HoldModel {
  user: number;
  payee: number;
  amount: number;
  status: 'OPEN' | 'CAPTURED' | 'VOIDED';
}

/** The pure model: what the service should hold after every answer. */
interface Model {
  balance: Map<number, number>;
  held: Map<number, number>;
  holds: Map<number, HoldModel>;
  /** Single operations decided under a key (applied or refused): by "account:key", the request and its answer's type. */
  opKeys: Map<string, { request: string; answer: string }>;
  /** Batches answered under a key (applied or refused): the request and the answer (types, in order). */
  batchKeys: Map<string, { request: string; answer: string }>;
  /** Each account's limits (fixed for the run) and what debits took (the run stays within one day). */
  limits: Map<number, Limits>;
  debited: Map<number, number>;
}

interface Limits {
  min: number;
  max: number;
  daily: number;
}

const NO_LIMITS: Limits = { min: 0, max: Number.MAX_SAFE_INTEGER, daily: Number.MAX_SAFE_INTEGER };

const clone = (m: Model): Model => ({
  balance: new Map(m.balance),
  held: new Map(m.held),
  holds: new Map([...m.holds].map(([id, h]) => [id, { ...h }])),
  opKeys: m.opKeys,
  batchKeys: m.batchKeys,
  limits: m.limits,
  debited: new Map(m.debited),
});

/** The account an operation belongs to (its key's account): the payer, the hold's user. */
function accountOf(op: Op, m: Model): number | undefined {
  const { userId, fromUserId, holdId } = op.args;
  if (op.kind === 'captureHold' || op.kind === 'voidHold') return m.holds.get(holdId!)?.user;
  return userId ?? fromUserId;
}

/** Refusals found before anything runs (the service's preparation of an item). */
function preparedRefusal(op: Op, m: Model): string | undefined {
  if (op.kind === 'transfer' && op.args.fromUserId === op.args.toUserId) return 'SelfTransfer';
  if ((op.kind === 'captureHold' || op.kind === 'voidHold') && !m.holds.has(op.args.holdId!)) return 'HoldNotFound';
  return undefined;
}

/** Decides `op` against `m` and applies it when accepted; its answer's type. `placed`: the id a new hold got. */
function decide(op: Op, m: Model, placed?: number): string {
  const prepared = preparedRefusal(op, m);
  if (prepared) return prepared;
  const a = op.args;
  const limits = (user: number) => m.limits.get(user) ?? NO_LIMITS;
  // What may be spent: the balance, less what is held, less the minimum (a credit line adds to it).
  const available = (user: number) => m.balance.get(user)! - m.held.get(user)! - limits(user).min;
  const add = (user: number, amount: number) => m.balance.set(user, m.balance.get(user)! + amount);
  const passesMax = (user: number, amount: number) => m.balance.get(user)! + amount > limits(user).max;
  const passesDaily = (user: number, amount: number) => (m.debited.get(user) ?? 0) + amount > limits(user).daily;
  const debit = (user: number, amount: number) => m.debited.set(user, (m.debited.get(user) ?? 0) + amount);
  switch (op.kind) {
    case 'deposit':
      if (passesMax(a.userId!, a.amount!)) return 'LimitExceeded';
      add(a.userId!, a.amount!);
      return 'BalanceUpdated';
    case 'withdraw':
      if (available(a.userId!) < a.amount!) return 'InsufficientFunds';
      if (passesDaily(a.userId!, a.amount!)) return 'LimitExceeded';
      add(a.userId!, -a.amount!);
      debit(a.userId!, a.amount!);
      return 'BalanceUpdated';
    case 'transfer':
      if (available(a.fromUserId!) < a.amount!) return 'InsufficientFunds';
      if (passesDaily(a.fromUserId!, a.amount!) || passesMax(a.toUserId!, a.amount!)) return 'LimitExceeded';
      add(a.fromUserId!, -a.amount!);
      debit(a.fromUserId!, a.amount!);
      add(a.toUserId!, a.amount!);
      return 'TransferCompleted';
    case 'setBalance': {
      const change = a.balance! - m.balance.get(a.userId!)!;
      // Setting it lower is spending: not below the minimum (then, from a balance of at least 0, the holds).
      if (change < 0 && available(a.userId!) + change < 0) return 'InvalidAmount';
      if (change > 0 && passesMax(a.userId!, change)) return 'LimitExceeded';
      m.balance.set(a.userId!, a.balance!);
      return 'BalanceUpdated';
    }
    case 'hold':
      if (available(a.userId!) < a.amount!) return 'InsufficientFunds';
      m.held.set(a.userId!, m.held.get(a.userId!)! + a.amount!);
      if (placed !== undefined) {
        m.holds.set(placed, { user: a.userId!, payee: a.payeeId!, amount: a.amount!, status: 'OPEN' });
      }
      return 'HoldPlaced';
    case 'captureHold':
    case 'voidHold': {
      const hold = m.holds.get(a.holdId!)!;
      if (hold.status === 'CAPTURED') return 'HoldAlreadyCaptured';
      if (hold.status === 'VOIDED') return 'HoldAlreadyVoided';
      const take = op.kind === 'voidHold' ? 0 : (a.amount ?? hold.amount);
      if (take > hold.amount) return 'InvalidAmount';
      // A capture never leaves less available (it ends the hold): only the debit limit and the payee's maximum.
      if (take > 0 && (passesDaily(hold.user, take) || passesMax(hold.payee, take))) return 'LimitExceeded';
      m.held.set(hold.user, m.held.get(hold.user)! - hold.amount);
      add(hold.user, -take);
      debit(hold.user, take);
      add(hold.payee, take);
      hold.status = op.kind === 'voidHold' ? 'VOIDED' : 'CAPTURED';
      return op.kind === 'voidHold' ? 'HoldVoided' : 'HoldCaptured';
    }
  }
}

const APPLIED = new Set(['BalanceUpdated', 'TransferCompleted', 'HoldPlaced', 'HoldCaptured', 'HoldVoided']);
const request = (value: unknown) => JSON.stringify(value);

/** A single operation's expected answer (and the model after it), keys included. */
function expectSingle(step: Extract<Step, { type: 'single' }>, m: Model, placed?: number): string {
  const account = accountOf(step.op, m);
  const keyId = step.key !== null && account !== undefined ? `${account}:${step.key}` : undefined;
  const recorded = keyId === undefined ? undefined : m.opKeys.get(keyId);
  if (preparedRefusal(step.op, m)) return preparedRefusal(step.op, m)!;
  if (recorded) return recorded.request === request(step.op) ? recorded.answer : 'IdempotencyKeyReused';
  const answer = decide(step.op, m, placed);
  // Decided in the engine, applied or refused: recorded under the key (a repeat gets the same answer).
  if (keyId !== undefined) m.opKeys.set(keyId, { request: request(step.op), answer });
  return answer;
}

interface BatchAnswer {
  type: string;
  index?: number;
  results?: string[];
}

/** A batch's expected answer; `placed`: the ids the service gave its new holds, in order of the items. */
function expectBatch(step: Extract<Step, { type: 'batch' }>, m: Model, placed: (number | undefined)[]): string {
  const asked = request([step.atomic, step.items]);
  const recorded = step.key === null ? undefined : m.batchKeys.get(step.key);
  if (recorded) return recorded.request === asked ? recorded.answer : request({ type: 'IdempotencyKeyReused' });
  let answer: BatchAnswer;
  if (step.atomic) {
    const notApplied = () => step.items.map(() => 'NotApplied');
    const first = step.items.findIndex((op) => preparedRefusal(op, m));
    if (first >= 0) {
      const results = notApplied();
      results[first] = preparedRefusal(step.items[first]!, m)!;
      answer = { type: 'BatchRefused', index: first, results };
    } else {
      const trial = clone(m);
      const results = step.items.map((op, i) => decide(op, trial, placed[i]));
      const refused = results.findIndex((r) => !APPLIED.has(r));
      if (refused >= 0) {
        const refusedResults = notApplied();
        refusedResults[refused] = results[refused]!;
        answer = { type: 'BatchRefused', index: refused, results: refusedResults };
      } else {
        Object.assign(m, { balance: trial.balance, held: trial.held, holds: trial.holds, debited: trial.debited });
        answer = { type: 'BatchApplied', results };
      }
    }
  } else {
    answer = { type: 'BatchApplied', results: step.items.map((op, i) => decide(op, m, placed[i])) };
  }
  const text = request(answer);
  if (step.key !== null) m.batchKeys.set(step.key, { request: asked, answer: text });
  return text;
}

/** Deterministic random numbers from the seed. */
function generator(seed: number) {
  const next = seededRandom(seed);
  const int = (n: number) => Math.floor(next() * n);
  return { int, pick: <T>(items: readonly T[]) => items[int(items.length)]! };
}

const DOCUMENTS: Record<Kind, string> = {
  deposit: `mutation($userId: ID!, $amount: Int!, $key: String) {
    r: deposit(userId: $userId, amount: $amount, idempotencyKey: $key) { __typename } }`,
  withdraw: `mutation($userId: ID!, $amount: Int!, $key: String) {
    r: withdraw(userId: $userId, amount: $amount, idempotencyKey: $key) { __typename } }`,
  transfer: `mutation($fromUserId: ID!, $toUserId: ID!, $amount: SafeInt!, $key: String) {
    r: transfer(fromUserId: $fromUserId, toUserId: $toUserId, amount: $amount, idempotencyKey: $key) { __typename } }`,
  setBalance: `mutation($userId: ID!, $balance: SafeInt!, $key: String) {
    r: setBalance(userId: $userId, balance: $balance, idempotencyKey: $key) { __typename } }`,
  hold: `mutation($userId: ID!, $amount: SafeInt!, $expiresIn: Int!, $payeeId: ID, $key: String) {
    r: hold(userId: $userId, amount: $amount, expiresIn: $expiresIn, payeeId: $payeeId, idempotencyKey: $key) {
      __typename ... on HoldPlaced { hold { id } } } }`,
  captureHold: `mutation($holdId: ID!, $amount: SafeInt, $key: String) {
    r: captureHold(holdId: $holdId, amount: $amount, idempotencyKey: $key) { __typename } }`,
  voidHold: `mutation($holdId: ID!, $key: String) { r: voidHold(holdId: $holdId, idempotencyKey: $key) { __typename } }`,
};
const BATCH = `mutation($operations: [BatchOperation!]!, $atomic: Boolean, $key: String) {
  r: batch(operations: $operations, atomic: $atomic, idempotencyKey: $key) {
    __typename
    ... on BatchApplied { results { __typename ... on HoldPlaced { hold { id } } } }
    ... on BatchRefused { index results { __typename } } } }`;

/** Ids as GraphQL sends them (strings); absent arguments left out. */
function variables(op: Op): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(op.args)
      .filter(([, value]) => value !== undefined)
      .map(([name, value]) => [name, name.endsWith('Id') ? String(value) : value]),
  );
}

it(
  `random operations and batches over two processes match a pure model (seed ${SEED})`,
  { timeout: 180_000 },
  async () => {
    const cluster = await startServers(2, JWT_ENV);
    try {
      const token = await signToken({ role: 'service', sub: 'model-fuzz' });
      const random = generator(SEED);
      const model: Model = {
        balance: new Map(),
        held: new Map(),
        holds: new Map(),
        opKeys: new Map(),
        batchKeys: new Map(),
        limits: new Map(),
        debited: new Map(),
      };
      const users: number[] = [];
      for (let i = 0; i < USERS; i++) {
        const balance = random.int(40);
        const id = Number(await insertUser(cluster.orm, balance));
        users.push(id);
        model.balance.set(id, balance);
        model.held.set(id, 0);
      }
      // A credit line, a maximum and a daily debit limit, each on its own account.
      const limited: [number, Record<string, number>, Limits][] = [
        [users[0]!, { minBalance: -25 }, { ...NO_LIMITS, min: -25 }],
        [users[1]!, { maxBalance: 70 }, { ...NO_LIMITS, max: 70 }],
        [users[2]!, { dailyDebitLimit: 60 }, { ...NO_LIMITS, daily: 60 }],
      ];
      const post = async (query: string, vars: Record<string, unknown>) => {
        const response = await fetch(cluster.urls[random.int(2)]!, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables: vars }),
        });
        const body = (await response.json()) as { data?: { r: Record<string, unknown> }; errors?: unknown };
        if (!body.data) throw new Error(`no answer: ${JSON.stringify(body.errors)}`);
        return body.data.r;
      };
      for (const [userId, limits, modelled] of limited) {
        const set = await post(
          'mutation($userId: ID!, $limits: LimitsInput!) { r: setLimits(userId: $userId, limits: $limits) { __typename } }',
          { userId: String(userId), limits },
        );
        expect(set['__typename']).toBe('LimitsSet');
        model.limits.set(userId, modelled);
      }

      const other = (user: number) => random.pick(users.filter((u) => u !== user));
      const someHold = () => (random.int(10) === 0 ? UNKNOWN_HOLD : random.pick([...model.holds.keys(), UNKNOWN_HOLD]));
      const randomOp = (): Op => {
        const user = random.pick(users);
        switch (
          random.pick<Kind>([
            'deposit',
            'withdraw',
            'transfer',
            'transfer',
            'setBalance',
            'hold',
            'captureHold',
            'voidHold',
          ])
        ) {
          case 'deposit':
            return { kind: 'deposit', args: { userId: user, amount: 1 + random.int(20) } };
          case 'withdraw':
            return { kind: 'withdraw', args: { userId: user, amount: 1 + random.int(30) } };
          case 'transfer': {
            const to = random.int(15) === 0 ? user : other(user);
            return { kind: 'transfer', args: { fromUserId: user, toUserId: to, amount: 1 + random.int(30) } };
          }
          case 'setBalance':
            return { kind: 'setBalance', args: { userId: user, balance: random.int(40) } };
          case 'hold':
            return {
              kind: 'hold',
              args: { userId: user, amount: 1 + random.int(20), expiresIn: 600, payeeId: other(user) },
            };
          case 'captureHold': {
            const holdId = someHold();
            const amount = random.int(3) === 0 ? undefined : 1 + random.int((model.holds.get(holdId)?.amount ?? 5) + 2);
            return { kind: 'captureHold', args: { holdId, amount } };
          }
          case 'voidHold':
            return { kind: 'voidHold', args: { holdId: someHold() } };
        }
      };
      let keys = 0;
      const singleKeys: { op: Op; key: string }[] = [];
      const batchKeys: { step: Extract<Step, { type: 'batch' }> }[] = [];
      const randomStep = (): Step => {
        const dice = random.int(100);
        if (dice < 8 && singleKeys.length > 0) {
          // An earlier key again: the same request (a retry), or another amount under it.
          const { op, key } = random.pick(singleKeys);
          const same = random.int(2) === 0 || op.args.amount === undefined;
          return { type: 'single', key, op: same ? op : { ...op, args: { ...op.args, amount: op.args.amount! + 1 } } };
        }
        if (dice < 12 && batchKeys.length > 0) {
          const { step } = random.pick(batchKeys);
          return random.int(2) === 0 ? step : { ...step, atomic: !step.atomic };
        }
        if (dice < 40) {
          const items = Array.from({ length: 1 + random.int(5) }, randomOp);
          const step: Step = { type: 'batch', items, atomic: random.int(3) !== 0, key: null };
          if (random.int(4) === 0) {
            step.key = `batch-${++keys}`;
            batchKeys.push({ step });
          }
          return step;
        }
        const op = randomOp();
        const key = random.int(4) === 0 ? `op-${++keys}` : null;
        if (key) singleKeys.push({ op, key });
        return { type: 'single', op, key };
      };
      /** What a step touches: accounts (and its hold's), and its key. */
      const touches = (step: Step): string[] => {
        const ops = step.type === 'single' ? [step.op] : step.items;
        const touched = ops.flatMap((op) => {
          const { userId, fromUserId, toUserId, payeeId, holdId } = op.args;
          const hold = holdId === undefined ? undefined : model.holds.get(holdId);
          return [userId, fromUserId, toUserId, payeeId, hold?.user, hold?.payee]
            .filter((id) => id !== undefined)
            .map((id) => `user ${id}`);
        });
        return step.key === null ? touched : [...touched, `${step.type} key ${step.key}`];
      };

      let steps = 0;
      const answered = new Map<string, number>();
      for (let group = 0; group < GROUPS; group++) {
        const chosen: Step[] = [];
        const busy = new Set<string>();
        for (let tries = 0; tries < 3; tries++) {
          const step = randomStep();
          const touched = touches(step);
          if (touched.some((t) => busy.has(t))) break;
          touched.forEach((t) => busy.add(t));
          chosen.push(step);
        }
        const answers = await Promise.all(
          chosen.map((step) =>
            step.type === 'single'
              ? post(DOCUMENTS[step.op.kind], { ...variables(step.op), key: step.key })
              : post(BATCH, {
                  operations: step.items.map((op) => ({ [op.kind]: variables(op) })),
                  atomic: step.atomic,
                  key: step.key,
                }),
          ),
        );
        chosen.forEach((step, i) => {
          const answer = answers[i]!;
          const where = `seed ${SEED}, group ${group}, ${JSON.stringify(step)}`;
          if (step.type === 'single') {
            const placed = (answer['hold'] as { id: string } | undefined)?.id;
            const expected = expectSingle(step, model, placed === undefined ? undefined : Number(placed));
            expect(answer['__typename'], where).toBe(expected);
          } else {
            const results = (answer['results'] ?? []) as { __typename: string; hold?: { id: string } }[];
            const placed = step.items.map((_, j) => (results[j]?.hold ? Number(results[j]!.hold!.id) : undefined));
            const expected = expectBatch(step, model, placed);
            const got =
              answer['__typename'] === 'IdempotencyKeyReused'
                ? { type: 'IdempotencyKeyReused' }
                : {
                    type: answer['__typename'],
                    ...(answer['index'] === undefined ? {} : { index: answer['index'] }),
                    results: results.map((r) => r.__typename),
                  };
            expect(request(got), where).toBe(expected);
          }
          const type = String(answer['__typename']);
          answered.set(type, (answered.get(type) ?? 0) + 1);
          steps++;
        });
      }

      const rows = await query<{ id: number; balance: string; held: string }>(
        cluster.orm,
        'select id, balance, held from users where id in (select jsonb_array_elements_text(?::jsonb)::integer) order by id',
        [JSON.stringify(users)],
      );
      expect(rows.map((r) => [r.id, Number(r.balance), Number(r.held)])).toEqual(
        users.map((u) => [u, model.balance.get(u), model.held.get(u)]),
      );
      const holds = await query<{ id: string; status: string }>(
        cluster.orm,
        'select id, status from holds order by id',
      );
      const wrongHolds = holds.filter((h) => model.holds.get(Number(h.id))?.status !== h.status);
      expect(wrongHolds, `seed ${SEED}: holds not as the model has them`).toEqual([]);
      expect(holds.length).toBe(model.holds.size);
      expect(await ledgerViolations(cluster.orm)).toEqual([]);
      console.log(
        `model fuzz: seed ${SEED}: ${steps} steps in ${GROUPS} groups, answers ${JSON.stringify(Object.fromEntries(answered))}`,
      );
      // Every kind of answer the model knows came up (a run that exercised little would pass for nothing).
      expect([...answered.keys()]).toEqual(
        expect.arrayContaining(['BatchApplied', 'BatchRefused', 'TransferCompleted']),
      );
      expect(await cluster.stop()).toEqual([0, 0]);
    } finally {
      await cluster.close();
    }
  },
);
