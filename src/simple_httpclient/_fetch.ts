/**
 * One fetch of `SimpleAsyncHTTPClient` from the moment it is queued to its response
 * (Tornado's `_HTTPConnection`, plus what `SimpleAsyncHTTPClient` does around it): the
 * deadlines, each hop (connection from the pool or new, request written, response read
 * into the delegate), redirects, one retry on a fresh connection, and the result.
 *
 * The fetch object is itself the `HTTPMessageDelegate` of every response it reads, so a
 * request allocates little beyond its headers and body.
 *
 * Deadlines (loop time): the queue's is fetch + min(connectTimeout, requestTimeout)
 * (zeros ignored, as Tornado); the connection's is min(connect start + connectTimeout,
 * fetch + requestTimeout); the request's is fetch + requestTimeout, across queue,
 * connections and redirects (Tornado starts it after the queue: tornado#1753). When a
 * deadline passes the fetch ends at once with `HTTPTimeoutError` and its connection is
 * closed; whatever was still running is ignored when it settles.
 *
 * Internal to `simple_httpclient`.
 */
import type { HTTP1Connection, HTTP1ReadOptions } from "../http1connection";
import type { ResponseListener } from "../http1connection/http1connection";
import type { Future } from "../concurrent";
import { HTTPClientError } from "../httpclient/errors";
import type { RequestProxy } from "../httpclient/request";
import { HTTPResponse, type TimeInfo } from "../httpclient/response";
import {
  HTTPInputError,
  HTTPOutputError,
  RequestStartLine,
  type HTTPHeaders,
  type HTTPMessageDelegate,
  type ResponseStartLine,
} from "../httputil";
import type { TimeoutHandle } from "../ioloop";
import { StreamClosedError } from "../iostream";
import { genLog } from "../log";
import { HTTPStreamClosedError, HTTPTimeoutError } from "./errors";
import { openConnection, planConnection, type ConnectContext, type ConnectTimes } from "./_connect";
import { addClientHeaders, checkMethodAndBody, headerInjectionError, isRetryable } from "./_head";
import type { PooledConnection } from "./_pool";
import { nextHop, redirectLocation, type Hop } from "./_redirect";
import { parseTarget } from "./_target";

/** What a fetch needs from its client. */
export interface FetchContext extends ConnectContext {
  /** Pool connections (false: one request per connection, as Tornado). */
  readonly keepAlive: boolean;
  /** Called once when the fetch ends, queued or running: frees its place. */
  fetchDone(fetch: FetchOperation): void;
}

type Phase = "queue" | "connect" | "request" | "done";

/** What `_beginHop` prepares for one hop. */
interface HopPlan {
  readonly target: ReturnType<typeof parseTarget>;
  readonly connection: ReturnType<typeof planConnection>;
  readonly startLine: RequestStartLine;
  /** The user's own headers had `Transfer-Encoding` (see `_beginHop`). */
  readonly userChunked: boolean;
  /** The request may be sent again on a fresh connection (idempotent, no producer). */
  readonly retryable: boolean;
}

/**
 * The four ways a response is read, made once: a fetch in flight holds one of these
 * rather than an object of its own.
 */
const READ_OPTIONS = {
  plain: Object.freeze({ decompress: false, transientChunks: false }),
  transient: Object.freeze({ decompress: false, transientChunks: true }),
  decompress: Object.freeze({ decompress: true, transientChunks: false }),
  decompressTransient: Object.freeze({ decompress: true, transientChunks: true }),
} satisfies Record<string, HTTP1ReadOptions>;

/** The read options for `decompress` and `transientChunks`. */
function readOptions(decompress: boolean, transientChunks: boolean): HTTP1ReadOptions {
  if (decompress)
    return transientChunks ? READ_OPTIONS.decompressTransient : READ_OPTIONS.decompress;
  return transientChunks ? READ_OPTIONS.transient : READ_OPTIONS.plain;
}
const EMPTY = Buffer.alloc(0);
/** Bodies read as one piece smaller than this are copied (see `_deliver`). */
const COPY_BELOW = 16 * 1024;
const HTTP11 = "HTTP/1.1";

/**
 * Seconds after a response within which a server's FIN may still be on its way: a
 * non-idempotent request waits for one more poll before it reuses the connection.
 */
