/**
 * The keep-alive pool of `SimpleAsyncHTTPClient`: connections that finished a response
 * cleanly wait here, per key, for the next request to the same place. Tornado's simple
 * client closes every connection after one response (tornado#324, open since 2011); this
 * is what it never had.
 *
 * - **Key.** Everything `TCPClient.connect` and the TLS/proxy setup depend on (see
 *   `connectionKey` in `_connect.ts`): scheme, host, port, address family, source IP, TLS
 *   settings, proxy. Two requests share a connection only when either could have made it.
 * - **Order.** The most recently used idle connection is taken first (a stack): it is the
 *   one least likely to have been closed by the server, and the others age out.
 * - **Expiry.** An idle connection is kept `idleTimeout` seconds (default 4), or less when
 *   the server announced its own limit with `Keep-Alive: timeout=N` (RFC 9112 does not
 *   define the header; it is the de facto one from RFC 2068 §19.7.1.1): then N − 1 seconds
 *   (N / 2 when N ≤ 2), so that a request is never sent into a close the server is about
 *   to make. Expiry is checked when a connection is taken, and a sweep closes expired
 *   connections in the background.
 * - **Retirement.** A connection is closed instead of pooled after `Connection: close`
 *   (either side), a body that was not read to its end, an error or a timeout, a response
 *   framed by the close, or when `maxIdlePerHost` connections of its key already wait.
 *   A connection is also never reused when it closed while idle (an idle stream keeps
 *   reading into its buffer, so the server's FIN closes it) or when bytes arrived on it
 *   while idle (nobody asked for them: reusing it would misattribute a response).
 * - **Retry.** An idempotent request (GET, HEAD, OPTIONS, TRACE, PUT, DELETE; no
 *   `bodyProducer`) that fails on a reused connection before any byte of the response
 *   arrived is sent once more on a new connection (RFC 9112 §9.3.1): the server closed the
 *   connection as it was reused. Any other request is never sent twice; before it reuses
 *   a connection that finished a response less than 10 ms ago it lets Node poll once
 *   more, so that a close that came with that response is seen first. A server that
 *   closes a connection at the very moment a POST is sent on it still fails that POST
 *   (as with Node's Agent and undici).
 * - **Exit.** Idle sockets are `unref`'d: a script whose client was not closed still ends
 *   when its work is done. The sweep uses an unref'd Node timer rather than an `IOLoop`
 *   timeout for the same reason, and so that an idle pool leaves no pending work on the
 *   loop (tests check that). That timer is the one place here that speaks milliseconds.
 *
 * Internal to `simple_httpclient`.
 */
import type * as net from "node:net";
import type { HTTP1Connection } from "../http1connection";
import type { HTTPHeaders } from "../httputil";
import type { IOLoop } from "../ioloop";
import type { IOStream } from "../iostream";

/** One connection the pool knows: its stream, its HTTP/1.1 connection, its key. */
export class PooledConnection {
  /** Requests this connection has carried, the current one included. */
  uses = 1;
  /** Loop time after which an idle connection must not be reused. */
  expiresAt = 0;
  /** True once the pool took it out of service. */
  retired = false;
  /** Loop time when it was last given back to the pool. */
  releasedAt = 0;

  /**
   * @param key the pool key it was made for.
   * @param stream the stream (TLS when https).
   * @param conn the HTTP/1.1 connection over `stream`, reused for every request.
   * @param rawSocket the TCP socket under a TLS stream (to ref/unref it too), or null.
   */
  constructor(
    readonly key: string,
    readonly stream: IOStream,
    readonly conn: HTTP1Connection,
    readonly rawSocket: net.Socket | null,
  ) {}

  /** True when it may carry another request: open, and nothing arrived unasked. */
  get usable(): boolean {
    return (
      !this.stream.closed() && this.stream.bufferedBytes === 0 && this.conn.bufferedBytes === 0
    );
  }

  /** Lets (or stops) the socket keep the process alive. */
  setRef(on: boolean): void {
    const socket = this.stream.socket;
    if (on) {
      socket.ref();
      this.rawSocket?.ref();
    } else {
      socket.unref();
      this.rawSocket?.unref();
    }
  }

  /** Closes the connection. Safe to call more than once. */
  close(): void {
    this.conn.close();
    this.stream.close();
  }
}

/** Settings of a {@link ConnectionPool}. */
export interface ConnectionPoolOptions {
  /** Keep connections at all (false: close each after its response, as Tornado). */
  keepAlive: boolean;
  /** Relative seconds an idle connection is kept. */
  idleTimeout: number;
  /** Most idle connections kept per key. */
  maxIdlePerHost: number;
}

/**
 * What the pool has done so far (for tests and benchmarks).
 *
 * @example
 * const { idleCount, created, reused } = client.pool;
 */
export interface PoolStats {
  /** Idle connections held now (some may have been closed by their server meanwhile). */
  readonly idleCount: number;
  /** Connections made. */
  readonly created: number;
  /** Requests sent on a connection taken from the pool. */
  readonly reused: number;
  /**
   * Connections taken out of service: closed instead of being pooled or reused, or found
   * closed by their server.
   */
  readonly retired: number;
}

let lastHint = "";
let lastSeconds: number | null = null;

/**
 * Parses `timeout=N` out of a `Keep-Alive` header; null when absent or malformed. (A
 * server sends the same value every time: the last parse is remembered.)
 */
