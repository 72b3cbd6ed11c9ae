/**
 * A strict JSON reader for safetensors headers, with the rules of serde_json (what the safetensors
 * reference implementation parses with) where they matter for a header, in one linear pass:
 * - nesting deeper than serde_json's recursion limit (127 levels) is refused, before it can cost stack;
 * - numbers keep their kind: an integer literal stays an integer (`bigint` past 2^53), a literal with
 *   a fraction or exponent is a `JsonFloat`, so `1e4` is never taken for the size 10000;
 * - lone UTF-16 surrogate escapes, control characters in strings, NaN/Infinity literals and trailing
 *   garbage are refused;
 * - objects become Maps (no prototype keys), with each key's position, so duplicates can be judged.
 * JSON.parse cannot do the first three, and turns an object of a million keys into a slow dictionary
 * object; this reader keeps a 100 MB header to about a second.
 */

/** A JSON number written with a fraction or an exponent (serde_json's f64), kept as its text. */
class JsonFloat {
  readonly text: string;

  constructor(text: string) {
    this.text = text;
  }

  toString(): string {
    return this.text;
  }
}

/** A JSON object: keys in order; a key written more than once keeps its last value (see `duplicateKeys`). */
type JsonObject = Map<string, unknown>;

const duplicates = new WeakMap<JsonObject, string[]>();

/** The keys an object of `parseJson`'s result had more than once. */
export function duplicateKeys(object: JsonObject): readonly string[] {
  return duplicates.get(object) ?? [];
}

export function isJsonObject(v: unknown): v is JsonObject {
  return v instanceof Map;
}

type JsonValue = null | boolean | number | bigint | string | JsonFloat | JsonValue[] | JsonObject;

class JsonSyntaxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonSyntaxError';
  }
}

/** serde_json's default recursion limit (128 levels fail). */
const JSON_MAX_DEPTH = 127;

const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;
const PLAIN_CHARS = /[^"\\\u0000-\u001f]*/y;
const SPECIAL = /[\\\u0000-\u001f]/;
const WHITESPACE = /[ \t\n\r]*/y;

/** More keys in the top-level object than the caller allows: parsing stops there. */
export class JsonLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JsonLimitError';
  }
}

/**
 * Parses `text` as one JSON value (surrounding whitespace allowed); throws JsonSyntaxError, or
 * JsonLimitError as soon as the top-level object has more than `maxTopLevelKeys` keys.
 */
export function parseJson(text: string, maxTopLevelKeys = Infinity): JsonValue {
  let pos = 0;
  const fail = (what: string): never => {
    throw new JsonSyntaxError(`${what} at character ${pos}`);
  };
  const ws = (): void => {
    const c = text.charCodeAt(pos);
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) {
      WHITESPACE.lastIndex = pos;
      WHITESPACE.exec(text);
      pos = WHITESPACE.lastIndex;
    }
  };
  const hex4 = (): number => {
    const h = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) fail('a bad \\u escape');
    pos += 4;
    return parseInt(h, 16);
  };
  const string = (): string => {
    pos++; // opening quote
    // Fast path: no escape and no control character before the closing quote.
    const close = text.indexOf('"', pos);
    if (close >= 0) {
      const raw = text.slice(pos, close);
      if (!SPECIAL.test(raw)) {
        pos = close + 1;
        return raw;
      }
    }
    let out = '';
    for (;;) {
      PLAIN_CHARS.lastIndex = pos;
      PLAIN_CHARS.exec(text);
      out += text.slice(pos, PLAIN_CHARS.lastIndex);
      pos = PLAIN_CHARS.lastIndex;
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        pos++;
        return out;
      }
      if (c !== 0x5c) fail(Number.isNaN(c) ? 'an unterminated string' : 'a control character in a string');
      pos++;
      const e = text[pos++];
      switch (e) {
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const u = hex4();
          if (u >= 0xdc00 && u <= 0xdfff) fail('a lone UTF-16 surrogate escape');
          if (u >= 0xd800 && u <= 0xdbff) {
            if (text.slice(pos, pos + 2) !== '\\u') fail('a lone UTF-16 surrogate escape');
            pos += 2;
            const low = hex4();
            if (low < 0xdc00 || low > 0xdfff) fail('a lone UTF-16 surrogate escape');
            out += String.fromCharCode(u, low);
          } else out += String.fromCharCode(u);
          break;
        }
        default:
          fail('a bad escape in a string');
      }
    }
  };
  const value = (depth: number): JsonValue => {
    ws();
    const c = text.charCodeAt(pos);
    if (c === 0x7b || c === 0x5b) {
      if (depth >= JSON_MAX_DEPTH) fail(`nesting deeper than ${JSON_MAX_DEPTH} levels`);
      pos++;
      ws();
      if (c === 0x5b) {
        const items: JsonValue[] = [];
        if (text.charCodeAt(pos) === 0x5d) {
          pos++;
          return items;
        }
        for (;;) {
          items.push(value(depth + 1));
          ws();
          const d = text.charCodeAt(pos++);
          if (d === 0x5d) return items;
          if (d !== 0x2c) fail("expected ',' or ']'");
        }
      }
      const object: JsonObject = new Map();
      if (text.charCodeAt(pos) === 0x7d) {
        pos++;
        return object;
      }
      for (;;) {
        ws();
        if (text.charCodeAt(pos) !== 0x22) fail('expected a key');
        const key = string();
        ws();
        if (text.charCodeAt(pos++) !== 0x3a) fail("expected ':'");
        const v = value(depth + 1);
        if (object.has(key)) {
          const list = duplicates.get(object) ?? [];
          list.push(key);
          duplicates.set(object, list);
          object.delete(key);
        }
        object.set(key, v);
        if (depth === 0 && object.size > maxTopLevelKeys) throw new JsonLimitError(`more than ${maxTopLevelKeys} keys`);
        ws();
        const d = text.charCodeAt(pos++);
        if (d === 0x7d) return object;
        if (d !== 0x2c) fail("expected ',' or '}'");
      }
    }
    if (c === 0x22) return string();
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) return fail('a bad number');
      pos = NUMBER.lastIndex;
      if (m[1] !== undefined || m[2] !== undefined) return new JsonFloat(m[0]);
      const n = Number(m[0]);
      return Number.isSafeInteger(n) ? (Object.is(n, -0) ? 0 : n) : BigInt(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v;
      }
    }
    return fail(Number.isNaN(c) ? 'an unexpected end' : 'an unexpected character');
  };
  const result = value(0);
  ws();
  if (pos !== text.length) fail('trailing characters');
  return result;
}
