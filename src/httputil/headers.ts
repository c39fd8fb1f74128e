/**
 * `HTTPHeaders`: the case-insensitive, multi-valued map of header fields (mirrors
 * `tornado.httputil.HTTPHeaders`).
 *
 * Names are kept in Tornado's Http-Header-Case (`content-type` becomes `Content-Type`,
 * `WWW-Authenticate` becomes `Www-Authenticate`); every lookup normalises the name it is
 * given the same way, through a bounded cache, so `get("CONTENT-TYPE")` finds
 * `Content-Type`. A name may carry several values: `add` appends one, `getList` returns
 * them all, and `get` joins them with "," as Tornado's `headers[name]` does.
 *
 * Differences from Tornado: iteration (`for ... of`) yields `[name, value]` pairs, one per
 * value, like `getAll()`, where Python's iterates the distinct names (use `keys()`); a
 * missing name gives `undefined` rather than `KeyError`; construction from an array of
 * pairs keeps every pair (Python's `dict.update` keeps the last one per name).
 *
 * Headers that `HTTP1Parser` makes hold the head's text and are indexed on first use, so
 * a message whose headers nobody reads costs no map building.
 */
import { FIELD_VALUE, TOKEN, isOWS, quote, sliceTrimOWS } from "./_abnf";
import { HTTPInputError } from "./errors";

/**
 * Header fields as the parser finds them: field `i` is named `names[i]` and its value is
 * `folded[i]` if set (a value extended by obsolete line folding), else
 * `text[spans[2i], spans[2i+1])` without surrounding SP/HTAB.
 *
 * @internal
 */
export interface ParsedFields {
  readonly text: string;
  readonly names: string[];
  readonly spans: number[];
  folded: Array<string | undefined> | null;
}

/**
 * The value of field `i` of `parsed`.
 *
 * @internal
 */
export function parsedValue(parsed: ParsedFields, i: number): string {
  const folded = parsed.folded === null ? undefined : parsed.folded[i];
  return folded ?? sliceTrimOWS(parsed.text, parsed.spans[2 * i]!, parsed.spans[2 * i + 1]!);
}

/**
 * Up to how many fields a parsed head answers `get`, `getList` and `has` by scanning its
 * field list rather than indexing it: a client reads a few headers of each response, and
 * a scan of a short list costs much less than building a map of all of them.
 */
const SCAN_LIMIT = 32;
const SCAN_JOIN = 0;
const SCAN_LIST = 1;

/** The values of `name` in `parsed`: joined with "," (or undefined), or as a list. */
function scanParsed(parsed: ParsedFields, name: string, mode: typeof SCAN_JOIN): string | undefined;
function scanParsed(parsed: ParsedFields, name: string, mode: typeof SCAN_LIST): string[];
function scanParsed(
  parsed: ParsedFields,
  name: string,
  mode: number,
): string | string[] | undefined {
  const names = parsed.names;
  let joined: string | undefined;
  const list: string[] = [];
  for (let i = 0; i < names.length; i++) {
    if (names[i] !== name) continue;
    const value = parsedValue(parsed, i);
    if (mode === SCAN_LIST) list.push(value);
    else joined = joined === undefined ? value : `${joined},${value}`;
  }
  return mode === SCAN_LIST ? list : joined;
}

/**
 * What a new `HTTPHeaders` can be made from.
 *
 * @example
 * const init: HTTPHeadersInit = { Accept: "text/html", Vary: ["Accept", "Cookie"] };
 */
export type HTTPHeadersInit =
  | HTTPHeaders
  | Readonly<Record<string, string | readonly string[]>>
  | Iterable<readonly [string, string]>;

/** Normalised names by name as given; bounded like Tornado's `lru_cache(1000)`. */
const normalizedNames = new Map<string, string>();
const NORMALIZED_CACHE_SIZE = 1000;

/**
 * Maps a header name to Http-Header-Case: each `-`-separated word gets an upper-case
 * first letter and lower-case rest (`coNtent-TYPE` -> `Content-Type`).
 */
