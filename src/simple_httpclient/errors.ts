/**
 * The two errors of the simple HTTP client (mirrors `tornado.simple_httpclient`'s
 * `HTTPTimeoutError` and `HTTPStreamClosedError`). Both are `HTTPClientError`s with code
 * 599 (no HTTP response) and print their message alone, as Tornado's `__str__` does.
 *
 * Difference from Tornado: `HTTPTimeoutError` says which phase ran out of time
 * (`phase`), and both chain the underlying failure (a Node socket error, an
 * `HTTPInputError`) as `cause`.
 */
import { HTTPClientError } from "../httpclient/errors";

/** The phase of a fetch in which its time ran out. */
export type HTTPTimeoutPhase = "queue" | "connect" | "request";

/**
 * A fetch ran out of time: "Timeout in request queue" (waiting for one of `maxClients`
 * slots), "Timeout while connecting" (DNS, TCP, TLS and any proxy tunnel) or "Timeout
 * during request" (writing the request and reading the response).
 *
 * @example
 * try {
 *   await client.fetch(url, { requestTimeout: 0.5 });
 * } catch (e) {
 *   if (e instanceof HTTPTimeoutError) console.log(e.phase, String(e)); // request Timeout during request
 * }
 */
export class HTTPTimeoutError extends HTTPClientError {
  override name = "HTTPTimeoutError";
  /** Which deadline expired: the queue's, the connection's, or the request's. */
  readonly phase: HTTPTimeoutPhase;

  /**
   * @param message Tornado's text for the phase (see the class).
   * @param phase which deadline expired; default "request".
   */
  constructor(message: string, phase: HTTPTimeoutPhase = "request", options?: { cause?: unknown }) {
    super(599, message, undefined, options);
    this.phase = phase;
  }

  /** The message alone (Tornado's `str()`): `Timeout during request`. */
  override toString(): string {
    return this.message;
  }
}

/**
 * The connection closed before the response was complete: "Stream closed" when it closed
 * before the response began, "Connection closed" when it closed (or the response proved
 * malformed) part way. `cause` is what closed it: a Node socket error such as
 * `ECONNRESET`, or the `HTTPInputError` that described a malformed response.
 *
 * @example
 * try {
 *   await client.fetch(url);
 * } catch (e) {
 *   if (e instanceof HTTPStreamClosedError) console.log(String(e), e.cause); // Stream closed ...
 * }
 */
export class HTTPStreamClosedError extends HTTPClientError {
  override name = "HTTPStreamClosedError";

  /** @param message "Stream closed" or "Connection closed" (Tornado's texts). */
  constructor(message: string, options?: { cause?: unknown }) {
    super(599, message, undefined, options);
  }

  /** The message alone (Tornado's `str()`): `Stream closed`. */
  override toString(): string {
    return this.message;
  }
}