const FIN_WINDOW = 0.01;

/**
 * Resolves once Node has polled for I/O again: after two `setImmediate` turns, between
 * which the loop polls without blocking. (A server's FIN trails its last response by a
 * poll or so: measured on loopback, it is seen in the second turn.)
 */
function nextIoTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(() => setImmediate(resolve)));
}

/**
 * The timer callback of a fetch's deadlines: one function for every fetch, which gets
 * the fetch as its argument, rather than a closure made per fetch.
 */
function deadlinePassed(fetch: FetchOperation): void {
  fetch._onDeadline();
}

function positive(value: number | undefined | null): number {
  return typeof value === "number" && value > 0 ? value : 0;
}

/** One fetch; see the module header. */
export class FetchOperation implements HTTPMessageDelegate, ResponseListener {
  /** Where the fetch is; "done" once its callback has been called. */
  phase: Phase = "queue";
  /** Index in the client's queue while queued (the client's bookkeeping). */
  queueIndex = -1;

  private readonly _fetchTime: number;
  private readonly _deadline: number | null;
  private _timer: TimeoutHandle | null = null;
  private readonly _times: TimeInfo = {};
  private _hopStart = 0;
  private _hopWallStart = 0;
  private _hop: Hop | null = null;
  /** The current hop's plan, and whether it is on its retry. */
  private _plan: HopPlan | null = null;
  private _retried = false;
  /** The exchange's connection came from the pool (it may be retried on a new one). */
  private _reused = false;
  /** The connection of the deadlines' concern; null once a deadline or failure took it. */
  private _conn: PooledConnection | null = null;
  /** The connection of the exchange in progress, until its end is reported. */
  private _exchanging: PooledConnection | null = null;
  private readonly _decompress: boolean;
  /** How the response is read: decompressed or not, chunks transient or not. */
  private readonly _readOptions: HTTP1ReadOptions;

  // The response being read.
  private _code = 0;
  private _reason = "";
  private _headers: HTTPHeaders | null = null;
  private _chunks: Buffer[] = [];
  private _redirectTo: string | null = null;
  private _written: Future<void> | null = null;

  // Request settings read on every response (through the proxy's getters once).
  private readonly _expect100: boolean;
  private readonly _followRedirects: boolean;
  private readonly _streamingCallback: RequestProxy["streamingCallback"];
  private readonly _headerCallback: RequestProxy["headerCallback"];
  private readonly _requestHeaders: HTTPHeaders;

  constructor(
    private readonly _ctx: FetchContext,
    readonly request: RequestProxy,
    private readonly _callback: (response: HTTPResponse) => void,
  ) {
    this._fetchTime = _ctx.ioLoop.time();
    const rt = positive(request.requestTimeout);
    this._deadline = rt > 0 ? this._fetchTime + rt : null;
    this._decompress = request.decompressResponse !== false;
    this._expect100 = request.expect100Continue === true;
    this._followRedirects = request.followRedirects !== false;
    this._streamingCallback = request.streamingCallback ?? undefined;
    // Without a streamingCallback the pieces are kept for the body: never transient.
    const transient = this._streamingCallback !== undefined && request.transientChunks === true;
    this._readOptions = readOptions(this._decompress, transient);
    this._headerCallback = request.headerCallback ?? undefined;
    // Taken now: a request object fetched again while this one waits gets a new copy.
    this._requestHeaders = request.headers;
  }

  /** The fetch waits for a slot: arm the queue deadline. */
  enqueue(): void {
    const ct = positive(this.request.connectTimeout);
    const rt = positive(this.request.requestTimeout);
    const delay = ct > 0 && rt > 0 ? Math.min(ct, rt) : ct || rt;
    if (delay > 0) {
      this._timer = this._ctx.ioLoop.callAt(this._fetchTime + delay, deadlinePassed, this);
    }
  }

  /** The fetch got a slot: run it. */
  start(): void {
    const loop = this._ctx.ioLoop;
    if (this._timer !== null) loop.removeTimeout(this._timer);
    this._timer = null;
    this.phase = "connect";
    this._times.queue = loop.time() - this._fetchTime;
    if (this._deadline !== null) this._timer = loop.callAt(this._deadline, deadlinePassed, this);
    this._run();
  }

