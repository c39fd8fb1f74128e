/**
 * Escaping and unescaping for HTML, JSON and URLs, plus conversions between strings and
 * UTF-8 bytes (mirrors `tornado.escape`).
 *
 * Python's `bytes` is `Buffer` here and `str` is `string`; `None` is `null` (and
 * `undefined`, where a function passes it through). Python's `ValueError` and
 * `UnicodeDecodeError` become `TypeError`.
 *
 * Differences from Tornado 6.5: `xhtmlEscape` writes `'` as `&#39;` (Tornado before 6.4;
 * 6.4+ writes `&#x27;`, which means the same), and `xhtmlUnescape` follows Tornado before
 * 6.4: it resolves numeric references and the HTML 4 named entities, each ending in `;`,
 * rather than the full HTML 5 rules of `html.unescape`. `linkify` is not ported.
 *
 * @module
 */
import { isUtf8 } from "node:buffer";
import { HTML4_ENTITIES } from "./_entities";

/** Describes a value's type for error messages: `number`, `Uint8Array`, `null`. */
function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  const name: unknown = (value as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === "string" && name !== "" ? name : "object";
}

function badType(value: unknown): TypeError {
  return new TypeError(`Expected string, Buffer or null; got ${typeName(value)}`);
}

/**
 * Decodes UTF-8 strictly. Unlike `TextDecoder`'s default, a leading byte order mark is
 * kept, as Python's "utf-8" codec keeps it.
 */
function decodeUtf8(bytes: Buffer): string {
  if (isUtf8(bytes)) return bytes.toString("utf8");
  const shown = [...bytes.subarray(0, 16)].map((b) => b.toString(16).padStart(2, "0"));
  throw new TypeError(
    `Cannot decode bytes as UTF-8: received invalid UTF-8 in ${bytes.length} bytes ` +
      `starting <${shown.join(" ")}${bytes.length > 16 ? " ..." : ""}>`,
  );
}

/**
 * Converts a string to its UTF-8 bytes; a Buffer, `null` or `undefined` is returned as it
 * is. Lone surrogates in a string are encoded as U+FFFD, as `Buffer.from` does.
 *
 * @throws {TypeError} for any other type.
 * @example
 * utf8("\u00e9"); // <Buffer c3 a9>
 */
export function utf8(value: string | Buffer): Buffer;
export function utf8(value: null): null;
export function utf8(value: undefined): undefined;
export function utf8(value: string | Buffer | null | undefined): Buffer | null | undefined;
export function utf8(value: string | Buffer | null | undefined): Buffer | null | undefined {
  if (value === null || value === undefined || Buffer.isBuffer(value)) return value;
  if (typeof value === "string") return Buffer.from(value, "utf8");
  throw badType(value);
}

/**
 * Converts UTF-8 bytes to a string; a string, `null` or `undefined` is returned as it is.
 *
 * @throws {TypeError} if the bytes are not valid UTF-8 (Python's `UnicodeDecodeError`),
 *   or for any other type.
 * @example
 * toUnicode(Buffer.from([0xc3, 0xa9])); // "é"
 */
