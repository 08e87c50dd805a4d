import { invalidInput, type InvalidInput } from '../../core/refusals.js';

/**
 * Why `value` cannot be stored as text, or undefined when it can. PostgreSQL text holds no NUL, and a lone
 * UTF-16 surrogate (`"\ud800"` is valid JSON) is stored as U+FFFD: the stored text would no longer equal
 * what the client sent, so an idempotency key would never match its replay.
 */
export function textProblem(value: string, maxLength: number, minLength = 0): string | undefined {
  if (!value.isWellFormed()) return 'is not well-formed Unicode text (it has a lone UTF-16 surrogate)';
  if (value.includes('\u0000')) return 'may not contain NUL characters';
  if (value.length < minLength || value.length > maxLength) {
    return minLength > 0
      ? `must have ${minLength} to ${maxLength} characters`
      : `may have at most ${maxLength} characters`;
  }
  return undefined;
}

/** InvalidInput for a text argument that cannot be stored as sent, else undefined. Null means "not given". */
export function checkText(
  field: string,
  value: string | null | undefined,
  maxLength: number,
  minLength = 0,
): InvalidInput | undefined {
  if (value === null || value === undefined) return undefined;
  const problem = textProblem(value, maxLength, minLength);
  return problem === undefined ? undefined : invalidInput(field, `${field} ${problem}`);
}
