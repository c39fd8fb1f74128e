/**
 * `TCPClient`: resolve a host, race its addresses, and hand back a connected stream
 * (mirrors `tornado.tcpclient.TCPClient`).
 *
 * Differences from Tornado:
 * - `timeout` (relative seconds, or a `TimeDelta`) also covers the TLS handshake and, when
 *   it expires, closes whatever is still connecting; Tornado's `with_timeout` around
 *   `start_tls` leaves the handshake running.
 * - A resolver that answers with no address fails with `ResolverError`; Tornado trips
 *   over the empty list with an `IndexError`.
 * - When every address fails, the last error is raised with the error of every attempt
 *   in its `errors` array (see `Connector`).
 * - `sourcePort` without `sourceIp` binds the wildcard address of the family (Node's
 *   behaviour); Tornado binds the loopback address, which cannot reach other hosts.
 * - Cancelling the returned Future does not stop the attempt; use `timeout`.
 */
import type * as tls from "node:tls";
import { Future } from "../concurrent";
import { IOLoop } from "../ioloop";
import { IOStream, type ConnectAddress, type SSLIOStream } from "../iostream";
import {
  Resolver,
  ResolverError,
  type AddressFamily,
  type FamilyOption,
  type SSLOptions,
  type SocketAddress,
} from "../netutil";
import { isTimeDelta, type TimeDelta } from "../util";
import { Connector } from "./_connector";
import { untilDeadline } from "./_deadline";

/** Options of {@link TCPClient.connect} (Tornado's keyword arguments). */
export interface TCPClientConnectOptions {
  /** Address family to resolve: 4, 6, or 0 for either (default, Tornado's `AF_UNSPEC`). */
  af?: FamilyOption;
  /**
   * Start TLS once connected, with these options (see `sslOptionsToContext`); the server
   * name sent (SNI) and checked is `host`. `null`/absent: plain TCP.
   */
  sslOptions?: SSLOptions | tls.SecureContext | null;
  /** `maxBufferSize` of the stream; default IOStream's (100 MiB). */
  maxBufferSize?: number | null;
  /** Local address to bind before connecting. */
  sourceIp?: string | null;
  /** Local port to bind before connecting. */
  sourcePort?: number | null;
  /**
   * Relative seconds (or a `TimeDelta`) for resolution, connection and TLS handshake
   * together; at expiry the Future fails with `TimeoutError`. Default: none.
   */
  timeout?: number | TimeDelta | null;
}

/** Connect options that ask for TLS. */
export type TCPClientTLSConnectOptions = TCPClientConnectOptions & {
  sslOptions: SSLOptions | tls.SecureContext;
};

/**
 * A non-blocking TCP connection factory with Happy Eyeballs (RFC 6555, as Tornado does
 * it: see `Connector`).
 *
 * @example
 * const client = new TCPClient();
 * const stream = await client.connect("example.com", 443, { sslOptions: {}, timeout: 10 });
 * await stream.write(Buffer.from("GET / HTTP/1.0\r\nHost: example.com\r\n\r\n"));
 * console.log((await stream.readUntilClose()).toString());
 * client.close();
 */
export class TCPClient {
  /** The resolver this client asks. */
  readonly resolver: Resolver;
  private readonly _ownResolver: boolean;

  /**
   * @param resolver the resolver to use; default `Resolver.create()` (the configured
   *   one), which `close()` then closes. A resolver given here stays open.
   */
  constructor(resolver?: Resolver | null) {
    if (resolver !== undefined && resolver !== null) {
      this.resolver = resolver;
      this._ownResolver = false;
    } else {
      this.resolver = Resolver.create();
      this._ownResolver = true;
    }
  }

  /** Closes the resolver if this client made it. */
  close(): void {
    if (this._ownResolver) this.resolver.close();
  }