  // --- HTTPMessageDelegate -------------------------------------------------------------

  headersReceived(startLine: RequestStartLine | ResponseStartLine, headers: HTTPHeaders): void {
    const line = startLine as ResponseStartLine;
    this._times.starttransfer = this._ctx.ioLoop.time() - this._fetchTime;
    this._code = line.code;
    this._reason = line.reason;
    this._headers = headers;
    const hop = this._hop!;
    this._redirectTo = redirectLocation(hop, this._followRedirects, line.code, headers);
    const headerCallback = this._headerCallback;
    if (this._redirectTo === null && headerCallback !== undefined) {
      // Tornado's lines: the start line, each field, then the empty line.
      headerCallback(`${line.version} ${line.code} ${line.reason}\r\n`);
      for (const [name, value] of headers) headerCallback(`${name}: ${value}\r\n`);
      headerCallback("\r\n");
    }
  }

  dataReceived(chunk: Buffer): void | PromiseLike<void> {
    if (this._redirectTo !== null) return;
    const streamingCallback = this._streamingCallback;
    if (streamingCallback !== undefined) return streamingCallback(chunk);
    // Pieces may be views of the stream's buffers, which are never written again: kept as
    // they are until the body is complete.
    this._chunks.push(chunk);
  }

  finish(): void {}

  onConnectionClose(): void {}

  // --- the fetch -----------------------------------------------------------------------

  // The fetch is driven by callbacks, not `await`: a suspended async frame (and the
  // promise it awaits) would stay in memory for as long as each response takes, for every
  // fetch in flight. On the common path (a pooled connection, a plain body) a hop runs
  // synchronously up to the read of its response, whose end comes to `responseRead` or
  // `responseFailed`; the rare waits (a FIN that may be on its way, a new connection, a
  // body producer, 100-continue) are async helpers whose settling calls back in.
  //
  // Each hop takes a connection (from the pool, or a new one), exchanges the request and
  // the response on it, and gives it back; then the fetch ends, or follows a redirect
  // with the next hop. Nothing here throws to its caller: failures end the fetch with a
  // 599 response (`_fail`).

  /** Starts the first hop. */
  private _run(): void {
    const request = this.request;
    this._startHop({
      url: request.url,
      method: request.method,
      headers: this._requestHeaders,
      body: request.body,
      bodyProducer: request.bodyProducer ?? undefined,
      authUsername: request.authUsername,
      authPassword: request.authPassword,
      redirectsLeft: request.maxRedirects ?? 5,
    });
  }

  /** Starts `hop` on a connection from the pool, or a new one. */
  private _startHop(hop: Hop): void {
    try {
      this._plan = this._beginHop(hop);
      this._retried = false;
      this._takeConnection();
    } catch (error) {
      this._fail(error);
    }
  }

  /**
   * Takes a pooled connection for the hop's plan (none when retrying), first letting a
   * request that cannot be retried wait for a FIN that may be on its way; may throw.
   */
  private _takeConnection(): void {
    const ctx = this._ctx;
    const plan = this._plan!;
    const pc = this._retried ? null : ctx.pool.acquire(plan.connection.key);
    if (pc !== null && !plan.retryable && ctx.ioLoop.time() - pc.releasedAt < FIN_WINDOW) {
      this._waitForFin(pc, plan).then(
        (chosen) => {
          if (!this._ended()) this._useConnection(chosen);
        },
        (error: unknown) => this._fail(error),
      );
      return;
    }
    this._useConnection(pc);
  }

  /** Exchanges on `pc` (a pooled connection), or on a new one when it is null. */
  private _useConnection(pc: PooledConnection | null): void {
    try {
      if (pc === null) {
        this._connect(this._plan!).then(
          (opened) => {
            if (opened === null) return;
            this._reused = false;
            this._exchangeOn(opened);
          },
          (error: unknown) => this._fail(error),
        );
        return;
      }
      const times = this._times;
      times.connect = this._ctx.ioLoop.time() - this._fetchTime;
      if (this._plan!.target.scheme === "https") times.appconnect = times.connect;
      this._reused = true;
      this._exchangeOn(pc);
    } catch (error) {
      this._fail(error);
    }
  }