export function toUnicode(value: string | Buffer): string;
export function toUnicode(value: null): null;
export function toUnicode(value: undefined): undefined;
export function toUnicode(value: string | Buffer | null | undefined): string | null | undefined;
export function toUnicode(value: string | Buffer | null | undefined): string | null | undefined {
  if (value === null || value === undefined || typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return decodeUtf8(value);
  throw badType(value);
}

/**
 * Another name of {@link toUnicode}, kept so that ported code reads like Tornado's.
 *
 * @example
 * nativeStr(Buffer.from("abc")); // "abc"
 */
export const nativeStr = toUnicode;

/**
 * Another name of {@link toUnicode}, kept so that ported code reads like Tornado's.
 *
 * @example
 * toBasestring(Buffer.from("abc")); // "abc"
 */
export const toBasestring = toUnicode;

/** Decodes a `string | Buffer` argument that must not be null. */
function text(value: string | Buffer): string {
  if (typeof value === "string") return value;
  if (Buffer.isBuffer(value)) return decodeUtf8(value);
  throw badType(value);
}

const XHTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Escapes `& < > " '` so that the text is safe inside HTML or XML, attribute values
 * included when they are quoted. A Buffer is decoded as UTF-8 first.
 *
 * @throws {TypeError} for invalid UTF-8 or a value that is neither string nor Buffer.
 * @example
 * xhtmlEscape(`<a href="x">Tom & Jerry's</a>`);
 * // "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;"
 */
export function xhtmlEscape(value: string | Buffer): string {
  return text(value).replace(/[&<>"']/g, (ch) => XHTML_ESCAPES[ch]!);
}

/**
 * Replaces character references with the characters they stand for: decimal `&#NN;`, hex
 * `&#xNN;`, and the HTML 4 named entities such as `&eacute;`. A reference that is not
 * valid (`&#xZZ;`, `&bogus;`, a missing `;`) is left as it is.
 *
 * @throws {TypeError} for invalid UTF-8 or a value that is neither string nor Buffer.
 * @example
 * xhtmlUnescape("caf&eacute; &lt;&#65;&#x42;&gt; &nope;"); // "café <AB> &nope;"
 */
export function xhtmlUnescape(value: string | Buffer): string {
  return text(value).replace(/&(#?)(\w+?);/g, (match, hash: string, body: string) => {
    let codePoint: number | undefined;
    if (hash === "") {
      codePoint = HTML4_ENTITIES.get(body);
    } else if (/^[0-9]+$/.test(body)) {
      codePoint = parseInt(body, 10);
    } else if (/^[xX][0-9a-fA-F]+$/.test(body)) {
      codePoint = parseInt(body.slice(1), 16);
    }
    // Beyond U+10FFFF there is no character; Python's chr() refuses those too.
    return codePoint === undefined || codePoint > 0x10ffff
      ? match
      : String.fromCodePoint(codePoint);
  });
}

/**
 * `JSON.stringify`, except that `</` is written `<\/` so that the result can sit inside a
 * `<script>` element without closing it early.
 *
 * @throws {TypeError} when there is no JSON for the value (`undefined`, a function, a
 *   symbol), and as `JSON.stringify` does for cycles and BigInts.
 * @example
 * jsonEncode({ html: "</script>" }); // '{"html":"<\\/script>"}'
 */
export function jsonEncode(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) {
    throw new TypeError(`Cannot encode value as JSON: received ${typeName(value)}`);
  }
  // JSON allows "\/" for "/"; escaping it keeps "</script>" out of inline scripts.
  return json.replaceAll("</", "<\\/");
}

/**
 * Parses JSON from a string or from UTF-8 bytes.
 *
 * @throws {SyntaxError} for malformed JSON; {TypeError} for invalid UTF-8 or another type.
 * @example
 * jsonDecode(Buffer.from('{"a": [1, "é"]}')); // { a: [1, "é"] }
 */
export function jsonDecode(value: string | Buffer): any {
  return JSON.parse(text(value));
}

/**
 * Replaces every run of ASCII whitespace and control characters (U+0000 to U+0020, as in
 * Tornado) with one space and trims both ends.
 *
 * @example
 * squeeze("  sequences     of\n\twhitespace   "); // "sequences of whitespace"
 */
export function squeeze(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are the point here
  return value.replace(/[\x00-\x20]+/g, " ").trim();
}

/** Bytes that `urlEscape` never escapes: Python's `quote` "always safe" set. */
const ALWAYS_SAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~";

function escapeTable(extraSafe: string, space: string): readonly string[] {
  const table: string[] = [];
  for (let byte = 0; byte < 256; byte++) {
    const ch = String.fromCharCode(byte);
    table.push(
      ALWAYS_SAFE.includes(ch) || extraSafe.includes(ch)
        ? ch
        : `%${byte.toString(16).toUpperCase().padStart(2, "0")}`,
    );
  }
  table[0x20] = space;
  return table;
}

/** `quote_plus`: nothing else is safe and space is `+`. */
const QUOTE_PLUS = escapeTable("", "+");
/** `quote`: `/` is safe too (its default `safe="/"`) and space is `%20`. */
const QUOTE = escapeTable("/", "%20");

/**
 * Percent-encodes a value for a URL. Strings are UTF-8 encoded first; Buffers are escaped
 * byte by byte. Letters, digits and `_.-~` stay as they are. With `plus` (the default,
 * for query strings; Python's `quote_plus`) a space becomes `+` and `/` becomes `%2F`;
 * without it (for paths; Python's `quote`) a space becomes `%20` and `/` is kept.
 *
 * @throws {TypeError} for a value that is neither string nor Buffer.
 * @example
 * urlEscape("a b/é");        // "a+b%2F%C3%A9"
 * urlEscape("a b/é", false); // "a%20b/%C3%A9"
 */
export function urlEscape(value: string | Buffer, plus = true): string {
  if (typeof value !== "string" && !Buffer.isBuffer(value)) throw badType(value);
  const bytes = typeof value === "string" ? Buffer.from(value, "utf8") : value;
  const table = plus ? QUOTE_PLUS : QUOTE;
  let out = "";
  for (const byte of bytes) out += table[byte];
  return out;
}

const HEX_VALUES: Int8Array = (() => {
  const values = new Int8Array(256).fill(-1);
  for (let i = 0; i < 16; i++) {
    values[i.toString(16).charCodeAt(0)] = i;
    values[i.toString(16).toUpperCase().charCodeAt(0)] = i;
  }
  return values;
})();

/**
 * Python's `unquote_to_bytes`: each `%` followed by two hex digits becomes that byte; any
 * other `%` is kept as it is.
 */
function percentDecode(bytes: Buffer): Buffer {
  let percent = bytes.indexOf(0x25);
  if (percent < 0) return bytes;
  const out = Buffer.allocUnsafe(bytes.length);
  let written = 0;
  let copied = 0;
  while (percent >= 0) {
    const high = percent + 2 < bytes.length ? HEX_VALUES[bytes[percent + 1]!]! : -1;
    const low = high >= 0 ? HEX_VALUES[bytes[percent + 2]!]! : -1;
    if (low >= 0) {
      written += bytes.copy(out, written, copied, percent);
      out[written++] = high * 16 + low;
      copied = percent + 3;
    }
    percent = bytes.indexOf(0x25, low >= 0 ? percent + 3 : percent + 1);
  }
  written += bytes.copy(out, written, copied);
  return out.subarray(0, written);
}

/**
 * Python's `unquote(text, encoding)`: only the ASCII stretches are percent-decoded (and
 * decoded with `encoding`, invalid UTF-8 becoming U+FFFD); other characters are kept.
 */
function unquote(value: string, encoding: "utf8" | "latin1"): string {
  if (!value.includes("%")) return value;
  return value.replace(/[^\u0080-\uffff]+/g, (run) =>
    run.includes("%") ? percentDecode(Buffer.from(run, "latin1")).toString(encoding) : run,
  );
}

/** Options of {@link urlUnescape}. */
export interface UrlUnescapeOptions {
  /**
   * How to decode the bytes: `"utf8"` (default; invalid sequences become U+FFFD),
   * `"latin1"`, or `null` to get the bytes as a Buffer.
   */
  encoding?: "utf8" | "utf-8" | "latin1" | null;
  /** Turn `+` into a space before decoding, as query strings need. Default `true`. */
  plus?: boolean;
}

/**
 * Decodes a percent-encoded URL component. A `%` not followed by two hex digits is kept
 * as it is, as Python's `unquote` keeps it.
 *
 * @throws {TypeError} for an unknown encoding, a Buffer that is not valid UTF-8, or a value
 *   that is neither string nor Buffer.
 * @example
 * urlUnescape("caf%C3%A9+au+lait");                    // "café au lait"
 * urlUnescape("a+b", { plus: false });                 // "a+b"
 * urlUnescape("%C3%A9", { encoding: null });           // <Buffer c3 a9>
 */
export function urlUnescape(
  value: string | Buffer,
  options: UrlUnescapeOptions & { encoding: null },
): Buffer;
export function urlUnescape(
  value: string | Buffer,
  options?: UrlUnescapeOptions & { encoding?: "utf8" | "utf-8" | "latin1" },
): string;
export function urlUnescape(value: string | Buffer, options?: UrlUnescapeOptions): string | Buffer;
export function urlUnescape(
  value: string | Buffer,
  options: UrlUnescapeOptions = {},
): string | Buffer {
  const { encoding = "utf8", plus = true } = options;
  let decoded = text(value);
  if (plus) decoded = decoded.replaceAll("+", " ");
  if (encoding === null) return percentDecode(Buffer.from(decoded, "utf8"));
  if (encoding === "utf8" || encoding === "utf-8") return unquote(decoded, "utf8");
  if (encoding === "latin1") return unquote(decoded, "latin1");
  throw new TypeError(`Cannot unescape URL: unknown encoding ${JSON.stringify(encoding)}`);
}

/** Mirrors the shape of a value after {@link recursiveUnicode}: Buffers become strings. */
export type RecursiveUnicode<T> = T extends Buffer
  ? string
  : T extends Map<infer K, infer V>
    ? Map<RecursiveUnicode<K>, RecursiveUnicode<V>>
    : T extends readonly unknown[]
      ? { -readonly [I in keyof T]: RecursiveUnicode<T[I]> }
      : T extends Record<string, unknown>
        ? { [P in keyof T]: RecursiveUnicode<T[P]> }
        : T;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Returns a copy of a simple data structure with every Buffer decoded as UTF-8: arrays,
 * plain objects and Maps (keys too) are walked; other values are returned unchanged.
 *
 * @throws {TypeError} if a Buffer is not valid UTF-8.
 * @example
 * recursiveUnicode({ names: [Buffer.from("ann"), Buffer.from("bob")], n: 2 });
 * // { names: ["ann", "bob"], n: 2 }
 */
export function recursiveUnicode<T>(obj: T): RecursiveUnicode<T>;
export function recursiveUnicode(obj: unknown): unknown {
  if (Buffer.isBuffer(obj)) return decodeUtf8(obj);
  if (Array.isArray(obj)) return obj.map((item: unknown) => recursiveUnicode(item));
  if (obj instanceof Map) {
    return new Map(
      [...obj].map(([key, item]: [unknown, unknown]) => [
        recursiveUnicode(key),
        recursiveUnicode(item),
      ]),
    );
  }
  if (isPlainObject(obj)) {
    // fromEntries defines properties, so a "__proto__" key stays an ordinary key.
    return Object.fromEntries(
      Object.entries(obj).map(([key, item]) => [key, recursiveUnicode(item)]),
    );
  }
  return obj;
}

/** Options of {@link parseQsBytes}, Python's `parse_qs` keyword arguments. */
export interface ParseQsOptions {
  /** Keep fields with empty values (`a=` and a bare `a`) as empty Buffers. Default false. */
  keepBlankValues?: boolean;
  /** Throw on a field without `=` (or an empty field) instead of skipping it. Default false. */
  strictParsing?: boolean;
}

/**
 * Parses a query string into lists of raw byte values, like Python's `parse_qs` but with
 * values as Buffers. Fields are separated by `&` only; `+` means space; percent escapes
 * become single bytes. Keys are strings read as Latin-1, as in Tornado. A Buffer is read
 * as Latin-1 first. The result has no prototype, so any key is safe.
 *
 * @throws {TypeError} under `strictParsing` for a field without `=` ("bad query field"),
 *   or when a value holds a character above U+00FF, which has no Latin-1 byte.
 * @example
 * const args = parseQsBytes("a=1&a=%E9&b=x+y");
 * args["a"]; // [<Buffer 31>, <Buffer e9>]
 * args["b"]; // [<Buffer 78 20 79>]
 */
export function parseQsBytes(
  qs: string | Buffer,
  options: ParseQsOptions = {},
): Record<string, Buffer[]> {
  const { keepBlankValues = false, strictParsing = false } = options;
  if (typeof qs !== "string" && !Buffer.isBuffer(qs)) throw badType(qs);
  // Latin-1 maps each byte to one character and back, so no byte is lost either way.
  const query = typeof qs === "string" ? qs : qs.toString("latin1");
  const result = Object.create(null) as Record<string, Buffer[]>;
  if (query === "") return result;
  for (const field of query.split("&")) {
    if (field === "" && !strictParsing) continue;
    const eq = field.indexOf("=");
    if (eq < 0) {
      if (strictParsing) throw new TypeError(`bad query field: ${JSON.stringify(field)}`);
      if (!keepBlankValues) continue;
    }
    const rawName = eq < 0 ? field : field.slice(0, eq);
    const rawValue = eq < 0 ? "" : field.slice(eq + 1);
    if (rawValue === "" && !keepBlankValues) continue;
    const name = unquote(rawName.replaceAll("+", " "), "latin1");
    const value = unquote(rawValue.replaceAll("+", " "), "latin1");
    if (/[\u0100-\uffff]/.test(value)) {
      throw new TypeError(
        `Cannot encode query value as Latin-1: received ${JSON.stringify(value)}`,
      );
    }
    (result[name] ??= []).push(Buffer.from(value, "latin1"));
  }
  return result;
}
