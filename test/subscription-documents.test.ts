import { buildSchema, specifiedRules } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SubscriptionDocuments } from '../src/http/subscription-documents.js';

const schema = buildSchema(`
  type Query { ok: Boolean }
  type Subscription { ticks(every: Int!): Int }
`);

describe('SubscriptionDocuments', () => {
  it('checks a text once: the same document (and id) for every subscriber sending it', () => {
    const documents = new SubscriptionDocuments(schema, specifiedRules, 100);
    const first = documents.check('subscription { ticks(every: 1) }');
    const again = documents.check('subscription { ticks(every: 1) }');
    const other = documents.check('subscription { ticks(every: 2) }');
    expect('document' in first && 'document' in again && 'document' in other).toBe(true);
    expect(again).toBe(first);
    expect(other).not.toBe(first);
  });

  it('answers what is wrong with a text, with locations, and does not remember it', () => {
    const documents = new SubscriptionDocuments(schema, specifiedRules, 100);
    const problems = documents.check('subscription { ticks(every: "x") }');
    expect(Array.isArray(problems)).toBe(true);
    expect((problems as readonly Error[])[0]).toMatchObject({ locations: [{ line: 1, column: 29 }] });
    expect(() => documents.check('subscription {')).toThrow(/Syntax Error/);
    expect(() => documents.check(`subscription { ${'ticks(every: 1) '.repeat(50)}}`)).toThrow(/more that 100 tokens/);
  });

  it('remembers at most `capacity` texts, the least recently used going first', () => {
    const documents = new SubscriptionDocuments(schema, specifiedRules, 100, 2);
    const text = (n: number) => `subscription { ticks(every: ${n}) }`;
    const one = documents.check(text(1));
    documents.check(text(2));
    expect(documents.check(text(1))).toBe(one); // 1 is now the most recent
    documents.check(text(3)); // evicts 2
    expect(documents.check(text(1))).toBe(one);
    const two = documents.check(text(2));
    expect(two).not.toBe(one);
    expect((two as { id: number }).id).toBeGreaterThan(2);
  });
});
