/**
 * What crosses between the blocking {@link HTTPClient} and its worker thread: requests,
 * responses and errors as structured-clone-safe records, and the checks that refuse what
 * cannot cross.
 *
 * Structured clone copies plain data only: functions are refused outright, class
 * instances lose their prototype, and a `Buffer` arrives as a plain `Uint8Array`. So the
 * request is sent as its URL plus plain option values, errors as name/message/code
 * records, and the receiving side rebuilds the real classes (`HTTPRequest`,
 * `HTTPResponse`, `HTTPClientError`, `HTTPTimeoutError`, ...). Internal to `httpclient`.
 *
 * @module
 */
import type { MessagePort } from "node:worker_threads";
import { isSecureContext } from "../netutil";
import { HTTPHeaders } from "../httputil";
import { HTTPStreamClosedError, HTTPTimeoutError } from "../simple_httpclient";
import { RuntimeError, TimeoutError } from "../util";
import type { AsyncHTTPClientOptions } from "./base";
import { HTTPClientError } from "./errors";
import { HTTPRequest, type HTTPRequestOptions } from "./request";
import { HTTPResponse, type TimeInfo } from "./response";

/** Values of the shared signal word (`Int32Array` index 0) the caller sleeps on. */
export const SIGNAL = { PENDING: 0, REPLIED: 1, GONE: 2 } as const;

/** What `blocking.ts` hands the worker as `workerData`. */
export interface BlockingWorkerData {
  /** The worker's end of the request/reply channel. */
  readonly port: MessagePort;
  /** One `Int32` over a `SharedArrayBuffer`: see {@link SIGNAL}. */
  readonly signal: Int32Array;
  /** Options of the `AsyncHTTPClient` (checked cloneable by the caller). */
  readonly clientOptions: AsyncHTTPClientOptions;
}

/**
 * Every `HTTPRequest` option besides url, method, headers and body, in Tornado's order,
 * then ours.
 */
const REQUEST_OPTION_NAMES = [
  "authUsername",
  "authPassword",
  "authMode",
  "connectTimeout",
  "requestTimeout",
  "ifModifiedSince",
  "followRedirects",
  "maxRedirects",
  "userAgent",
  "useGzip",
  "networkInterface",
  "streamingCallback",
  "headerCallback",
  "proxyHost",
  "proxyPort",
  "proxyUsername",
  "proxyPassword",
  "proxyAuthMode",
  "allowNonstandardMethods",
  "validateCert",
  "caCerts",
  "allowIpv6",
  "clientKey",
  "clientCert",
  "bodyProducer",
  "expect100Continue",
  "decompressResponse",
  "sslOptions",
  "transientChunks",
] as const satisfies readonly (keyof HTTPRequestOptions)[];

/** A request as it crosses: the URL and the options that rebuild it on the other side. */
export interface WireRequest {
  readonly url: string;
  readonly options: Record<string, unknown>;
}

/** A response as it crosses. */
export interface WireResponse {
  readonly code: number;
  readonly reason: string;
  readonly headers: [string, string][];
  readonly body: Uint8Array | null;
  readonly effectiveUrl: string;
  readonly requestTime: number | null;
  readonly startTime: number | null;
  readonly timeInfo: TimeInfo;
}

/** An error as it crosses: enough to rebuild its class, message, code and cause. */
export interface WireError {
  readonly name: string;
  readonly message: string;
  /** `HTTPClientError.code` (a number) or a Node error code such as "ECONNREFUSED". */
  readonly code?: number | string;
  /** `HTTPTimeoutError.phase`. */
  readonly phase?: string;
  /** True when the worker's error was an `HTTPClientError` (or a subclass). */
  readonly httpClientError?: boolean;
  readonly response?: WireResponse;
  readonly cause?: WireError;
  /** Node system-error fields, kept when present. */
  readonly errno?: number;
  readonly syscall?: string;
  readonly address?: string;
  readonly port?: number;
}

/** The worker's answer to one fetch. */
export type WireReply =
  | { readonly id: number; readonly ok: true; readonly response: WireResponse }
  | { readonly id: number; readonly ok: false; readonly error: WireError };

