/**
 * Characters no text sent to the Blue/Green plugins may hold: control characters (C0 and C1, NUL
 * included) other than tab and line feed, and the Unicode marks that make text display otherwise
 * than it is stored (bidirectional embeddings, overrides and isolates, such as U+202E).
 */
const REFUSED_CHARACTER =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u200E\u200F\u202A-\u202E\u2066-\u2069]/;

/**
 * The bounds every text a user sends to the plugins meets, on every path (HTTP API, actions
 * registry, scaffolder actions): its longest length, by kind of text.
 *
 * @public
 */
export const TEXT_LIMITS = {
  /** Why a switch or a scale is made. */
  reason: 1000,
  /** A sign-off's note. */
  note: 2000,
  /** The revision token of `EntityStatus.revision`. */
  revision: 100,
  /** A catalog entity ref. */
  entityRef: 500,
} as const;

/**
 * Why `value` may not be stored or sent on, or undefined when it may: longer than `maxLength`, a
 * control character, a bidirectional override, or text that is not well-formed Unicode (a lone
 * surrogate, which PostgreSQL cannot store).
 *
 * @public
 */
export function textProblem(
  value: string,
  maxLength: number,
): string | undefined {
  if (value.length > maxLength) {
    return `must be at most ${maxLength.toLocaleString(
      'en-US',
    )} characters (got ${value.length.toLocaleString('en-US')})`;
  }
  const refused = REFUSED_CHARACTER.exec(value);
  if (refused) {
    const code = refused[0].codePointAt(0)!;
    return `must not contain control or bidirectional-override characters (U+${code
      .toString(16)
      .toUpperCase()
      .padStart(4, '0')} at position ${refused.index})`;
  }
  if (!isWellFormed(value)) {
    return 'must be well-formed Unicode text (it holds a lone surrogate)';
  }
  return undefined;
}

function isWellFormed(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = value.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) {
      return false;
    }
  }
  return true;
}
