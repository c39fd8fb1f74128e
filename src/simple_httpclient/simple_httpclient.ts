/**
 * `SimpleAsyncHTTPClient`: the HTTP client written on this library's own streams (mirrors
 * `tornado.simple_httpclient.SimpleAsyncHTTPClient`): at most `maxClients` requests in
 * flight, the rest in a FIFO queue, each with Tornado's deadlines and errors.
 *
 * Differences from Tornado:
 * - Connections are kept alive and reused (see `_pool.ts`): `keepAlive`, `idleTimeout`
 *   and `maxIdlePerHost` options. `keepAlive: false` restores Tornado's one connection
 *   per request (`Connection: close`).
 * - `requestTimeout` counts from `fetch()`, queue time included, as Tornado documents
 *   (its code starts it after the queue: tornado#1753); `HTTPTimeoutError.phase` names
 *   the deadline that passed.
 * - A redirect keeps its slot (Tornado frees it and queues the next hop at the back).
 * - HTTP proxies (`proxyHost`...) are supported: CONNECT tunnels for https.
 * - A malformed response fails at once with `HTTPStreamClosedError` (Tornado waits for
 *   its request timeout: tornado#2984); errors are never internal classes.
 * - `timeInfo` is filled in (curl's names, seconds from `fetch()`): queue, namelookup
 *   and connect (new connections), appconnect (https), pretransfer, starttransfer, total,
 *   redirect. On a reused connection, connect (and appconnect) is when it was taken from
 *   the pool.
 * - Tornado's ValueError and KeyError become `TypeError`, with Tornado's messages
 *   ("unknown method X", "Body must not be None for method POST (...)", "Unsupported url
 *   scheme: ...", "Illegal characters (CR or LF) in header: ..."), and are raised before
 *   connecting (Tornado connects first). A URL with whitespace or control characters is
 *   refused.
 * - Headers: `User-Agent: tornado-ts/<version>`; URL credentials are percent-decoded;
 *   `Accept-Encoding` offers gzip, deflate and br and a caller's value is kept.
 * - Redirects: a `Location` that is not http/https is not followed; a `bodyProducer` is
 *   never run twice (the 307/308 is refused with an `HTTPClientError`); a cross-origin
 *   hop also drops `Proxy-Authorization`.
 * - Connection errors reach the caller as Tornado's do: the Node error itself
 *   (`ECONNREFUSED`, `ENOTFOUND`, the TLS error).
 */
import { AsyncHTTPClient, type AsyncHTTPClientOptions } from "../httpclient/base";
import type { RequestProxy } from "../httpclient/request";
import type { HTTPResponse } from "../httpclient/response";
import { HTTP1ConnectionParameters } from "../http1connection";
import { OverrideResolver, Resolver, type OverrideMapping } from "../netutil";
import { FetchOperation, type FetchContext } from "./_fetch";
import { ConnectionPool } from "./_pool";

/**
 * Options of {@link SimpleAsyncHTTPClient} (Tornado's `initialize` keyword arguments,
 * camelCased, plus the pool's). Sizes are bytes, times relative seconds.
 *
 * @example
 * const client = new SimpleAsyncHTTPClient({ maxClients: 50, idleTimeout: 10 });
 */