export function normalizeHeaderName(name: string): string {
  let normalized = normalizedNames.get(name);
  if (normalized !== undefined) return normalized;
  normalized = "";
  let startOfWord = true;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!;
    normalized += startOfWord ? ch.toUpperCase() : ch.toLowerCase();
    startOfWord = ch === "-";
  }
  if (normalizedNames.size >= NORMALIZED_CACHE_SIZE) normalizedNames.clear();
  normalizedNames.set(name, normalized);
  return normalized;
}

function invalidName(name: string): HTTPInputError {
  return new HTTPInputError(`Invalid header name ${quote(name)}`);
}

function invalidValue(value: string): HTTPInputError {
  return new HTTPInputError(`Invalid header value ${quote(value)}`);
}

/**
 * A case-insensitive map from header names to one or more string values, in Tornado's
 * Http-Header-Case.
 *
 * `add` and `parse` check what they are given (names must be RFC 9110 tokens; values may
 * hold only visible characters, obs-text (U+0080 to U+00FF) and inner spaces or tabs) and
 * throw `HTTPInputError` otherwise. `set` stores its value unchecked, as Tornado's
 * `headers[name] = value` does; the HTTP/1.1 writer checks every field before sending.
 *
 * @example
 * const h = new HTTPHeaders({ "content-type": "text/html" });
 * h.add("Set-Cookie", "A=B");
 * h.add("Set-Cookie", "C=D");
 * h.get("set-cookie");     // "A=B,C=D"
 * h.getList("set-cookie"); // ["A=B", "C=D"]
 * [...h];                  // [["Content-Type", "text/html"], ["Set-Cookie", "A=B"], ["Set-Cookie", "C=D"]]
 */
export class HTTPHeaders implements Iterable<[string, string]> {
  /** Values by normalised name: a string for one value, an array for several. */
  private _byName: Map<string, string | string[]> | null = null;
  /**
   * Fields the parser handed over, not yet put in `_byName`: indexing (and cutting the
   * values out of the head's text) waits for the first lookup, so a message whose headers
   * nobody reads costs neither.
   */
  private _parsed: ParsedFields | null = null;
  /** The name `add` last stored, which a folded continuation line extends. */
  private _lastName: string | undefined = undefined;

  /**
   * Makes a header map, empty or filled from another `HTTPHeaders` (copied value by
   * value), an object of names to a value or an array of values, or an iterable of
   * `[name, value]` pairs (every pair is kept). Like `set`, construction does not check
   * names or values.
   *
   * @example
   * new HTTPHeaders({ Accept: ["text/html", "application/json"] }).get("accept");
   * // "text/html,application/json"
   * new HTTPHeaders([["X-A", "1"], ["x-a", "2"]]).getList("X-A"); // ["1", "2"]
   */
  constructor(init?: HTTPHeadersInit) {
    if (init === undefined || init === null) return;
    if (init instanceof HTTPHeaders) {
      for (const [name, value] of init._values) {
        this._values.set(name, typeof value === "string" ? value : value.slice());
      }
    } else if (typeof (init as Iterable<unknown>)[Symbol.iterator] === "function") {
      for (const [name, value] of init as Iterable<readonly [string, string]>) {
        this._append(normalizeHeaderName(name), value);
      }
    } else {
      for (const [name, value] of Object.entries(init)) {
        const values = typeof value === "string" ? [value] : value;
        for (const one of values) this._append(normalizeHeaderName(name), one);
      }
    }
  }

  /**
   * Returns the headers of an HTTP header block: lines ending in CRLF or LF, with
   * continuation lines (starting with SP or HTAB) folded into the previous value with
   * one space. Tornado's `HTTPHeaders.parse`.
   *
   * @throws {HTTPInputError} for a line without a colon ("no colon in header line"), a
   *   continuation on the first line, a bare CR, or an invalid name or value.
   * @example
   * const h = HTTPHeaders.parse("Content-Type: text/html\r\nContent-Length: 42\r\n");
   * h.get("content-length"); // "42"
   */
  static parse(text: string): HTTPHeaders {
    const headers = new HTTPHeaders();
    let start = 0;
    for (;;) {
      const lf = text.indexOf("\n", start);
      if (lf < 0) {
        headers.parseLine(text.slice(start));
        return headers;
      }
      headers.parseLine(text.slice(start, lf + 1));
      start = lf + 1;
    }
  }