  /** Writes the hop's request on `pc` and reads its response into this delegate. */
  private _exchangeOn(pc: PooledConnection): void {
    this.phase = "request";
    this._conn = pc;
    this._exchanging = pc;
    try {
      this._exchange(pc.conn, this._hop!, this._plan!.startLine);
    } catch (error) {
      // Thrown before the read began (else its end was reported, and that never throws).
      if (this._exchanging === pc) this.responseFailed(error);
      else this._fail(error);
    }
  }

  /** @internal The exchange's response was read (`ResponseListener`). */
  responseRead(reusable: boolean): void {
    const pc = this._exchanging!;
    this._exchanging = null;
    const ctx = this._ctx;
    const hop = this._hop!;
    try {
      this._endExchange(hop, this._plan!);
      if (this._ended()) {
        ctx.pool.discard(pc);
        return;
      }
      ctx.pool.release(pc, reusable, this._headers);
      const location = this._redirectTo;
      if (location === null) {
        this._deliver(hop);
        return;
      }
      let next: Hop;
      try {
        next = nextHop(hop, this._code, location, parseTarget(this.request.url).origin);
      } catch (error) {
        if (!(error instanceof HTTPClientError)) throw error;
        // The refusal carries the 3xx response it refused to follow.
        const response = this._response(hop, EMPTY, error);
        error.response = response;
        this._finish(response);
        return;
      }
      this._startHop(next);
    } catch (error) {
      this._fail(error);
    }
  }

  /** @internal The exchange failed (`ResponseListener`, or thrown by `_exchange`). */
  responseFailed(error: unknown): void {
    const pc = this._exchanging!;
    this._exchanging = null;
    const plan = this._plan!;
    try {
      this._endExchange(this._hop!, plan);
      this._ctx.pool.discard(pc);
      if (this._ended()) return;
      if (this._reused && !this._retried && plan.retryable && error instanceof StreamClosedError) {
        // The server closed a kept-alive connection before answering (RFC 9112 §9.3.1): an
        // idempotent request may be sent again, once, on a new connection.
        this._retried = true;
        this._takeConnection();
        return;
      }
    } catch (thrown) {
      this._fail(thrown);
      return;
    }
    this._fail(error);
  }

  /**
   * Starts `hop`: notes its times, checks it, and prepares its request (headers, target
   * and connection plan).
   */
  private _beginHop(hop: Hop): HopPlan {
    const ctx = this._ctx;
    const request = this.request;
    const redirected = this._hop !== null;
    this._hop = hop;
    this._hopStart = ctx.ioLoop.time();
    this._hopWallStart = Date.now() / 1000;
    if (redirected) {
      this._times.redirect = this._hopStart - this._fetchTime;
      // The connection timings are the last hop's.
      delete this._times.namelookup;
      delete this._times.appconnect;
    }
    const target = parseTarget(hop.url);
    checkMethodAndBody(hop, request);
    const connection = planConnection(target, request, hop);
    addClientHeaders(hop, target, request, {
      keepAlive: ctx.keepAlive,
      decompress: this._decompress,
    });
    const viaProxy = connection.proxy !== null;
    const path =
      viaProxy && target.scheme === "http"
        ? `http://${target.host.includes(":") ? `[${target.host}]` : target.host}:${target.port}${target.path}`
        : target.path;
    if (viaProxy && target.scheme === "http" && connection.proxyAuthorization !== undefined) {
      hop.headers.set("Proxy-Authorization", connection.proxyAuthorization);
    } else if (viaProxy && target.scheme === "https") {
      // RFC 9110 §11.7.2: Proxy-Authorization is for the next inbound proxy; inside a
      // tunnel that is the origin server, which must never see proxy credentials. One set
      // by hand goes with the CONNECT instead (unless proxyUsername gave the proxy's), and
      // stays with the hop for a retry or a same-origin redirect (see `nextHop`).
      const handSet = hop.headers.get("Proxy-Authorization");
      if (handSet !== undefined) {
        hop.tunnelAuthorization = handSet;
        hop.headers.delete("Proxy-Authorization");
      }
    }
    return {
      target,
      connection,
      startLine: new RequestStartLine(hop.method, path, HTTP11),
      // writeHeaders adds `Transfer-Encoding: chunked` to the headers it is given; a
      // retry or a redirect that copies them must not inherit it.
      userChunked: hop.headers.has("Transfer-Encoding"),
      retryable: isRetryable(hop),
    };
  }

