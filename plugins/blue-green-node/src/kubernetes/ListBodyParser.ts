import { hash } from 'node:crypto';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (b: number) =>
  b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** How many backslashes come right before `end` in `chunk`, counting back to `from` at most. */
function backslashesBefore(chunk: Buffer, end: number, from: number): number {
  let count = 0;
  while (end - count - 1 >= from && chunk[end - count - 1] === BACKSLASH) {
    count++;
  }
  return count;
}

const ITEMS_KEY = /^\s*"items"\s*:\s*$/;

/**
 * Reads a Kubernetes list response (`{"kind":"…List","metadata":{…},"items":[{…},…]}`) chunk by
 * chunk as it arrives, and parses each item, and each other top-level member, with its own
 * `JSON.parse`.
 *
 * Why not one `JSON.parse` of the whole body: a cluster-wide list of thousands of objects is a
 * string of megabytes, which V8 allocates straight into its old generation, next to a Buffer as
 * large; parsing it whole keeps every item alive until the last one is parsed. Item by item, the
 * body is never held at once, and what the caller drops of an item dies young. Only the items'
 * boundaries are found here (string and nesting state over the bytes, which UTF-8 keeps apart
 * from multi-byte characters); the parsing itself is V8's, several times faster than a JSON
 * parser written in JavaScript.
 *
 * With `reuse`, each item's bytes are digested (SHA-256) and an item whose digest is in `reuse`
 * is answered with that object instead of being parsed: a list read again answers the objects
 * that did not change without parsing them (the caller builds `reuse` from the `digests` of its
 * earlier read).
 */
export class ListBodyParser<T = unknown> {
  readonly #items: T[] = [];
  readonly #reuse?: ReadonlyMap<string, T>;
  /** With `reuse`: each item's digest, in the items' order. */
  readonly digests?: string[];
  readonly #members: Record<string, unknown> = {};
  /** Pieces of the current segment from earlier chunks. */
  #pieces: Buffer[] = [];
  /** Where the current segment starts in the current chunk; -1 when none is being read. */
  #start = -1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  /** 'members': reading the top-level object; 'items': reading the elements of its `items`. */
  #mode: 'members' | 'items' = 'members';
  #started = false;

  constructor(options?: { reuse?: ReadonlyMap<string, T> }) {
    if (options?.reuse) {
      this.#reuse = options.reuse;
      this.digests = [];
    }
  }

  push(chunk: Buffer): void {
    // The scanning state in locals: this loop runs once per byte of lists of megabytes.
    let inString = this.#inString;
    let escaped = this.#escaped;
    let depth = this.#depth;
    const length = chunk.length;
    for (let i = 0; i < length; i++) {
      if (inString) {
        if (escaped) {
          escaped = false;
          continue;
        }
        // Most of a list's bytes are inside strings: find the closing quote natively. A quote
        // after an odd run of backslashes is escaped; a run is counted back only over this
        // chunk's bytes of the string (`escaped` carries one left open by the previous chunk).
        const from = i;
        let quote = chunk.indexOf(QUOTE, i);
        while (quote >= 0 && backslashesBefore(chunk, quote, from) % 2 === 1) {
          quote = chunk.indexOf(QUOTE, quote + 1);
        }
        if (quote < 0) {
          escaped = backslashesBefore(chunk, length, from) % 2 === 1;
          break;
        }
        inString = false;
        i = quote;
        continue;
      }
      const b = chunk[i];
      if (b === QUOTE) {
        inString = true;
        continue;
      }
      // Only the top-level object's and the items array's own structure matters.
      if (b === OPEN_BRACE || b === OPEN_BRACKET) {
        depth++;
        if (depth > 2) continue;
      } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) {
        depth--;
        if (depth > 1) continue;
      } else if (b !== COMMA || depth > 2) {
        continue;
      }
      this.#depth = depth;
      this.#structure(chunk, i, b);
    }
    this.#inString = inString;
    this.#escaped = escaped;
    this.#depth = depth;
    if (this.#start >= 0) {
      this.#pieces.push(chunk.subarray(this.#start));
      this.#start = 0;
    }
  }

  /** A bracket or comma of the top-level object or of its items array (depth already counted). */
  #structure(chunk: Buffer, i: number, b: number) {
    switch (b) {
      case OPEN_BRACE:
      case OPEN_BRACKET:
        if (this.#depth === 1) {
          if (b !== OPEN_BRACE || this.#started) {
            throw new SyntaxError('a list response is one JSON object');
          }
          this.#started = true;
          this.#start = i + 1;
        } else if (
          b === OPEN_BRACKET &&
          this.#mode === 'members' &&
          ITEMS_KEY.test(this.#segment(chunk, i))
        ) {
          this.#mode = 'items';
          this.#pieces = [];
          this.#start = i + 1;
        }
        break;
      case CLOSE_BRACE:
      case CLOSE_BRACKET:
        if (this.#depth === 1 && this.#mode === 'items') {
          this.#endItem(chunk, i);
          this.#mode = 'members';
          // The `items` member is read; the next comma starts the next member.
          this.#start = -1;
        } else if (this.#depth === 0) {
          this.#endMember(chunk, i);
        } else if (this.#depth < 0) {
          throw new SyntaxError('unbalanced brackets in a list response');
        }
        break;
      default:
        // A comma.
        if (this.#depth === 1) {
          this.#endMember(chunk, i);
          this.#start = i + 1;
        } else if (this.#mode === 'items') {
          this.#endItem(chunk, i);
          this.#start = i + 1;
        }
    }
  }

  /** The list: its members as sent, with `items` parsed one by one (`[]` when it had none). */
  end(): Record<string, unknown> & { items: T[] } {
    if (!this.#started || this.#depth !== 0 || this.#inString) {
      throw new SyntaxError('the list response ended before its last item');
    }
    return { ...this.#members, items: this.#items };
  }

  /** The current segment up to (not including) `end` in `chunk`, and forgets it. */
  #take(chunk: Buffer, end: number): string {
    const text = this.#segment(chunk, end);
    this.#pieces = [];
    this.#start = -1;
    return text;
  }

  #segment(chunk: Buffer, end: number): string {
    return this.#bytes(chunk, end).toString('utf8');
  }

  #bytes(chunk: Buffer, end: number): Buffer {
    const last =
      this.#start >= 0 ? chunk.subarray(this.#start, end) : undefined;
    const parts = last ? [...this.#pieces, last] : this.#pieces;
    if (parts.length === 1) return parts[0];
    return Buffer.concat(parts);
  }

  #endItem(chunk: Buffer, end: number) {
    if (!this.#reuse) {
      const text = this.#take(chunk, end);
      if (text.trim()) this.#items.push(JSON.parse(text));
      return;
    }
    const bytes = this.#bytes(chunk, end);
    this.#pieces = [];
    this.#start = -1;
    // Whitespace around an item is not part of it: the same object indented otherwise is the same.
    let from = 0;
    let to = bytes.length;
    while (from < to && isSpace(bytes[from])) from++;
    while (to > from && isSpace(bytes[to - 1])) to--;
    if (from === to) return;
    const item = bytes.subarray(from, to);
    const digest = hash('sha256', item, 'base64');
    const known = this.#reuse.get(digest);
    this.#items.push(known ?? JSON.parse(item.toString('utf8')));
    this.digests!.push(digest);
  }

  #endMember(chunk: Buffer, end: number) {
    if (this.#start < 0 && this.#pieces.length === 0) return;
    const text = this.#take(chunk, end);
    if (text.trim()) Object.assign(this.#members, JSON.parse(`{${text}}`));
  }
}