  /**
   * Adds one value for `name`, keeping those already there.
   *
   * @throws {HTTPInputError} if `name` is not a token ("Invalid header name ...") or
   *   `value` holds a control character, a character above U+00FF, or leading or
   *   trailing whitespace ("Invalid header value ...").
   * @example
   * h.add("Vary", "Accept");
   * h.add("vary", "Cookie");
   * h.get("Vary"); // "Accept,Cookie"
   */
  add(name: string, value: string): void {
    if (!TOKEN.test(name)) throw invalidName(name);
    if (!FIELD_VALUE.test(value)) throw invalidValue(value);
    this._append(normalizeHeaderName(name), value);
  }

  /**
   * Updates the map with one header line, with or without its line ending. A line that
   * starts with SP or HTAB continues the value last added (obsolete line folding, RFC
   * 9112 §5.2); an empty line is ignored. Tornado's `parse_line`.
   *
   * @throws {HTTPInputError} as {@link HTTPHeaders.parse}.
   * @example
   * h.parseLine("Content-Type: text/html\r\n");
   * h.parseLine("  ; charset=utf-8");
   * h.get("Content-Type"); // "text/html ; charset=utf-8"
   */
  parseLine(line: string): void {
    let end = line.length;
    // RFC 9112 §2.2: a recipient may take a lone LF as a line terminator and ignore a
    // CR before it; any other CR is caught by the value check below.
    if (end > 0 && line.charCodeAt(end - 1) === 0x0a) {
      end--;
      if (end > 0 && line.charCodeAt(end - 1) === 0x0d) end--;
    }
    if (end === 0) return;
    if (isOWS(line.charCodeAt(0))) {
      if (this._lastName === undefined) {
        throw new HTTPInputError("first header line cannot start with whitespace");
      }
      const part = sliceTrimOWS(line, 0, end);
      if (!FIELD_VALUE.test(part)) {
        throw new HTTPInputError(`Invalid header continuation ${quote(" " + part)}`);
      }
      this._extendLast(part);
      return;
    }
    const colon = line.indexOf(":");
    if (colon < 0 || colon >= end) throw new HTTPInputError("no colon in header line");
    this.add(line.slice(0, colon), sliceTrimOWS(line, colon + 1, end));
  }

  /**
   * The value of `name`, several values joined with "," (Tornado's `headers[name]`), or
   * `undefined` when there is none.
   *
   * @example
   * new HTTPHeaders({ Host: "example.com" }).get("host"); // "example.com"
   */
  get(name: string): string | undefined {
    const parsed = this._parsed;
    if (parsed !== null && parsed.names.length <= SCAN_LIMIT) {
      return scanParsed(parsed, normalizeHeaderName(name), SCAN_JOIN);
    }
    const value = this._values.get(normalizeHeaderName(name));
    return typeof value === "object" ? value.join(",") : value;
  }

  /**
   * Every value of `name`, in the order added; an empty array when there is none. The
   * array is a copy: changing it does not change the headers.
   *
   * @example
   * h.getList("Set-Cookie"); // ["A=B", "C=D"]
   */
  getList(name: string): string[] {
    const parsed = this._parsed;
    if (parsed !== null && parsed.names.length <= SCAN_LIMIT) {
      return scanParsed(parsed, normalizeHeaderName(name), SCAN_LIST);
    }
    const value = this._values.get(normalizeHeaderName(name));
    if (value === undefined) return [];
    return typeof value === "string" ? [value] : value.slice();
  }

  /**
   * Every `[name, value]` pair, one per value; a name with several values gives several
   * pairs. Names come in the order they were first stored.
   *
   * @example
   * for (const [name, value] of h.getAll()) console.log(`${name}: ${value}`);
   */
  *getAll(): IterableIterator<[string, string]> {
    for (const [name, value] of this._values) {
      if (typeof value === "string") yield [name, value];
      else for (const one of value) yield [name, one];
    }
  }

  /**
   * Calls `fn` with each name's stored value (a string, or the array of its values, which
   * `fn` must not change), in the order of {@link HTTPHeaders.getAll}, without making
   * pairs: for writers that visit every field of every message.
   *
   * @internal
   */
  forEachStored(fn: (value: string | readonly string[], name: string) => void): void {
    this._values.forEach(fn);
  }

