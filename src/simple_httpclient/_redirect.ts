/**
 * Following redirects (Tornado's `_HTTPConnection._should_follow_redirect` and the
 * redirect branch of `finish`): which responses are followed, and the request of the next
 * hop (RFC 9110 §15.4).
 *
 * Differences from Tornado:
 * - A `Location` that does not resolve to an http or https URL is not followed: the 3xx
 *   is returned (Tornado follows it and fails with "Unsupported url scheme").
 * - A redirect that would send a `bodyProducer` body again (301/302 for a method other
 *   than POST, 307, 308) is refused with an `HTTPClientError` carrying the 3xx response;
 *   Tornado calls the producer a second time.
 * - A cross-origin hop also drops `Proxy-Authorization`.
 *
 * Internal to `simple_httpclient`.
 */
import { HTTPClientError } from "../httpclient/errors";
import type { RequestProxy } from "../httpclient/request";
import type { HTTPHeaders } from "../httputil";
import { parseTarget, stripUserinfo, type Target } from "./_target";

/** One request of a fetch: the first, or one made by following a redirect. */
export interface Hop {
  url: string;
  method: string;
  /** Headers sent (the client adds its own to them, as Tornado does to `request.headers`). */
  headers: HTTPHeaders;
  body: Buffer | undefined;
  bodyProducer: RequestProxy["bodyProducer"];
  authUsername: string | undefined;
  authPassword: string | undefined;
  /** Redirects this hop may still follow. */
  redirectsLeft: number;
  /**
   * A `Proxy-Authorization` set by hand on a request through an https tunnel: taken out of
   * `headers` (the origin server must not see it) to go with the CONNECT.
   */
  tunnelAuthorization?: string;
}

/** Status codes that are followed when they come with a `Location` (as Tornado). */
const REDIRECT_CODES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** Header fields that describe a body: dropped with the body (Tornado's list). */
const BODY_HEADERS = ["Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding"];

/** Header fields that carry credentials: dropped on a cross-origin hop. */
const CREDENTIAL_HEADERS = ["Authorization", "Cookie", "Proxy-Authorization"];

/**
 * The absolute URL to follow for a response with `code` and `headers`, or null when it
 * is not followed (not a redirect code, no `Location`, no redirects left, redirects off,
 * or a Location that is not http/https).
 */
export function redirectLocation(
  hop: Hop,
  followRedirects: boolean,
  code: number,
  headers: HTTPHeaders,
): string | null {
  if (!followRedirects || hop.redirectsLeft <= 0 || !REDIRECT_CODES.has(code)) return null;
  const location = headers.get("Location");
  if (location === undefined) return null;
  let url: URL;
  try {
    url = new URL(location, hop.url);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  return url.href;
}

/**
 * The hop that follows `hop` to `location` after a `code` response.
 *
 * @param originalOrigin the origin of the fetch's first URL: leaving it drops credentials
 *   (Tornado compares with the original request too).
 * @throws {HTTPClientError} (with `code`) when the body came from a `bodyProducer` and the
 *   redirect would need it again.
 */
export function nextHop(hop: Hop, code: number, location: string, originalOrigin: string): Hop {
  const headers = hop.headers.copy();
  headers.delete("Host");
  let { method, body, bodyProducer, authUsername, authPassword, tunnelAuthorization } = hop;
  let url = location;
  // RFC 9110 §15.4.4: 303 means "GET the result" (HEAD stays HEAD); §15.4.2-3: user agents
  // have long turned POST into GET on 301 and 302, which Tornado (and browsers) keep.
  if (
    (code === 303 && method !== "HEAD") ||
    ((code === 301 || code === 302) && method === "POST")
  ) {
    method = "GET";
    body = undefined;
    bodyProducer = undefined;
    for (const name of BODY_HEADERS) headers.delete(name);
  } else if (bodyProducer !== undefined) {
    throw new HTTPClientError(
      code,
      `Cannot follow the ${code} redirect to ${location}: the ${method} body came from ` +
        "bodyProducer, which cannot be run a second time (follow it yourself, with " +
        "followRedirects: false)",
    );
  }
  let target: Target;
  try {
    target = parseTarget(url);
  } catch {
    target = { origin: "" } as Target;
  }
  if (target.origin !== originalOrigin) {
    authUsername = undefined;
    authPassword = undefined;
    tunnelAuthorization = undefined;
    url = stripUserinfo(url);
    for (const name of CREDENTIAL_HEADERS) headers.delete(name);
  }
  return {
    url,
    method,
    headers,
    body,
    bodyProducer,
    authUsername,
    authPassword,
    redirectsLeft: hop.redirectsLeft - 1,
    tunnelAuthorization,
  };
}