  /**
   * For a request that cannot be retried, on a connection that has just finished a
   * response: waits for Node to poll once more, so that a server's FIN that came with (or
   * right after) that response is seen here, not as the failure of a request the server
   * may or may not have read. Returns the connection to use (null: open a new one; or
   * the fetch ended meanwhile, and the connection went back to the pool).
   */
  private async _waitForFin(pc: PooledConnection, plan: HopPlan): Promise<PooledConnection | null> {
    const pool = this._ctx.pool;
    // This connection and, if its server closed it, one more from the pool.
    let candidate: PooledConnection | null = pc;
    for (let tries = 2; candidate !== null && tries > 0; tries--) {
      await nextIoTurn();
      if (this._ended()) {
        pool.release(candidate, true, null);
        return null;
      }
      if (candidate.usable) return candidate;
      pool.discard(candidate);
      candidate = tries > 1 ? pool.acquire(plan.connection.key) : null;
    }
    return null;
  }

  /** Opens a new connection for `plan`; null if the fetch ended meanwhile. */
  private async _connect(plan: HopPlan): Promise<PooledConnection | null> {
    const ctx = this._ctx;
    this.phase = "connect";
    const start = ctx.ioLoop.time();
    const ct = positive(this.request.connectTimeout);
    let deadline = ct > 0 ? start + ct : null;
    if (this._deadline !== null && (deadline === null || this._deadline < deadline)) {
      deadline = this._deadline;
    }
    const times: ConnectTimes = {};
    const pc = await openConnection(ctx, plan.target, plan.connection, deadline, times);
    if (this._ended()) {
      ctx.pool.discard(pc);
      return null;
    }
    if (times.namelookup !== undefined) this._times.namelookup = times.namelookup - this._fetchTime;
    if (times.connect !== undefined) this._times.connect = times.connect - this._fetchTime;
    if (times.appconnect !== undefined) this._times.appconnect = times.appconnect - this._fetchTime;
    return pc;
  }

  /** After an exchange, whatever its outcome: the request's state back as it was. */
  private _endExchange(hop: Hop, plan: HopPlan): void {
    this._conn = null;
    this._settleWrite();
    if (!plan.userChunked) hop.headers.delete("Transfer-Encoding");
  }

  /**
   * Writes the request on `conn` and starts reading the response into this delegate; its
   * end comes to `responseRead` or `responseFailed`. May throw (nothing was read then).
   */
  private _exchange(conn: HTTP1Connection, hop: Hop, startLine: RequestStartLine): void {
    this._code = 0;
    this._reason = "";
    this._headers = null;
    this._chunks = [];
    this._redirectTo = null;
    this._times.pretransfer = this._ctx.ioLoop.time() - this._fetchTime;
    const plain = hop.bodyProducer === undefined && !this._expect100;
    try {
      this._written = conn.writeHeaders(startLine, hop.headers, plain ? hop.body : undefined);
    } catch (error) {
      if (error instanceof HTTPOutputError) throw headerInjectionError(hop.headers, error);
      throw error;
    }
    if (!plain) {
      this._exchangeBody(conn, hop, this._written).catch((error: unknown) =>
        this.responseFailed(error),
      );
      return;
    }
    conn.finish();
    conn._readResponseTo(this, this._readOptions, this);
  }

  /**
   * `_exchange` for a request that waits for 100 Continue or runs a body producer. A
   * rejection means no read was started (the caller reports it).
   */
  private async _exchangeBody(
    conn: HTTP1Connection,
    hop: Hop,
    written: Future<void>,
  ): Promise<void> {
    if (!this._expect100) {
      await written;
      await this._writeBody(conn, hop);
      conn._readResponseTo(this, this._readOptions, this);
      return;
    }
    // RFC 9110 §10.1.1: wait for 100 Continue; a final answer first means no body.
    let waiting = true;
    conn._readResponseTo(
      this,
      {
        ...this._readOptions,
        onInformational: (line: ResponseStartLine) => {
          if (line.code !== 100 || !waiting) return;
          waiting = false;
          this._writeBody(conn, hop).catch((error: unknown) => {
            conn.close();
            this._fail(error);
          });
        },
      },
      this,
    );
  }