  /** The same pairs as {@link HTTPHeaders.getAll}, so `for (const [k, v] of headers)` works. */
  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.getAll();
  }

  /**
   * The distinct names, normalised, in the order they were first stored.
   *
   * @example
   * [...HTTPHeaders.parse("a: 1\r\nB: 2\r\na: 3\r\n").keys()]; // ["A", "B"]
   */
  keys(): IterableIterator<string> {
    return this._values.keys();
  }

  /** How many distinct names there are (Python's `len(headers)`). */
  get size(): number {
    return this._values.size;
  }

  /**
   * Replaces every value of `name` with `value`, without checking either (Tornado's
   * `headers[name] = value`).
   *
   * @example
   * h.set("Content-Length", "0");
   */
  set(name: string, value: string): void {
    this._values.set(normalizeHeaderName(name), value);
  }

  /**
   * The value of `name` if there is one; otherwise sets it to `value` and returns that
   * (Python's `setdefault`).
   *
   * @example
   * h.setDefault("Accept", "text/html"); // the existing value, or "text/html" now stored
   */
  setDefault(name: string, value: string): string {
    const existing = this.get(name);
    if (existing !== undefined) return existing;
    this.set(name, value);
    return value;
  }

  /**
   * Removes every value of `name`; true if there was one.
   *
   * @example
   * h.delete("Content-Length");
   */
  delete(name: string): boolean {
    return this._values.delete(normalizeHeaderName(name));
  }

  /**
   * True if `name` has at least one value.
   *
   * @example
   * HTTPHeaders.parse("Asdf: qwer").has("asdf"); // true
   */
  has(name: string): boolean {
    const parsed = this._parsed;
    if (parsed !== null && parsed.names.length <= SCAN_LIMIT) {
      return parsed.names.includes(normalizeHeaderName(name));
    }
    return this._values.has(normalizeHeaderName(name));
  }

  /**
   * An independent copy: changing one map, or the lists it returns, never changes the
   * other.
   *
   * @example
   * const mine = response.headers.copy();
   */
  copy(): HTTPHeaders {
    return new HTTPHeaders(this);
  }

  /**
   * One "Name: value\n" line per value, as Tornado's `str(headers)`; `parse` reads it
   * back.
   *
   * @example
   * String(HTTPHeaders.parse("a: 1\r\na: 2")); // "A: 1\nA: 2\n"
   */
  toString(): string {
    let text = "";
    for (const [name, value] of this.getAll()) text += `${name}: ${value}\n`;
    return text;
  }

  /**
   * Headers over fields found by the parser (names normalised, every character checked).
   *
   * @internal
   */
  static _fromParsed(parsed: ParsedFields): HTTPHeaders {
    const headers = new HTTPHeaders();
    if (parsed.names.length > 0) headers._parsed = parsed;
    return headers;
  }

  /** The name-to-values map, built from fields the parser handed over on first use. */
  private get _values(): Map<string, string | string[]> {
    let byName = this._byName;
    if (byName === null) {
      byName = this._byName = new Map();
      const parsed = this._parsed;
      if (parsed !== null) {
        this._parsed = null;
        const { names } = parsed;
        for (let i = 0; i < names.length; i++) this._append(names[i]!, parsedValue(parsed, i));
      }
    }
    return byName;
  }

  /** Appends a value under an already normalised name, unchecked. */
  private _append(normalizedName: string, value: string): void {
    this._lastName = normalizedName;
    const values = this._values;
    const existing = values.get(normalizedName);
    if (existing === undefined) values.set(normalizedName, value);
    else if (typeof existing === "string") values.set(normalizedName, [existing, value]);
    else existing.push(value);
  }

  /** Folds `part` into the last value added: appends one space and `part`. */
  private _extendLast(part: string): void {
    const name = this._lastName;
    const existing = name === undefined ? undefined : this._values.get(name);
    if (name === undefined || existing === undefined) {
      throw new HTTPInputError("first header line cannot start with whitespace");
    }
    if (typeof existing === "string") this._values.set(name, `${existing} ${part}`);
    else existing[existing.length - 1] += ` ${part}`;
  }
}
