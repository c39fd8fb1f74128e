/**
 * URL and query-string helpers (mirrors `url_concat`, `split_host_and_port` and
 * `qs_to_qsl` of `tornado.httputil`).
 *
 * `urlConcat` follows Python's `urlparse` / `parse_qsl(keep_blank_values=True)` /
 * `urlencode` round trip, so the existing query comes out re-encoded the way Tornado
 * re-encodes it (`?x` becomes `?x=`, `%7E` becomes `~`).
 */
import { urlEscape, urlUnescape } from "../escape";

/**
 * Query arguments for {@link urlConcat}: an object, or `[name, value]` pairs.
 *
 * @example
 * const args: UrlConcatArgs = [["tag", "a"], ["tag", "b"]];
 */
export type UrlConcatArgs =
  Readonly<Record<string, string>> | ReadonlyArray<readonly [string, string]> | null | undefined;

/** Python's `parse_qsl(query, keep_blank_values=True)`: `&`-separated, `+` is a space. */
function parseQueryPairs(query: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  if (query === "") return pairs;
  for (const field of query.split("&")) {
    if (field === "") continue;
    const eq = field.indexOf("=");
    const name = eq < 0 ? field : field.slice(0, eq);
    const value = eq < 0 ? "" : field.slice(eq + 1);
    pairs.push([urlUnescape(name), urlUnescape(value)]);
  }
  return pairs;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (typeof value !== "object") return typeof value;
  return (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
}

/**
 * Appends query arguments to a URL, whether or not it already has a query; a fragment
 * stays at the end. `args` may be an object or an array of `[name, value]` pairs (which
 * may repeat a name); `null` returns the URL unchanged.
 *
 * @throws {TypeError} if `args` is of another type.
 * @example
 * urlConcat("http://example.com/foo", { c: "d" });                 // "http://example.com/foo?c=d"
 * urlConcat("http://example.com/foo?a=b", [["c", "d"], ["c", "d2"]]); // "http://example.com/foo?a=b&c=d&c=d2"
 * urlConcat("https://localhost/path#tab", [["y", "y"]]);           // "https://localhost/path?y=y#tab"
 */
export function urlConcat(url: string, args: UrlConcatArgs): string {
  if (args === null || args === undefined) return url;
  let added: ReadonlyArray<readonly [string, string]>;
  if (Array.isArray(args)) added = args as ReadonlyArray<readonly [string, string]>;
  else if (typeof args === "object") added = Object.entries(args);
  else {
    throw new TypeError(
      `'args' parameter should be an object or an array of pairs; received ${typeName(args)}`,
    );
  }
  const hash = url.indexOf("#");
  const fragment = hash < 0 ? "" : url.slice(hash);
  const rest = hash < 0 ? url : url.slice(0, hash);
  const question = rest.indexOf("?");
  const base = question < 0 ? rest : rest.slice(0, question);
  const pairs = parseQueryPairs(question < 0 ? "" : rest.slice(question + 1));
  for (const [name, value] of added) pairs.push([name, value]);
  const query = pairs.map(([name, value]) => `${urlEscape(name)}=${urlEscape(value)}`).join("&");
  return `${base}${query === "" ? "" : `?${query}`}${fragment}`;
}

/**
 * Splits `host:port` into the host and the port number; the port is `null` when the
 * text does not end in `:digits`.
 *
 * @example
 * splitHostAndPort("example.com:8080"); // ["example.com", 8080]
 * splitHostAndPort("example.com");      // ["example.com", null]
 * splitHostAndPort("[::1]:443");        // ["[::1]", 443]
 */
export function splitHostAndPort(netloc: string): [string, number | null] {
  const match = /^(.+):(\d+)$/.exec(netloc);
  if (match === null) return [netloc, null];
  return [match[1]!, Number.parseInt(match[2]!, 10)];
}

/**
 * Turns the result of a `parse_qs`-style parse (name to list of values) back into
 * `[name, value]` pairs, one per value.
 *
 * @example
 * [...qsToQsl({ a: ["1", "3"], b: ["2"] })]; // [["a", "1"], ["a", "3"], ["b", "2"]]
 */
export function* qsToQsl<T>(
  qs: Readonly<Record<string, readonly T[]>>,
): Generator<[string, T], void, undefined> {
  for (const [name, values] of Object.entries(qs)) {
    for (const value of values) yield [name, value];
  }
}