/** One fetch sent to the worker. */
export interface WireFetch {
  readonly id: number;
  readonly request: WireRequest;
  readonly raiseError: boolean;
}

/**
 * Throws `TypeError` unless `value` survives structured clone as itself: functions,
 * `tls.SecureContext` objects and other class instances (resolvers, agents...) cannot
 * reach the worker. `path` names the option in the message.
 */
export function assertCloneable(value: unknown, path: string, seen = new Set<object>()): void {
  if (typeof value === "function") {
    throw new TypeError(
      `HTTPClient cannot send ${path} to its worker thread: functions cannot cross ` +
        `threads (use AsyncHTTPClient for ${path})`,
    );
  }
  if (typeof value === "symbol") {
    throw new TypeError(`HTTPClient cannot send ${path} to its worker thread: a symbol`);
  }
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  if (isSecureContext(value)) {
    throw new TypeError(
      `HTTPClient cannot send ${path} to its worker thread: a tls.SecureContext cannot be ` +
        "cloned; pass a plain SSLOptions object ({ caCerts, cert, key, ... }) instead",
    );
  }
  if (value instanceof Uint8Array || value instanceof Date) return;
  if (Array.isArray(value)) {
    value.forEach((item, i) => assertCloneable(item, `${path}[${i}]`, seen));
    return;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    const kind = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
    throw new TypeError(
      `HTTPClient cannot send ${path} to its worker thread: a ${kind} instance would ` +
        "lose its class in structured clone; pass plain data",
    );
  }
  for (const [key, item] of Object.entries(value)) assertCloneable(item, `${path}.${key}`, seen);
}

/**
 * The wire form of `request`: every option that is set, headers as pairs, the body as
 * bytes.
 *
 * @throws `TypeError` naming the first option that cannot cross (a callback, a
 *   `SecureContext`).
 */
export function requestToWire(request: HTTPRequest): WireRequest {
  const fields = request as unknown as Record<string, unknown>;
  const options: Record<string, unknown> = {
    method: request.method,
    headers: [...request.headers.getAll()],
  };
  const body = request.body;
  if (body !== undefined && body !== null) options.body = ownBytes(body);
  for (const name of REQUEST_OPTION_NAMES) {
    const value = fields[name];
    if (value === undefined || value === null) continue;
    assertCloneable(value, name);
    options[name] = value;
  }
  return { url: request.url, options };
}

/**
 * `bytes` as a view over an `ArrayBuffer` of its own: structured clone copies a view's
 * whole `ArrayBuffer`, which for a slice of Node's Buffer pool (or of a larger read) is
 * more than the bytes; an own buffer can also be transferred instead of copied.
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  return new Uint8Array(bytes);
}

/** Turns every `Uint8Array` that structured clone made of a `Buffer` back into a `Buffer`. */
export function reviveBuffers<T>(value: T): T {
  if (value instanceof Uint8Array) {
    return (Buffer.isBuffer(value)
      ? value
      : Buffer.from(value.buffer, value.byteOffset, value.byteLength)) as unknown as T;
  }
  if (Array.isArray(value)) return value.map((item) => reviveBuffers(item) as unknown) as T;
  if (typeof value === "object" && value !== null && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = reviveBuffers(item);
    return out as T;
  }
  return value;
}

/** Rebuilds an `HTTPRequest` from its wire form (on the worker's side). */
export function requestFromWire(wire: WireRequest): HTTPRequest {
  return new HTTPRequest(wire.url, reviveBuffers(wire.options) as HTTPRequestOptions);
}

/** The wire form of `response` (its error travels separately, if at all). */
export function responseToWire(response: HTTPResponse): WireResponse {
  return {
    code: response.code,
    reason: response.reason,
    headers: [...response.headers.getAll()],
    body: response.buffer === null ? null : ownBytes(response.buffer),
    effectiveUrl: response.effectiveUrl,
    requestTime: response.requestTime,
    startTime: response.startTime,
    timeInfo: { ...response.timeInfo },
  };
}

