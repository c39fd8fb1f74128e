/**
 * `HTTPResponse`: what `AsyncHTTPClient.fetch` resolves with (mirrors
 * `tornado.httpclient.HTTPResponse`).
 *
 * Differences from Tornado: `buffer` is a `Buffer` (Tornado's `BytesIO`) and `body` never
 * returns null; keyword arguments after `code` are fields of one init object;
 * `toString()` lists the main fields only, in Tornado's `HTTPResponse(name=value,...)`
 * shape.
 */
import { HTTPHeaders, responses } from "../httputil";
import { HTTPClientError } from "./errors";
import { RequestProxy, type HTTPRequest } from "./request";

/**
 * Timings of a fetch, in seconds, each measured from the `fetch()` call (curl's meaning of
 * `CURLINFO_*_TIME`). A client fills the phases it measures; the others stay undefined.
 *
 * @example
 * const info: TimeInfo = { queue: 0.001, connect: 0.004, total: 0.012 };
 */
export interface TimeInfo {
  /** Time spent waiting in the client's queue. */
  queue?: number;
  /** Until name resolution finished. */
  namelookup?: number;
  /** Until the TCP connection was made. */
  connect?: number;
  /** Until the TLS handshake finished. */
  appconnect?: number;
  /** Until the request was about to be sent. */
  pretransfer?: number;
  /** Until the first response byte arrived. */
  starttransfer?: number;
  /** Until the response was complete. */
  total?: number;
  /** Time spent following redirects. */
  redirect?: number;
}

/**
 * The optional parts of an {@link HTTPResponse} (Tornado's keyword arguments).
 *
 * @example
 * new HTTPResponse(request, 200, { buffer: Buffer.from("hi"), requestTime: 0.01 });
 */
export interface HTTPResponseInit {
  /** Response headers (default: none). */
  headers?: HTTPHeaders;
  /** The body, or null when it was streamed to `streamingCallback` or there is none. */
  buffer?: Buffer | null;
  /** The URL after redirects (default: the request's URL). */
  effectiveUrl?: string;
  /** The failure, if any; when absent a non-2xx code makes an `HTTPClientError`. */
  error?: Error | null;
  /** Seconds from the start of the (last) request to its end. */
  requestTime?: number | null;
  /** Phase timings in seconds. */
  timeInfo?: TimeInfo;
  /** The reason phrase (default: the standard one for `code`, else "Unknown"). */
  reason?: string;
  /** Wall-clock seconds (`Date.now() / 1000`) when the request started. */
  startTime?: number | null;
}

/**
 * An HTTP response, or (code 599) the record of a request that got none.
 *
 * When no `error` is given and `code` is not 2xx, `error` is
 * `new HTTPClientError(code, reason, this)` and `errorIsResponseCode` is true.
 *
 * @example
 * const response = await new AsyncHTTPClient().fetch("http://127.0.0.1:8888/");
 * console.log(response.code, response.headers.get("Content-Type"), response.body.toString());
 */
export class HTTPResponse {
  /** The request as the caller made it (a `RequestProxy` given here is unwrapped). */
  readonly request: HTTPRequest;
  /** The HTTP status code; 599 when there was no response. */
  code: number;
  /** The reason phrase of the status line. */
  reason: string;
  /** The response headers. */
  headers: HTTPHeaders;
  /** The body as received, or null (streamed, or none). */
  buffer: Buffer | null;
  /** The URL after following redirects. */
  effectiveUrl: string;
  /** The failure, or null for a 2xx response. */
  error: Error | null;
  /** Seconds from the start of the (last) request to its end, or null if unknown. */
  requestTime: number | null;
  /** Wall-clock seconds when the request started, or null if unknown. */
  startTime: number | null;
  /** Phase timings in seconds. */
  timeInfo: TimeInfo;
  /**
   * True when `error` was made here from a non-2xx `code` (so `fetch(..., { raiseError:
   * false })` resolves with the response rather than rejecting).
   *
   * @internal
   */
  readonly errorIsResponseCode: boolean;

  constructor(request: HTTPRequest | RequestProxy, code: number, init: HTTPResponseInit = {}) {
    this.request = request instanceof RequestProxy ? request.request : request;
    this.code = code;
    this.reason = init.reason || (responses[code] ?? "Unknown");
    this.headers = init.headers ?? new HTTPHeaders();
    this.buffer = init.buffer ?? null;
    this.effectiveUrl = init.effectiveUrl ?? request.url;
    if (init.error === undefined || init.error === null) {
      if (code < 200 || code >= 300) {
        this.errorIsResponseCode = true;
        this.error = new HTTPClientError(code, this.reason, this);
      } else {
        this.errorIsResponseCode = false;
        this.error = null;
      }
    } else {
      this.errorIsResponseCode = false;
      this.error = init.error;
    }
    this.requestTime = init.requestTime ?? null;
    this.startTime = init.startTime ?? null;
    this.timeInfo = init.timeInfo ?? {};
  }

  /** The body, or an empty Buffer when there is none. */
  get body(): Buffer {
    return this.buffer ?? Buffer.alloc(0);
  }

  /**
   * Throws `error` if the request failed; does nothing otherwise.
   *
   * @throws the response's `error`, if any.
   * @example
   * const response = await client.fetch(url, { raiseError: false });
   * response.rethrow(); // throws HTTPClientError for a 404
   */
  rethrow(): void {
    if (this.error) throw this.error;
  }

  /** `HTTPResponse(code=200,reason='OK',effectiveUrl='...',...)`, for debugging. */
  toString(): string {
    const fields = [
      `code=${this.code}`,
      `reason='${this.reason}'`,
      `effectiveUrl='${this.effectiveUrl}'`,
      `requestTime=${String(this.requestTime)}`,
    ];
    if (this.error) fields.push(`error=${String(this.error)}`);
    return `HTTPResponse(${fields.join(",")})`;
  }
}
