/**
 * `HTTPClientError`: the error an HTTP client fetch fails with (mirrors
 * `tornado.httpclient.HTTPClientError` and its alias `HTTPError`).
 *
 * `code` is the HTTP status of the response, or 599 when there was no response at all
 * (a timeout, a refused connection, a stream closed early). `toString()` prints as
 * Tornado's `str()` does: `HTTP 404: Not Found`.
 *
 * Differences from Tornado: `message` is the standard `Error.message` (Tornado's
 * `message` attribute); the underlying failure, if any, is chained as `cause`.
 */
import { responses } from "../httputil";
import type { HTTPResponse } from "./response";

/**
 * An HTTP request failed: the server answered with a status outside 2xx, or (code 599)
 * there was no HTTP answer.
 *
 * @example
 * try {
 *   await new AsyncHTTPClient().fetch("http://127.0.0.1:8888/missing");
 * } catch (e) {
 *   if (e instanceof HTTPClientError && e.code === 404) console.log(String(e)); // "HTTP 404: Not Found"
 * }
 */
export class HTTPClientError extends Error {
  override name = "HTTPClientError";
  /** The HTTP status code, or 599 when no HTTP response was received. */
  readonly code: number;
  /** The response that carried the error status, if there was one. */
  response: HTTPResponse | undefined;

  /**
   * @param code HTTP status, or 599 for failures without an HTTP response.
   * @param message Defaults to the reason phrase of `code` (`responses[code]`), else "Unknown".
   * @param response The response whose status this error reports, if any.
   * @param options `cause`: the underlying failure.
   */
  constructor(
    code: number,
    message?: string,
    response?: HTTPResponse,
    options?: { cause?: unknown },
  ) {
    super(message ?? responses[code] ?? "Unknown", options);
    this.code = code;
    this.response = response;
  }

  /** `HTTP <code>: <message>`, as Tornado prints it (`str()` and `repr()`). */
  override toString(): string {
    return `HTTP ${this.code}: ${this.message}`;
  }
}

/**
 * Tornado's older name for {@link HTTPClientError} (`tornado.httpclient.HTTPError`), kept
 * so ported code reads the same; it is the same class.
 *
 * @example
 * HTTPError === HTTPClientError; // true
 */
export { HTTPClientError as HTTPError };