export function keepAliveTimeout(value: string): number | null {
  if (value === lastHint) return lastSeconds;
  const match = /(?:^|[,;\s])timeout\s*=\s*"?(\d+(?:\.\d+)?)/i.exec(value);
  const seconds = match === null ? null : Number(match[1]);
  lastHint = value;
  lastSeconds = seconds !== null && Number.isFinite(seconds) ? seconds : null;
  return lastSeconds;
}

/** The idle time to allow for a server limit of `seconds` (see the module header). */
function fromServerHint(seconds: number): number {
  return seconds > 2 ? seconds - 1 : seconds / 2;
}

/** Idle connections per key; see the module header for the rules. */
export class ConnectionPool implements PoolStats {
  private readonly _idle = new Map<string, PooledConnection[]>();
  private _idleCount = 0;
  private _created = 0;
  private _reused = 0;
  private _retired = 0;
  private _closed = false;
  private _sweepTimer: NodeJS.Timeout | null = null;
  private _sweepAt = Infinity;

  constructor(
    private readonly _loop: IOLoop,
    readonly options: ConnectionPoolOptions,
  ) {}

  get idleCount(): number {
    return this._idleCount;
  }
  get created(): number {
    return this._created;
  }
  get reused(): number {
    return this._reused;
  }
  get retired(): number {
    return this._retired;
  }

  /** Counts a new connection (made outside the pool, by `_connect.ts`). */
  noteCreated(): void {
    this._created++;
  }

  /**
   * Takes an idle connection of `key` that may carry a request, or returns null. Closed,
   * expired and unexpectedly readable ones met on the way are closed and skipped.
   */
  acquire(key: string): PooledConnection | null {
    const list = this._idle.get(key);
    if (list === undefined || list.length === 0) return null;
    const now = this._loop.time();
    while (list.length > 0) {
      const pc = list.pop()!;
      this._idleCount--;
      if (now >= pc.expiresAt || !pc.usable) {
        this._retire(pc);
        continue;
      }
      pc.setRef(true);
      pc.uses++;
      this._reused++;
      return pc;
    }
    return null;
  }

  /**
   * Gives back a connection after its response. `reusable` is `readResponse`'s verdict;
   * `responseHeaders` supply the server's `Keep-Alive: timeout=` hint.
   */
  release(pc: PooledConnection, reusable: boolean, responseHeaders: HTTPHeaders | null): void {
    if (!reusable || this._closed || !this.options.keepAlive || !pc.usable) {
      this._retire(pc);
      return;
    }
    let list = this._idle.get(pc.key);
    if (list === undefined) {
      list = [];
      this._idle.set(pc.key, list);
    }
    if (list.length >= this.options.maxIdlePerHost) {
      this._retire(pc);
      return;
    }
    let idle = this.options.idleTimeout;
    const hint = responseHeaders?.get("Keep-Alive");
    if (hint !== undefined) {
      const seconds = keepAliveTimeout(hint);
      if (seconds !== null) idle = Math.min(idle, fromServerHint(seconds));
    }
    if (!(idle > 0)) {
      this._retire(pc);
      return;
    }
    const now = this._loop.time();
    pc.releasedAt = now;
    pc.expiresAt = now + idle;
    pc.setRef(false);
    list.push(pc);
    this._idleCount++;
    this._armSweep(pc.expiresAt);
  }

  /** Closes a connection that must not be reused (error, timeout, unread body). */
  discard(pc: PooledConnection): void {
    this._retire(pc);
  }

  /** Closes every idle connection; later releases close theirs. */
  close(): void {
    this._closed = true;
    this._clearSweep();
    for (const list of this._idle.values()) {
      for (const pc of list.splice(0)) this._retire(pc);
    }
    this._idle.clear();
    this._idleCount = 0;
  }

  private _retire(pc: PooledConnection): void {
    if (pc.retired) return;
    pc.retired = true;
    this._retired++;
    pc.close();
  }

  /** Makes sure a sweep runs by `when` (loop time). */
  private _armSweep(when: number): void {
    if (this._sweepTimer !== null && this._sweepAt <= when) return;
    this._clearSweep();
    this._sweepAt = when;
    const delay = Math.max(0, when - this._loop.time());
    // Milliseconds for Node's timer; +1 so that the loop clock has passed `when`.
    this._sweepTimer = setTimeout(this._sweep, Math.ceil(delay * 1000) + 1);
    this._sweepTimer.unref();
  }

  private _clearSweep(): void {
    if (this._sweepTimer !== null) clearTimeout(this._sweepTimer);
    this._sweepTimer = null;
    this._sweepAt = Infinity;
  }

  /** Closes idle connections that expired or closed; re-arms for the next expiry. */
  private readonly _sweep = (): void => {
    this._sweepTimer = null;
    this._sweepAt = Infinity;
    const now = this._loop.time();
    let next = Infinity;
    for (const [key, list] of this._idle) {
      let kept = 0;
      for (const pc of list) {
        if (now >= pc.expiresAt || pc.stream.closed()) {
          this._retire(pc);
          this._idleCount--;
        } else {
          list[kept++] = pc;
          if (pc.expiresAt < next) next = pc.expiresAt;
        }
      }
      list.length = kept;
      if (kept === 0) this._idle.delete(key);
    }
    if (next !== Infinity && !this._closed) this._armSweep(next);
  };
}
