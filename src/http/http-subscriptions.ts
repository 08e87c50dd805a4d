import { getOperationAST, parse } from 'graphql';

/**
 * Whether an HTTP request asks for a subscription (served over WebSocket only). Found before Apollo: graphql-js 16
 * throws while validating `@include(if: $v)` on a subscription's root field, which Apollo answers 500, and any
 * subscription sent over HTTP is the client's mistake (400). Only a text naming `subscription` is parsed.
 */
export function asksForSubscription(body: unknown, search: string, maxTokens: number): boolean {
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : undefined;
  const params = fromBody ? undefined : new URLSearchParams(search);
  const query = fromBody ? fromBody['query'] : params!.get('query');
  const operationName = fromBody ? fromBody['operationName'] : params!.get('operationName');
  if (typeof query !== 'string' || !query.includes('subscription')) return false;
  try {
    const document = parse(query, { noLocation: true, maxTokens });
    const name = typeof operationName === 'string' ? operationName : undefined;
    return getOperationAST(document, name)?.operation === 'subscription';
  } catch {
    return false; // Apollo answers what is wrong with the text.
  }
}
