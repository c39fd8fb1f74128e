/**
 * `Connector`: the Happy Eyeballs state machine behind `TCPClient.connect` (mirrors
 * Tornado's private `tornado.tcpclient._Connector`).
 *
 * Given the resolver's addresses, it splits them into a primary list (the family of the
 * first address) and a secondary list (the other family), and races them as RFC 6555
 * suggests, in Tornado's simple form:
 * - one attempt at a time per family, each family's addresses in order;
 * - the secondary family starts `secondaryDelay` seconds after the start (0.3 s,
 *   Tornado's `_INITIAL_CONNECT_TIMEOUT`), or at once when a primary attempt fails;
 * - the first attempt that succeeds wins; every other attempt is closed;
 * - when every address failed, the connector fails with the last error;
 * - at the connect deadline (if any) it fails with `TimeoutError` and closes every attempt.
 *
 * The connector only knows attempts through the `connect(af, addr)` function it is given,
 * which returns the stream and a Future of its connection, so the state machine can be
 * driven with plain Futures in tests (Tornado's `ConnectorTest`).
 *
 * Differences from Tornado, all about leaving nothing behind: both timers are removed as
 * soon as the outcome is known (Tornado leaves the connect timeout armed after a
 * failure); once the outcome is known the connector stops listening to the attempts still
 * pending (it closed their streams) and only retrieves their outcome, closing any late
 * success, without scheduling loop callbacks; a `connect` function that throws counts as
 * a failed attempt; and the failure carries every attempt's error in `errors`.
 */
import { Future, futureAddDoneCallback, type DoneCallback } from "../concurrent";
import { IOLoop, type TimeoutHandle } from "../ioloop";
import type { AddressFamily, ResolvedAddress, SocketAddress } from "../netutil";
import { TimeoutError } from "../util";

/** Seconds before the secondary family is tried (Tornado's `_INITIAL_CONNECT_TIMEOUT`). */
export const INITIAL_CONNECT_TIMEOUT = 0.3;

/** What the connector needs of a stream: a way to abandon it. */
export interface ConnectorStream {
  close(): unknown;
}

/**
 * Starts one attempt: returns the stream at once (so it can be closed while connecting)
 * and a Future settled when it is connected (with the stream to use) or failed.
 */
export type ConnectFunction<S extends ConnectorStream> = (
  af: AddressFamily,
  addr: SocketAddress,
) => readonly [stream: S, connected: Future<S>];

/** The winner: its family, its address and its connected stream (Tornado's tuple). */
export type ConnectorResult<S> = readonly [af: AddressFamily, addr: SocketAddress, stream: S];

/** Options of {@link Connector.start}. */
export interface ConnectorStartOptions {
  /** Relative seconds before the secondary family starts; default 0.3. */
  secondaryDelay?: number;
  /** Absolute `IOLoop.time()` at which everything is given up; default none. */
  connectDeadline?: number | null;
}

/** The error every failed attempt left, in the order they failed (see `Connector`). */
export interface AttemptErrors {
  /** Every failed attempt's error, in order; the thrown error is the last one. */
  errors: unknown[];
}

/** The addresses of one family and how far the connector got through them. */
interface AddressQueue {
  readonly addrs: readonly ResolvedAddress[];
  next: number;
}

/**
 * The Happy Eyeballs race over a list of addresses (see the module).
 *
 * @example
 * const connector = new Connector(addresses, (af, addr) => {
 *   const stream = new IOStream();
 *   return [stream, stream.connect({ ...addr, family: af })];
 * });
 * const [af, addr, stream] = await connector.start({ connectDeadline: loop.time() + 5 });
 */
export class Connector<S extends ConnectorStream> {
  /** Settles with the winner, the last error, or `TimeoutError`. */
  readonly future = new Future<ConnectorResult<S>>();
  /** Addresses of the family of the first address, in the resolver's order. */
  readonly primaryAddrs: readonly ResolvedAddress[];
  /** Addresses of the other family. */
  readonly secondaryAddrs: readonly ResolvedAddress[];
  private readonly _loop = IOLoop.current();
  private readonly _connect: ConnectFunction<S>;
  private readonly _primary: AddressQueue;
  private readonly _secondary: AddressQueue;
  /** Attempts not finished yet (Tornado's `remaining` counts addresses not done). */
  private _remaining: number;
  private readonly _streams = new Set<S>();
  /** Pending connection futures and the callback listening to each. */
  private readonly _listening = new Map<Future<S>, DoneCallback<S>>();
  private readonly _errors: unknown[] = [];
  private _timeout: TimeoutHandle | null = null;
  private _connectTimeout: TimeoutHandle | null = null;

  /**
   * @throws `RangeError` if `addrinfo` is empty (`TCPClient` reports that as a
   *   `ResolverError` before it gets here).
   */
  constructor(addrinfo: readonly ResolvedAddress[], connect: ConnectFunction<S>) {
    if (addrinfo.length === 0) throw new RangeError("Connector needs at least one address");
    this._connect = connect;
    this._remaining = addrinfo.length;
    [this.primaryAddrs, this.secondaryAddrs] = Connector.split(addrinfo);
    this._primary = { addrs: this.primaryAddrs, next: 0 };
    this._secondary = { addrs: this.secondaryAddrs, next: 0 };
  }

  /**
   * Splits addresses into those of the first address's family and the others, each in
   * order.
   *
   * @example
   * Connector.split([[6, a], [4, b], [6, c]]); // [[[6, a], [6, c]], [[4, b]]]
   */
  static split(
    addrinfo: readonly ResolvedAddress[],
  ): [primary: ResolvedAddress[], secondary: ResolvedAddress[]] {
    const primary: ResolvedAddress[] = [];
    const secondary: ResolvedAddress[] = [];
    const primaryFamily = addrinfo[0]?.[0];
    for (const entry of addrinfo) (entry[0] === primaryFamily ? primary : secondary).push(entry);
    return [primary, secondary];
  }

