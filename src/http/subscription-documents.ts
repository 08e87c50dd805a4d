import {
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';

/** A subscription document that parsed and validated, with an id that names its text. */
export interface CheckedDocument {
  readonly id: number;
  readonly document: DocumentNode;
}

/**
 * Subscription documents checked once per distinct text, not once per subscriber: a page's subscription is
 * the same text for every visitor, and each parse keeps a tree the subscription holds for its whole life.
 * Documents are parsed without locations (a located tree keeps every token: about 15 KB a document); a text
 * that fails is checked again with locations for the error, and is not remembered. At most `capacity` texts
 * are remembered, the least recently used going first.
 */
export class SubscriptionDocuments {
  private readonly checked = new Map<string, CheckedDocument>();
  private nextId = 1;

  constructor(
    private readonly schema: GraphQLSchema,
    private readonly rules: readonly ValidationRule[],
    private readonly maxTokens: number,
    private readonly capacity = 500,
  ) {}

  /** The checked document, or what is wrong with the text (parse or validation errors, with locations). */
  check(text: string): CheckedDocument | readonly GraphQLError[] {
    const known = this.checked.get(text);
    if (known) {
      this.checked.delete(text);
      this.checked.set(text, known);
      return known;
    }
    const document = parse(text, { maxTokens: this.maxTokens, noLocation: true });
    if (validate(this.schema, document, this.rules).length > 0) {
      return validate(this.schema, parse(text, { maxTokens: this.maxTokens }), this.rules);
    }
    const checked = { id: this.nextId++, document };
    this.checked.set(text, checked);
    if (this.checked.size > this.capacity) this.checked.delete(this.checked.keys().next().value!);
    return checked;
  }
}
