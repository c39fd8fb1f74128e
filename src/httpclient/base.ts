/**
 * `AsyncHTTPClient`: the configurable, per-loop shared non-blocking HTTP client (mirrors
 * `tornado.httpclient.AsyncHTTPClient`).
 *
 * `new AsyncHTTPClient()` returns the one client cached for `IOLoop.current()`, an
 * instance of the configured implementation (`SimpleAsyncHTTPClient` unless
 * `AsyncHTTPClient.configure` chose another). Implementations subclass this class and
 * override `fetchImpl`; the base turns their responses into the Future `fetch` returns.
 *
 * Differences from Tornado:
 * - JavaScript has no `__new__`: the base constructor returns the shared (or a new
 *   configured) instance when called as `new AsyncHTTPClient()`, and `new SubClass()` is
 *   always a fresh instance (Tornado caches per subclass too). Use `new AsyncHTTPClient()`
 *   for the shared client.
 * - `configure` takes a class, not an import path; the default is registered by
 *   `tornado-ts/httpclient`'s index (this file cannot import the layer above it).
 * - `fetch` has no `callback` argument (removed in Tornado 6).
 */
import {
  Future,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
} from "../concurrent";
import { HTTPHeaders } from "../httputil";
import { IOLoop } from "../ioloop";
import { RuntimeError } from "../util";
import {
  HTTPRequest,
  HTTP_REQUEST_DEFAULTS,
  RequestProxy,
  type HTTPRequestOptions,
} from "./request";
import type { HTTPResponse } from "./response";

/**
 * Options of an `AsyncHTTPClient` (Tornado's constructor keyword arguments). Keys other
 * than `forceInstance` and `defaults` belong to the implementation (`maxClients`, ...).
 *
 * @example
 * const client = new AsyncHTTPClient({ forceInstance: true, defaults: { userAgent: "me" } });
 */
export interface AsyncHTTPClientOptions {
  /** Make a new client rather than return the one shared by the current loop. */
  forceInstance?: boolean;
  /** Option values for requests that leave them unset, merged over `HTTP_REQUEST_DEFAULTS`. */
  defaults?: HTTPRequestOptions;
  /** Implementation options (`maxClients`, `hostnameMapping`, ...). */
  [option: string]: unknown;
}

/**
 * Options of `fetch`: request options (for a URL), plus `raiseError` (default true): when
 * false, a response with a non-2xx status resolves instead of rejecting. Failures without
 * a response (code 599: timeouts, refused connections) reject either way.
 *
 * @example
 * const response = await client.fetch(url, { method: "HEAD", raiseError: false });
 */
export type FetchOptions = HTTPRequestOptions & { raiseError?: boolean };

/**
 * A class usable as an `AsyncHTTPClient` implementation.
 *
 * @example
 * AsyncHTTPClient.configure(SimpleAsyncHTTPClient as AsyncHTTPClientClass, { maxClients: 50 });
 */
export type AsyncHTTPClientClass = new (options?: AsyncHTTPClientOptions) => AsyncHTTPClient;

/** The implementation `configure` chose, null for the default. */
let configuredImpl: AsyncHTTPClientClass | null = null;
/** Options `configure` gave, passed to implementations made by `new AsyncHTTPClient()`. */
let configuredOptions: AsyncHTTPClientOptions = {};
/** The implementation used when none is configured, registered by httpclient/index.ts. */
let defaultImpl: AsyncHTTPClientClass | null = null;
/** The shared client of each loop (Tornado's `_async_clients()` dict). */
const sharedClients = new WeakMap<IOLoop, AsyncHTTPClient>();

/**
 * A non-blocking HTTP client (Tornado's `AsyncHTTPClient`).
 *
 * `new AsyncHTTPClient(options)` returns the client shared by `IOLoop.current()`, made on
 * first use with the configured implementation and `{ ...configuredOptions(), ...options }`;
 * later options are ignored while it is cached (Tornado #1941). `forceInstance: true`
 * always makes a new, unshared client.
 *
 * @throws {RuntimeError} from the constructor if no implementation is configured (import
 *   `tornado-ts/httpclient`, which registers `SimpleAsyncHTTPClient`).
 * @example
 * async function main(): Promise<void> {
 *   const client = new AsyncHTTPClient();
 *   try {
 *     const response = await client.fetch("http://www.example.com/");
 *     console.log(response.body.toString());
 *   } catch (e) {
 *     console.log("Error:", String(e));
 *   }
 * }
 */
export class AsyncHTTPClient {
  /** Option values for requests that leave them unset. */
  readonly defaults: Readonly<HTTPRequestOptions>;
  /** The loop this client runs on (`IOLoop.current()` at construction). */
  readonly ioLoop: IOLoop;
  private _closed = false;

  constructor(options: AsyncHTTPClientOptions = {}) {
    this.ioLoop = IOLoop.current();
    this.defaults = Object.freeze({ ...HTTP_REQUEST_DEFAULTS, ...(options.defaults ?? {}) });
    if (new.target === AsyncHTTPClient) {
      // Tornado's Configurable.__new__ + AsyncHTTPClient.__new__: hand back the shared
      // client, or build one of the configured implementation (`this` is discarded).
      const force = options.forceInstance === true;
      if (!force) {
        const cached = sharedClients.get(this.ioLoop);
        if (cached !== undefined) return cached;
      }
      const impl = AsyncHTTPClient.configuredClass();
      const instance = new impl({ ...configuredOptions, ...options });
      if (!force) sharedClients.set(this.ioLoop, instance);
      return instance;
    }
  }