  /** A failed write shows up as a closed stream in the read: mark its Future as seen. */
  private _settleWrite(): void {
    const written = this._written;
    this._written = null;
    if (written !== null && written.done() && !written.cancelled()) written.exception();
  }

  /** Writes the body (or runs the producer) and ends the request. */
  private async _writeBody(conn: HTTP1Connection, hop: Hop): Promise<void> {
    if (hop.bodyProducer !== undefined) {
      await hop.bodyProducer((chunk) =>
        conn.write(typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk),
      );
    } else if (hop.body !== undefined && hop.body.length > 0) {
      await conn.write(hop.body);
    }
    if (this.phase !== "done") conn.finish();
  }

  // --- endings -------------------------------------------------------------------------

  /** True once the fetch has ended (a method, so that narrowing of `phase` does not stick). */
  private _ended(): boolean {
    return this.phase === "done";
  }

  /** @internal A deadline passed (see the module header); called through `deadlinePassed`. */
  _onDeadline(): void {
    this._timer = null;
    const phase = this.phase;
    if (phase === "done") return;
    const error =
      phase === "queue"
        ? new HTTPTimeoutError("Timeout in request queue", "queue")
        : phase === "connect"
          ? new HTTPTimeoutError("Timeout while connecting", "connect")
          : new HTTPTimeoutError("Timeout during request", "request");
    const pc = this._conn;
    this._conn = null;
    if (pc !== null) this._ctx.pool.discard(pc);
    this._fail(error);
  }

  /** Ends the fetch with a 599 response for `error` (made public-facing first). */
  private _fail(error: unknown): void {
    if (this.phase === "done") return;
    const pc = this._conn;
    this._conn = null;
    if (pc !== null) this._ctx.pool.discard(pc);
    const reported = this._publicError(error);
    const hop = this._hop;
    const now = this._ctx.ioLoop.time();
    this._times.total = now - this._fetchTime;
    this._finish(
      new HTTPResponse(this.request, 599, {
        error: reported,
        effectiveUrl: hop?.url ?? this.request.url,
        requestTime: this.phase === "queue" ? now - this._fetchTime : now - this._hopStart,
        startTime: this.phase === "queue" ? null : this._hopWallStart,
        timeInfo: this._times,
      }),
    );
  }

  /** The error the caller sees: never one of the stream's internal classes. */
  private _publicError(error: unknown): Error {
    if (error instanceof StreamClosedError) {
      return new HTTPStreamClosedError("Stream closed", { cause: error.realError ?? error });
    }
    if (error instanceof HTTPInputError) {
      const peer = this._hop === null ? "None" : parseTarget(this._hop.url).hostHeader;
      genLog.info(`Malformed HTTP message from ${peer}: ${error.message}`);
      return new HTTPStreamClosedError("Connection closed", { cause: error });
    }
    if (error instanceof Error) return error;
    return new Error(String(error), { cause: error });
  }

  private _response(hop: Hop, buffer: Buffer, error?: Error): HTTPResponse {
    const now = this._ctx.ioLoop.time();
    this._times.total = now - this._fetchTime;
    return new HTTPResponse(this.request, this._code, {
      reason: this._reason,
      headers: this._headers ?? undefined,
      buffer,
      effectiveUrl: hop.url,
      error,
      requestTime: now - this._hopStart,
      startTime: this._hopWallStart,
      timeInfo: this._times,
    });
  }

  private _deliver(hop: Hop): void {
    const chunks = this._chunks;
    this._chunks = [];
    let buffer: Buffer;
    if (chunks.length === 0) buffer = EMPTY;
    else if (chunks.length > 1) buffer = Buffer.concat(chunks);
    else {
      // A view of the stream's read slab keeps the whole slab alive while the caller
      // keeps the body: a small body is copied out of it.
      const only = chunks[0]!;
      buffer = only.length < COPY_BELOW ? Buffer.from(only) : only;
    }
    this._finish(this._response(hop, buffer));
  }

  private _finish(response: HTTPResponse): void {
    if (this.phase === "done") return;
    this.phase = "done";
    if (this._timer !== null) this._ctx.ioLoop.removeTimeout(this._timer);
    this._timer = null;
    this._ctx.fetchDone(this);
    this._callback(response);
  }
}