/**
 * Rebuilds a response for `request`. A non-2xx code gets its `HTTPClientError` from the
 * `HTTPResponse` constructor, as a response that arrived in this thread would.
 */
export function responseFromWire(request: HTTPRequest, wire: WireResponse): HTTPResponse {
  const body =
    wire.body === null
      ? null
      : Buffer.from(wire.body.buffer, wire.body.byteOffset, wire.body.byteLength);
  return new HTTPResponse(request, wire.code, {
    headers: new HTTPHeaders(wire.headers),
    buffer: body,
    effectiveUrl: wire.effectiveUrl,
    requestTime: wire.requestTime,
    startTime: wire.startTime,
    timeInfo: wire.timeInfo,
    reason: wire.reason,
  });
}

/** The wire form of anything thrown in the worker (non-errors become their string form). */
export function errorToWire(error: unknown, depth = 0): WireError {
  if (!(error instanceof Error)) return { name: "Error", message: String(error) };
  const fields = error as Error & Record<string, unknown>;
  const wire: {
    -readonly [K in keyof WireError]: WireError[K];
  } = { name: error.name, message: error.message };
  const code = fields.code;
  if (typeof code === "number" || typeof code === "string") wire.code = code;
  if (typeof fields.errno === "number") wire.errno = fields.errno;
  if (typeof fields.syscall === "string") wire.syscall = fields.syscall;
  if (typeof fields.address === "string") wire.address = fields.address;
  if (typeof fields.port === "number") wire.port = fields.port;
  if (typeof fields.phase === "string") wire.phase = fields.phase;
  if (error instanceof HTTPClientError) {
    wire.httpClientError = true;
    if (error.response !== undefined && error.response !== null) {
      wire.response = responseToWire(error.response);
    }
  }
  // Causes are kept a few levels deep: enough for "Stream closed" -> ECONNRESET.
  if (error.cause !== undefined && depth < 4) wire.cause = errorToWire(error.cause, depth + 1);
  return wire;
}

/** Built-in error classes rebuilt as themselves, so `instanceof TypeError` still works. */
const BUILTIN_ERRORS: Record<string, new (message?: string, options?: ErrorOptions) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  RuntimeError,
  TimeoutError,
};

/**
 * Rebuilds an error thrown in the worker: `HTTPTimeoutError` and `HTTPStreamClosedError`
 * by name, any other `HTTPClientError` with its code, message and response (made for
 * `request`), and every other error as an `Error` (or the built-in class of the same
 * name) carrying the original name, message, code and cause.
 */
export function errorFromWire(request: HTTPRequest, wire: WireError): Error {
  const cause = wire.cause === undefined ? undefined : errorFromWire(request, wire.cause);
  const options = cause === undefined ? undefined : { cause };
  if (wire.name === "HTTPTimeoutError") {
    const phase = wire.phase === "queue" || wire.phase === "connect" ? wire.phase : "request";
    return new HTTPTimeoutError(wire.message, phase, options);
  }
  if (wire.name === "HTTPStreamClosedError") {
    return new HTTPStreamClosedError(wire.message, options);
  }
  if (wire.httpClientError === true) {
    const code = typeof wire.code === "number" ? wire.code : 599;
    const response =
      wire.response === undefined ? undefined : responseFromWire(request, wire.response);
    // A status error made by the response itself is that response's own `error`.
    const own = response?.error;
    if (own instanceof HTTPClientError && own.code === code && own.message === wire.message) {
      return own;
    }
    const error = new HTTPClientError(code, wire.message, response, options);
    if (response !== undefined) response.error = error;
    return error;
  }
  const Builtin = BUILTIN_ERRORS[wire.name] ?? Error;
  const error = new Builtin(wire.message, options) as Error & Record<string, unknown>;
  if (error.name !== wire.name) {
    Object.defineProperty(error, "name", {
      value: wire.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (wire.code !== undefined) error.code = wire.code;
  if (wire.errno !== undefined) error.errno = wire.errno;
  if (wire.syscall !== undefined) error.syscall = wire.syscall;
  if (wire.address !== undefined) error.address = wire.address;
  if (wire.port !== undefined) error.port = wire.port;
  return error;
}
