/**
 * Where a request goes: a URL split into what the client needs (scheme, host, port,
 * `Host` header, request target, credentials), as Tornado's `_HTTPConnection.run` does with
 * `urllib.parse.urlsplit`.
 *
 * Differences from Tornado:
 * - The URL is parsed by WHATWG `URL`, which percent-encodes characters a target may not
 *   carry (non-ASCII, `"`, `<`...). A URL with whitespace or control characters is
 *   refused: `URL` would quietly encode or drop them, and Tornado would send them raw.
 * - Userinfo is percent-decoded (`http://a%40b:p@host/` authenticates as `a@b`).
 *
 * Internal to `simple_httpclient`.
 */

/** A parsed request URL. Immutable: parses are cached and shared. */
export interface Target {
  /** "http" or "https". */
  readonly scheme: "http" | "https";
  /** The host to connect to: a name or an IP literal (IPv6 without brackets). */
  readonly host: string;
  /** The port: the URL's, else 80 or 443. */
  readonly port: number;
  /** The `Host` header: the URL's authority without userinfo (RFC 9110 §7.2). */
  readonly hostHeader: string;
  /** The origin-form target: path (or "/") and query; the fragment is dropped (RFC 9112 §3.2.1). */
  readonly path: string;
  /** `scheme://host:port`, to tell whether a redirect leaves the origin. */
  readonly origin: string;
  /** The percent-decoded user of the URL's userinfo, or undefined without one. */
  readonly username: string | undefined;
  /** The percent-decoded password of the URL's userinfo ("" when only a user is given). */
  readonly password: string;
}

// eslint-disable-next-line no-control-regex -- control characters are the point here
const BAD_URL = /[\x00-\x20\x7f]/;
const CACHE_SIZE = 512;
const cache = new Map<string, Target>();

/**
 * Parses `url` (cached: a client that fetches the same URLs parses each once).
 *
 * @throws {TypeError} "Unsupported url scheme: …" for a scheme other than http or https
 *   (Tornado's text), and for a URL that does not parse or holds whitespace or control
 *   characters.
 */
export function parseTarget(url: string): Target {
  const cached = cache.get(url);
  if (cached !== undefined) return cached;
  const target = parse(url);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(url, target);
  return target;
}

/** `url` with the credentials of its userinfo masked, for error messages. */
function masked(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, "$1***@");
}

/** `url` quoted for an error message, credentials masked. */
function shown(url: string): string {
  return JSON.stringify(masked(url));
}

function parse(url: string): Target {
  if (typeof url !== "string") {
    throw new TypeError(`Cannot fetch a URL that is not a string: ${String(url)}`);
  }
  if (BAD_URL.test(url)) {
    throw new TypeError(
      `Cannot fetch ${shown(url)}: a URL may not contain whitespace or control characters`,
    );
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new TypeError(`Cannot fetch ${shown(url)}: not a valid absolute URL`, {
      cause: error,
    });
  }
  const protocol = parsed.protocol;
  if (protocol !== "http:" && protocol !== "https:") {
    throw new TypeError(`Unsupported url scheme: ${masked(url)}`);
  }
  const scheme = protocol === "http:" ? "http" : "https";
  let host = parsed.hostname;
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host === "") throw new TypeError(`Cannot fetch ${shown(url)}: no host`);
  const port = parsed.port === "" ? (scheme === "http" ? 80 : 443) : Number(parsed.port);
  const path = (parsed.pathname || "/") + parsed.search;
  const username = parsed.username === "" && !hasUserinfo(url) ? undefined : parsed.username;
  return Object.freeze({
    scheme,
    host,
    port,
    hostHeader: parsed.host,
    path,
    origin: `${scheme}://${parsed.hostname}:${port}`,
    username: username === undefined ? undefined : decode(username, url),
    password: decode(parsed.password, url),
  });
}

/** True when the authority of `url` has an "@" (userinfo, maybe with an empty user). */
function hasUserinfo(url: string): boolean {
  const start = url.indexOf("//");
  if (start < 0) return false;
  const end = url.slice(start + 2).search(/[/?#]/);
  const authority = end < 0 ? url.slice(start + 2) : url.slice(start + 2, start + 2 + end);
  return authority.includes("@");
}

function decode(text: string, url: string): string {
  try {
    return decodeURIComponent(text);
  } catch (error) {
    throw new TypeError(`Cannot fetch ${shown(url)}: malformed percent-encoding in userinfo`, {
      cause: error,
    });
  }
}

/**
 * `url` without its userinfo (a cross-origin redirect must not carry credentials on).
 *
 * @example
 * stripUserinfo("http://me:pw@example.com/x"); // "http://example.com/x"
 */
export function stripUserinfo(url: string): string {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "" && !hasUserinfo(url)) return url;
  parsed.username = "";
  parsed.password = "";
  return parsed.href;
}