  /** The streams of attempts this connector made and has not handed out (closed or not). */
  get streams(): ReadonlySet<S> {
    return this._streams;
  }

  /**
   * Starts the first primary attempt and the timers; returns {@link Connector.future}.
   *
   * @param options.secondaryDelay relative seconds before the secondary family starts.
   * @param options.connectDeadline absolute loop time at which the connector gives up.
   */
  start(options: ConnectorStartOptions = {}): Future<ConnectorResult<S>> {
    const delay = options.secondaryDelay ?? INITIAL_CONNECT_TIMEOUT;
    // Armed before the first attempt, so that an attempt failing at once can start the
    // secondary family at once (Tornado arms it after, and then waits the full delay).
    this._timeout = this._loop.callLater(delay, this._onTimeoutTimer);
    const deadline = options.connectDeadline;
    if (deadline !== undefined && deadline !== null) {
      this._connectTimeout = this._loop.callAt(deadline, this._onConnectTimeoutTimer);
    }
    this._tryConnect(this._primary);
    return this.future;
  }

  /**
   * The secondary delay is over (or the primary family failed): start the secondary
   * family unless the outcome is known. Public so tests can trigger it.
   */
  onTimeout(): void {
    if (this._timeout !== null) {
      this._loop.removeTimeout(this._timeout);
      this._timeout = null;
    }
    if (!this.future.done()) this._tryConnect(this._secondary);
  }

  /**
   * The connect deadline passed: fail with `TimeoutError` unless the outcome is known,
   * and close every attempt. Public so tests can trigger it.
   */
  onConnectTimeout(): void {
    if (!this.future.done()) {
      this._finish();
      this.future.setException(new TimeoutError("Timeout while connecting"));
    }
    this._closeStreams();
  }

  private readonly _onTimeoutTimer = (): void => {
    this._timeout = null;
    this.onTimeout();
  };

  private readonly _onConnectTimeoutTimer = (): void => {
    this._connectTimeout = null;
    this.onConnectTimeout();
  };

  /** Starts the next attempt of `queue`; when it has none, fails if nothing else runs. */
  private _tryConnect(queue: AddressQueue): void {
    if (queue.next >= queue.addrs.length) {
      // This family is done; the other may still be trying. Fail only when all are done.
      if (this._remaining === 0 && !this.future.done()) this._fail();
      return;
    }
    const [af, addr] = queue.addrs[queue.next++];
    let stream: S;
    let connected: Future<S>;
    try {
      [stream, connected] = this._connect(af, addr);
    } catch (error) {
      this._remaining--;
      this._onAttemptFailed(queue, error);
      return;
    }
    this._streams.add(stream);
    const onDone = (done: Future<S>): void => {
      this._listening.delete(done);
      this._onConnectDone(queue, af, addr, stream, done);
    };
    this._listening.set(connected, onDone);
    futureAddDoneCallback(connected, onDone);
  }

  private _onConnectDone(
    queue: AddressQueue,
    af: AddressFamily,
    addr: SocketAddress,
    stream: S,
    done: Future<S>,
  ): void {
    this._remaining--;
    let connected: S;
    try {
      connected = done.result();
    } catch (error) {
      this._onAttemptFailed(queue, error);
      return;
    }
    if (this.future.done()) {
      // A late winner (possible when the caller cancelled the future): drop it.
      connected.close();
      return;
    }
    this._streams.delete(stream);
    this._streams.delete(connected);
    this._finish();
    this.future.setResult([af, addr, connected]);
    this._closeStreams();
  }

  private _onAttemptFailed(queue: AddressQueue, error: unknown): void {
    if (this.future.done()) return;
    this._errors.push(error);
    this._tryConnect(queue);
    // A failure is a reason not to wait any longer for the secondary family.
    if (this._timeout !== null) this.onTimeout();
  }

  /** Every address failed: reject with the last error, carrying all of them. */
  private _fail(): void {
    const errors = this._errors;
    const last = errors.length > 0 ? errors[errors.length - 1] : new Error("connection failed");
    if (
      typeof last === "object" &&
      last !== null &&
      Object.isExtensible(last) &&
      !Object.hasOwn(last, "errors")
    ) {
      (last as AttemptErrors).errors = [...errors];
    }
    this._finish();
    this.future.setException(last);
    this._closeStreams();
  }

  /**
   * The outcome is known: remove the timers and stop listening to pending attempts. Their
   * streams are about to be closed; their outcome is still retrieved (so no failure is
   * reported as never retrieved) and a late success is closed, without loop callbacks.
   */
  private _finish(): void {
    if (this._timeout !== null) this._loop.removeTimeout(this._timeout);
    if (this._connectTimeout !== null) this._loop.removeTimeout(this._connectTimeout);
    this._timeout = this._connectTimeout = null;
    for (const [pending, onDone] of this._listening) {
      pending.removeDoneCallback(onDone);
      nativeThen.call(pending, closeLateStream, ignore);
    }
    this._listening.clear();
  }

  private _closeStreams(): void {
    for (const stream of this._streams) stream.close();
  }
}

/** `Promise.prototype.then`: reads a pending attempt's outcome on a microtask, not the loop. */
const nativeThen = Promise.prototype.then;

function closeLateStream(stream: unknown): void {
  (stream as ConnectorStream).close();
}

function ignore(): void {}