  /**
   * Chooses the class `new AsyncHTTPClient()` instantiates, and options passed to it
   * (overridden by those given to the constructor). `null` restores the default
   * implementation. Affects clients made afterwards; a client already shared by a loop
   * stays.
   *
   * @throws {TypeError} if `impl` is not a subclass of `AsyncHTTPClient`.
   * @example
   * AsyncHTTPClient.configure(null, { maxClients: 100 });
   */
  static configure(impl: AsyncHTTPClientClass | null, options: AsyncHTTPClientOptions = {}): void {
    if (impl !== null && !(impl.prototype instanceof AsyncHTTPClient)) {
      throw new TypeError(`Invalid subclass of AsyncHTTPClient: ${String(impl?.name)}`);
    }
    configuredImpl = impl;
    configuredOptions = { ...options };
  }

  /**
   * The class `new AsyncHTTPClient()` instantiates: the configured one, else the default.
   *
   * @throws {RuntimeError} if neither is set.
   * @example
   * AsyncHTTPClient.configuredClass().name; // "SimpleAsyncHTTPClient"
   */
  static configuredClass(): AsyncHTTPClientClass {
    const impl = configuredImpl ?? defaultImpl;
    if (impl === null) {
      throw new RuntimeError(
        "No AsyncHTTPClient implementation configured: import tornado-ts/httpclient or call AsyncHTTPClient.configure()",
      );
    }
    return impl;
  }

  /**
   * A copy of the options given to `configure`.
   *
   * @example
   * AsyncHTTPClient.configure(null, { maxClients: 12 });
   * AsyncHTTPClient.configuredOptions(); // { maxClients: 12 }
   */
  static configuredOptions(): AsyncHTTPClientOptions {
    return { ...configuredOptions };
  }

  /**
   * Registers the implementation used when `configure` chose none.
   *
   * @internal called once by httpclient/index.ts.
   */
  static _setDefaultImpl(impl: AsyncHTTPClientClass): void {
    defaultImpl = impl;
  }

  /**
   * The current `configure` state, for {@link AsyncHTTPClient._restoreConfiguration}
   * (Tornado's `_save_configuration`, for tests that configure a client).
   *
   * @internal
   */
  static _saveConfiguration(): [AsyncHTTPClientClass | null, AsyncHTTPClientOptions] {
    return [configuredImpl, { ...configuredOptions }];
  }

  /**
   * Puts back a state saved by {@link AsyncHTTPClient._saveConfiguration}.
   *
   * @internal
   */
  static _restoreConfiguration(saved: [AsyncHTTPClientClass | null, AsyncHTTPClientOptions]): void {
    [configuredImpl, configuredOptions] = [saved[0], { ...saved[1] }];
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this._closed;
  }

  /**
   * Releases the client's resources; further `fetch` calls throw. If this is the client
   * shared by its loop, the next `new AsyncHTTPClient()` makes a new one. Idempotent.
   * Implementations that override it must call `super.close()`.
   *
   * @example
   * const client = new AsyncHTTPClient({ forceInstance: true });
   * client.close();
   */
  close(): void {
    if (this._closed) return;
    this._closed = true;
    if (sharedClients.get(this.ioLoop) === this) sharedClients.delete(this.ioLoop);
  }

  /**
   * Fetches `request` (an `HTTPRequest`, or a URL made into one with `options`) and
   * resolves with its `HTTPResponse`. Rejects with the response's `error` (an
   * `HTTPClientError` for a non-2xx status) unless `raiseError` is false and the error
   * is only the status code; other failures (code 599) always reject. The caller's
   * headers object is copied, never modified. Cancelling the returned Future does not
   * stop the request.
   *
   * @throws {RuntimeError} "fetch() called on closed AsyncHTTPClient" after `close()`.
   * @throws {TypeError} if request options come with an `HTTPRequest`.
   * @example
   * const response = await new AsyncHTTPClient().fetch("http://127.0.0.1:8888/", {
   *   headers: { Accept: "application/json" },
   *   requestTimeout: 5,
   * });
   */
  fetch(request: string | HTTPRequest, options: FetchOptions = {}): Future<HTTPResponse> {
    if (this._closed) throw new RuntimeError("fetch() called on closed AsyncHTTPClient");
    const raiseError = options.raiseError ?? true;
    // The client may add headers (Host, Accept-Encoding, ...): never touch the caller's.
    // A request made here from a URL has headers of its own, unless the options gave an
    // `HTTPHeaders`, which the request keeps as it is.
    let callersHeaders = true;
    if (request instanceof HTTPRequest) {
      const given = Object.keys(options).filter(
        (key) => key !== "raiseError" && (options as Record<string, unknown>)[key] !== undefined,
      );
      if (given.length > 0) {
        throw new TypeError(
          `options can't be used if request is an HTTPRequest object (got ${given.join(", ")})`,
        );
      }
    } else {
      callersHeaders = options.headers instanceof HTTPHeaders;
      request = new HTTPRequest(request, options);
    }
    if (callersHeaders) request.headers = new HTTPHeaders(request.headers);
    const future = new Future<HTTPResponse>();
    this.fetchImpl(new RequestProxy(request, this.defaults), (response) => {
      if (response.error && (raiseError || !response.errorIsResponseCode)) {
        futureSetExceptionUnlessCancelled(future, response.error);
      } else {
        futureSetResultUnlessCancelled(future, response);
      }
    });
    return future;
  }

  /**
   * Performs one request; implementations override it and call `callback` exactly once
   * with the response (code 599 and an `error` when there is none). The request is seen
   * through the client's defaults.
   *
   * @throws {RuntimeError} in the base class, which has no transport.
   */
  protected fetchImpl(_request: RequestProxy, _callback: (response: HTTPResponse) => void): void {
    throw new RuntimeError("fetchImpl is not implemented");
  }
}