  /**
   * Connects to `host:port` and returns the stream: an `SSLIOStream` with `sslOptions`,
   * an `IOStream` otherwise.
   *
   * The resolver's addresses are raced as Tornado does (see `Connector`): those of the
   * first address's family one after another, the other family 0.3 s later or as soon as
   * one attempt fails; the first to connect wins and the others are closed.
   *
   * @throws (rejects) `TimeoutError` when `timeout` expires (every attempt is closed);
   *   the resolver's error, or `ResolverError` when it returns no address; when every
   *   address fails, the last attempt's error (from `IOStream.connect`, a
   *   `StreamClosedError` whose `realError` is e.g. `ECONNREFUSED`) with `errors`, the
   *   list of every attempt's error; the TLS handshake's error; `TypeError` for a
   *   `timeout` that is neither a number nor a `TimeDelta`.
   * @example
   * const stream = await new TCPClient().connect("localhost", 8888, { timeout: 5 });
   */
  connect(host: string, port: number, options: TCPClientTLSConnectOptions): Future<SSLIOStream>;
  connect(host: string, port: number, options?: TCPClientConnectOptions): Future<IOStream>;
  connect(host: string, port: number, options: TCPClientConnectOptions = {}): Future<IOStream> {
    return Future.fromPromise(this._connect(host, port, options));
  }

  private async _connect(
    host: string,
    port: number,
    options: TCPClientConnectOptions,
  ): Promise<IOStream> {
    const loop = IOLoop.current();
    const deadline = deadlineOf(loop, options.timeout);
    const addrinfo = await untilDeadline(
      loop,
      deadline,
      this.resolver.resolve(host, port, { family: options.af ?? 0 }),
      `Timeout while resolving ${JSON.stringify(host)}`,
    );
    if (!Array.isArray(addrinfo) || addrinfo.length === 0) {
      throw new ResolverError(
        `Resolver returned no addresses for ${JSON.stringify(host)} (port ${port})`,
        host,
        port,
      );
    }
    const connector = new Connector(addrinfo, (af, addr) => this._createStream(af, addr, options));
    const [, , stream] = await connector.start({ connectDeadline: deadline });
    const sslOptions = options.sslOptions;
    if (sslOptions === undefined || sslOptions === null) return stream;
    // As in Tornado, the certificate is checked against the name asked for, even an IP
    // literal; it is also the SNI (iostream leaves IP literals out, as RFC 6066 §3 says).
    // The plain stream hands its socket to TLS: keep it to abort a handshake that is late.
    const socket = stream.socket;
    let handshake: Future<SSLIOStream>;
    try {
      handshake = stream.startTls(false, sslOptions, host);
    } catch (error) {
      stream.close();
      throw error;
    }
    return untilDeadline(loop, deadline, handshake, "Timeout during TLS handshake", {
      onTimeout: () => socket.destroy(),
      onLate: (late) => late.close(),
    });
  }

  private _createStream(
    af: AddressFamily,
    addr: SocketAddress,
    options: TCPClientConnectOptions,
  ): readonly [IOStream, Future<IOStream>] {
    const maxBufferSize = options.maxBufferSize;
    const stream = new IOStream(
      undefined,
      maxBufferSize === undefined || maxBufferSize === null ? {} : { maxBufferSize },
    );
    const address: ConnectAddress = {
      host: addr.host,
      port: addr.port,
      family: af,
    };
    if (options.sourceIp !== undefined && options.sourceIp !== null) {
      address.localAddress = options.sourceIp;
    }
    if (options.sourcePort !== undefined && options.sourcePort !== null) {
      address.localPort = options.sourcePort;
    }
    return [stream, stream.connect(address)];
  }
}

/** The absolute deadline for a relative `timeout`, or null for none. */
function deadlineOf(loop: IOLoop, timeout: number | TimeDelta | null | undefined): number | null {
  if (timeout === undefined || timeout === null) return null;
  if (typeof timeout === "number" && !Number.isNaN(timeout)) return loop.time() + timeout;
  if (isTimeDelta(timeout)) return loop.time() + timeout.seconds;
  throw new TypeError(`Unsupported timeout ${String(timeout)}`);
}