export interface SimpleAsyncHTTPClientOptions extends AsyncHTTPClientOptions {
  /** Most requests in flight; more wait in a FIFO queue. Default 10. */
  maxClients?: number;
  /** Host (and port) overrides for the resolver (see `netutil.OverrideResolver`). */
  hostnameMapping?: OverrideMapping;
  /** Most bytes a connection's stream buffers. Default 104857600 (100 MiB). */
  maxBufferSize?: number;
  /** The resolver to use; default `Resolver.create()`, closed with the client. */
  resolver?: Resolver;
  /** Most bytes of a response head. Default 65536. */
  maxHeaderSize?: number;
  /** Most bytes of a response body (also after decompression). Default `maxBufferSize`. */
  maxBodySize?: number;
  /** Reuse connections. Default true. */
  keepAlive?: boolean;
  /**
   * Seconds an idle connection is kept for reuse. Default 4. A server's
   * `Keep-Alive: timeout=N` shortens it to N − 1 (N / 2 when N ≤ 2).
   */
  idleTimeout?: number;
  /** Most idle connections kept per pool key. Default `maxClients`. */
  maxIdlePerHost?: number;
}

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer: received ${String(value)}`);
  }
  return value;
}

/**
 * A non-blocking HTTP client with no dependencies beyond Node (Tornado's default
 * `AsyncHTTPClient` implementation), with a keep-alive pool.
 *
 * `new SimpleAsyncHTTPClient()` always makes a new client; `new AsyncHTTPClient()` gives
 * the loop's shared one (this class unless another is configured).
 *
 * @throws {RangeError} for a size or `maxClients` that is not a positive integer, or an
 *   `idleTimeout` that is negative.
 * @example
 * const client = new SimpleAsyncHTTPClient({ maxClients: 20 });
 * try {
 *   const response = await client.fetch("http://127.0.0.1:8888/");
 *   console.log(response.code, response.body.toString());
 * } finally {
 *   client.close();
 * }
 */
export class SimpleAsyncHTTPClient extends AsyncHTTPClient implements FetchContext {
  /** Most requests in flight at once. */
  readonly maxClients: number;
  /** See {@link SimpleAsyncHTTPClientOptions.maxBufferSize}. */
  readonly maxBufferSize: number;
  /** See {@link SimpleAsyncHTTPClientOptions.maxHeaderSize}. */
  readonly maxHeaderSize: number;
  /** See {@link SimpleAsyncHTTPClientOptions.maxBodySize}. */
  readonly maxBodySize: number;
  /** Whether connections are reused. */
  readonly keepAlive: boolean;
  /** The resolver (wrapped in an `OverrideResolver` when `hostnameMapping` is given). */
  readonly resolver: Resolver;
  /** @internal the settings of every connection. */
  readonly params: HTTP1ConnectionParameters;
  /**
   * The keep-alive pool: `idleCount`, `created`, `reused`, `retired` (see `PoolStats`).
   *
   * @example
   * await client.fetch(url);
   * await client.fetch(url);
   * client.pool.reused; // 1
   */
  readonly pool: ConnectionPool;

  private readonly _ownResolver: boolean;
  private _active = 0;
  /** Waiting fetches, oldest first; null marks one that left (timed out). */
  private _queue: (FetchOperation | null)[] = [];
  private _queueHead = 0;
  private _queued = 0;
  /** True while `_processQueue` runs (see there). */
  private _processingQueue = false;

  constructor(options: SimpleAsyncHTTPClientOptions = {}) {
    super(options);
    this.maxClients = positiveInteger("maxClients", options.maxClients, 10);
    this.maxBufferSize = positiveInteger("maxBufferSize", options.maxBufferSize, 104857600);
    this.maxHeaderSize = positiveInteger("maxHeaderSize", options.maxHeaderSize, 65536);
    this.maxBodySize = positiveInteger("maxBodySize", options.maxBodySize, this.maxBufferSize);
    this.keepAlive = options.keepAlive ?? true;
    const idleTimeout = options.idleTimeout ?? 4;
    if (!(typeof idleTimeout === "number" && idleTimeout >= 0)) {
      throw new RangeError(`idleTimeout must be seconds >= 0: received ${String(idleTimeout)}`);
    }
    const maxIdlePerHost = positiveInteger(
      "maxIdlePerHost",
      options.maxIdlePerHost,
      this.maxClients,
    );
    this._ownResolver = options.resolver === undefined || options.resolver === null;
    let resolver = this._ownResolver ? Resolver.create() : (options.resolver as Resolver);
    if (options.hostnameMapping !== undefined && options.hostnameMapping !== null) {
      resolver = new OverrideResolver(resolver, options.hostnameMapping);
    }
    this.resolver = resolver;
    this.params = new HTTP1ConnectionParameters({
      maxHeaderSize: this.maxHeaderSize,
      maxBodySize: this.maxBodySize,
      decompress: false,
    });
    this.pool = new ConnectionPool(this.ioLoop, {
      keepAlive: this.keepAlive,
      idleTimeout,
      maxIdlePerHost,
    });
  }

  /** Requests waiting for a slot (Tornado's `len(client.queue)`). */
  get queueLength(): number {
    return this._queued;
  }

  /** Requests in flight (Tornado's `len(client.active)`). */
  get active(): number {
    return this._active;
  }

  /**
   * Closes the client: idle pooled connections are closed, and the resolver if the client
   * made it. Requests in flight finish (their connections are then closed).
   *
   * @example
   * client.close();
   */
  override close(): void {
    if (this.closed) return;
    super.close();
    this.pool.close();
    // A resolver the caller gave stays open (an OverrideResolver around it would close it).
    if (this._ownResolver) this.resolver.close();
  }

  protected override fetchImpl(
    request: RequestProxy,
    callback: (response: HTTPResponse) => void,
  ): void {
    const fetch = new FetchOperation(this, request, callback);
    if (this._active < this.maxClients && this._queued === 0) {
      this._active++;
      fetch.start();
      return;
    }
    fetch.queueIndex = this._queue.length;
    this._queue.push(fetch);
    this._queued++;
    fetch.enqueue();
  }

  /** @internal see `FetchContext.fetchDone`. */
  fetchDone(fetch: FetchOperation): void {
    if (fetch.queueIndex >= 0) {
      // It timed out in the queue.
      this._queue[fetch.queueIndex] = null;
      fetch.queueIndex = -1;
      this._queued--;
      return;
    }
    this._active--;
    this._processQueue();
  }

  private _processQueue(): void {
    // A fetch that fails as it starts (a bad request, say) ends inside `start()`, which
    // calls back here: the loop below takes the slot it freed, rather than a nested loop
    // one stack frame deeper for each such fetch in the queue.
    if (this._processingQueue) return;
    this._processingQueue = true;
    const queue = this._queue;
    try {
      while (this._active < this.maxClients && this._queueHead < queue.length) {
        const next = queue[this._queueHead];
        queue[this._queueHead++] = null;
        if (next === null || next === undefined) continue;
        next.queueIndex = -1;
        this._queued--;
        this._active++;
        next.start();
      }
    } finally {
      this._processingQueue = false;
    }
    if (this._queueHead === queue.length) {
      queue.length = 0;
      this._queueHead = 0;
    } else if (this._queueHead > 1024 && this._queueHead * 2 > queue.length) {
      this._queue = queue.slice(this._queueHead);
      for (let i = 0; i < this._queue.length; i++) {
        const waiting = this._queue[i];
        if (waiting) waiting.queueIndex = i;
      }
      this._queueHead = 0;
    }
  }
}
