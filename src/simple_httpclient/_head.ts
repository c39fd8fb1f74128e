/**
 * The request head the simple client sends: Tornado's checks of method and body, and the
 * header fields it adds to the caller's (`_HTTPConnection.run`), in Tornado's order.
 *
 * Differences from Tornado:
 * - Checks run before connecting (Tornado connects first, then raises).
 * - The `User-Agent` default is `tornado-ts/<version>`.
 * - Userinfo in the URL is percent-decoded; `Accept-Encoding` keeps a value the caller
 *   set (Tornado overwrites it with `gzip`) and offers every coding the connection decodes.
 * - No `Connection: close` unless keep-alive is off: connections are pooled.
 *
 * Internal to `simple_httpclient`.
 */
import type { RequestProxy } from "../httpclient/request";
import { encodeUsernamePassword, formatTimestamp, type HTTPHeaders } from "../httputil";
import type { Hop } from "./_redirect";
import type { Target } from "./_target";

/**
 * The value of an `Authorization` or `Proxy-Authorization` field for Basic
 * authentication: RFC 7617 §2.1, user-pass in UTF-8 (NFC), base64.
 */
export function basicCredentials(username: string, password: string): string {
  return `Basic ${encodeUsernamePassword(username, password).toString("base64")}`;
}

/** The package version, for the default `User-Agent` (kept in step with package.json). */
export const VERSION = "0.1.0";

/** `User-Agent` sent when the request sets none (Tornado sends `Tornado/<version>`). */
export const DEFAULT_USER_AGENT = `tornado-ts/${VERSION}`;

/** The content codings `http1connection` decodes, offered when decompressing. */
export const ACCEPT_ENCODING = "gzip, deflate, br";

/** Methods the client sends without `allowNonstandardMethods` (case-sensitive, as Tornado). */
const SUPPORTED_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "POST",
  "PUT",
  "DELETE",
  "PATCH",
  "OPTIONS",
]);

/** Methods that must have a body (and the only ones that may) without `allowNonstandardMethods`. */
const BODY_METHODS: ReadonlySet<string> = new Set(["POST", "PATCH", "PUT"]);

/** Methods that may be sent again after a failure on a reused connection (RFC 9110 §9.2.2). */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set([
  "GET",
  "HEAD",
  "OPTIONS",
  "TRACE",
  "PUT",
  "DELETE",
]);

/**
 * True when `hop` may be retried on a fresh connection: an idempotent method and a body
 * that can be sent again (not one from a `bodyProducer`).
 */
export function isRetryable(hop: Hop): boolean {
  return IDEMPOTENT_METHODS.has(hop.method) && hop.bodyProducer === undefined;
}

/**
 * Checks the method and body of `hop` as Tornado does.
 *
 * @throws {TypeError} "unknown method X" (Tornado's KeyError), "Body must be None for
 *   method GET (unless allow_nonstandard_methods is true)" and "Body must not be None
 *   for method POST (...)" (Tornado's ValueErrors), unless `allowNonstandardMethods`.
 */
export function checkMethodAndBody(hop: Hop, request: RequestProxy): void {
  if (request.allowNonstandardMethods === true) return;
  const method = hop.method;
  if (!SUPPORTED_METHODS.has(method)) throw new TypeError(`unknown method ${method}`);
  const bodyExpected = BODY_METHODS.has(method);
  const bodyPresent = hop.body !== undefined || hop.bodyProducer !== undefined;
  if (bodyExpected !== bodyPresent) {
    throw new TypeError(
      `Body must ${bodyExpected ? "not " : ""}be None for method ${method} ` +
        "(unless allow_nonstandard_methods is true)",
    );
  }
}

/**
 * Adds the client's header fields to `hop.headers` (in place, as Tornado adds them to
 * `request.headers`): Host, Authorization, User-Agent, If-Modified-Since, Expect,
 * Content-Length, Content-Type, Accept-Encoding, and Connection when not pooling.
 *
 * @throws {TypeError} "unsupported auth_mode X" when credentials are given with an
 *   `authMode` other than basic (Tornado's ValueError).
 */
export function addClientHeaders(
  hop: Hop,
  target: Target,
  request: RequestProxy,
  options: { keepAlive: boolean; decompress: boolean },
): void {
  const headers = hop.headers;
  if (!options.keepAlive && !headers.has("Connection")) headers.set("Connection", "close");
  if (!headers.has("Host")) headers.set("Host", target.hostHeader);
  let username: string | undefined;
  let password = "";
  if (target.username !== undefined) {
    username = target.username;
    password = target.password;
  } else if (hop.authUsername !== undefined && hop.authUsername !== null) {
    username = hop.authUsername;
    password = hop.authPassword ?? "";
  }
  if (username !== undefined) {
    const mode = request.authMode;
    if (mode !== undefined && mode !== null && mode !== "basic") {
      throw new TypeError(`unsupported auth_mode ${mode}`);
    }
    headers.set("Authorization", basicCredentials(username, password));
  }
  const userAgent = request.userAgent;
  if (userAgent) headers.set("User-Agent", userAgent);
  else if (!headers.has("User-Agent")) headers.set("User-Agent", DEFAULT_USER_AGENT);
  const ifModifiedSince = request.ifModifiedSince;
  if (ifModifiedSince !== undefined && ifModifiedSince !== null) {
    headers.set("If-Modified-Since", formatTimestamp(ifModifiedSince));
  }
  if (request.expect100Continue) headers.set("Expect", "100-continue");
  // A bodyProducer body without Content-Length is sent chunked by the connection (POST,
  // PUT and PATCH, as Tornado: RFC 9112 §6.1).
  if (hop.body !== undefined) headers.set("Content-Length", String(hop.body.length));
  if (hop.method === "POST" && !headers.has("Content-Type")) {
    headers.set("Content-Type", "application/x-www-form-urlencoded");
  }
  if (options.decompress && !headers.has("Accept-Encoding")) {
    headers.set("Accept-Encoding", ACCEPT_ENCODING);
  }
}

/** Tornado's message for a header with CR or LF, from the header that has one. */
export function headerInjectionError(headers: HTTPHeaders, cause: unknown): TypeError {
  for (const [name, value] of headers) {
    const line = `${name}: ${value}`;
    if (/[\r\n]/.test(line)) {
      return new TypeError(`Illegal characters (CR or LF) in header: ${JSON.stringify(line)}`, {
        cause,
      });
    }
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return new TypeError(message, { cause });
}
