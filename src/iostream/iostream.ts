/**
 * `IOStream` and `SSLIOStream`: streams over TCP and TLS sockets (mirrors
 * `tornado.iostream.IOStream` and `tornado.iostream.SSLIOStream`).
 *
 * Both live in this file because each needs the other: `IOStream.startTls` returns an
 * `SSLIOStream`, and an `SSLIOStream` is an `IOStream`. Reading, writing and closing are
 * `BaseIOStream`'s; this file adds connecting, TLS and the handshake.
 *
 * Differences from Tornado:
 * - A stream may be made without a socket (`new IOStream()`); it makes its own
 *   `net.Socket` for `connect`. Tornado needs a `socket.socket()`.
 * - A client-side TLS stream without `serverHostname` verifies the certificate against the
 *   address it connected to (an IP address must then be among the certificate's names);
 *   Tornado refuses to check a hostname it was not given.
 * - Handshake errors are Node's TLS errors (with codes such as `CERT_HAS_EXPIRED`,
 *   `DEPTH_ZERO_SELF_SIGNED_CERT`, `ERR_TLS_CERT_ALTNAME_INVALID`) where Tornado raises
 *   `ssl.SSLError`.
 */
import * as net from "node:net";
import type * as tls from "node:tls";
import { Future, futureSetResultUnlessCancelled } from "../concurrent";
import { genLog } from "../log";
import { sslOptionsToContext, type SSLOptions, type TLSContextSettings } from "../netutil";
import { RuntimeError } from "../util";
import { tlsModule } from "../util/_lazy_builtins";
import { BaseIOStream, isConnReset, type IOStreamOptions } from "./base_iostream";
import { StreamClosedError } from "./errors";
import { failQuietly } from "./_pending_read";
import { SlabReader } from "./_slab_reader";

/**
 * Where {@link IOStream.connect} connects: Tornado's `(host, port)` address, plus options.
 *
 * @example
 * await stream.connect({ host: "::1", port: 8888, family: 6, localAddress: "::1" });
 */
export interface ConnectAddress {
  /** An IP address, or a name Node resolves with `dns.lookup` (TCPClient resolves first). */
  host: string;
  port: number;
  /** The address family to resolve `host` in. */
  family?: 4 | 6;
  /** Local address to bind before connecting (Tornado's `source_ip`). */
  localAddress?: string;
  /** Local port to bind before connecting (Tornado's `source_port`). */
  localPort?: number;
}

/**
 * Options of {@link SSLIOStream}: the stream options plus TLS settings.
 *
 * @example
 * new SSLIOStream(undefined, { sslOptions: { caCerts: "ca.pem" }, serverHostname: "localhost" });
 */
export interface SSLIOStreamOptions extends IOStreamOptions {
  /** Tornado-style TLS options or a ready `tls.SecureContext`; default: verify as a browser would. */
  sslOptions?: SSLOptions | tls.SecureContext | null;
  /** The name to send as SNI and to check the certificate against (client side). */
  serverHostname?: string;
}

/**
 * A stream over a TCP socket: connect, read, write, upgrade to TLS.
 *
 * @example
 * const stream = new IOStream();
 * await stream.connect({ host: "127.0.0.1", port: 8888 });
 * await stream.write("GET / HTTP/1.0\r\n\r\n");
 * const response = await stream.readUntilClose();
 */
export class IOStream extends BaseIOStream {
  /**
   * @param socket a connected socket (say, from a `net.Server`), or none: the stream
   *   makes one for {@link connect}.
   */
  constructor(socket?: net.Socket, options: IOStreamOptions = {}) {
    // A socket of our own reads into slabs (see SlabReader); TLS replaces it on connect.
    const reader = socket === undefined && new.target === IOStream ? new SlabReader() : null;
    // Node's types leave `onread` out of the constructor options; the constructor takes it.
    const made = reader === null ? {} : ({ onread: reader.options } as net.SocketConstructorOpts);
    super(socket ?? new net.Socket(made), options);
    if (reader !== null) this._readThrough(reader);
  }

  /**
   * Connects the stream's socket to `address`. Writes and reads may be issued before the
   * connection is up; they wait for it.
   *
   * @param serverHostname used by `SSLIOStream` (SNI and the certificate check); ignored here.
   * @returns a Future of this stream once connected. On failure it fails with
   *   `StreamClosedError` whose `realError` is Node's error (`ECONNREFUSED`, ...), which
   *   is also `stream.error`, and the stream is closed.
   * @throws `StreamClosedError` on a closed stream; `RuntimeError` if already connecting.
   * @example
   * try {
   *   await new IOStream().connect({ host: "127.0.0.1", port: 1 });
   * } catch (e) {
   *   console.log((e as StreamClosedError).realError?.message); // connect ECONNREFUSED ...
   * }
   */
  connect(address: ConnectAddress, serverHostname?: string): Future<this> {
    void serverHostname;
    this._checkClosed();
    if (this._connecting || this._connectFuture !== null) {
      throw new RuntimeError("Already connecting");
    }
    const future = new Future<this>();
    this._connectFuture = future;
    this._connecting = true;
    this._socket.connect(connectOptions(address));
    return future;
  }

  /**
   * Upgrades this stream to TLS: the returned Future resolves with a new `SSLIOStream`
   * over the same connection once the handshake is done, and this stream becomes unusable
   * (its close callback moves to the new stream). Bytes already received are handed to TLS.
   *
   * @param serverSide true on the accepting side (`sslOptions` then needs `certfile`/`key`).
   * @param sslOptions see `netutil.sslOptionsToContext`; default: verify the peer as a
   *   client, with the system CAs.
   * @param serverHostname client side: SNI and the name the certificate must carry;
   *   default the peer's IP address.
   * @returns on handshake failure the Future fails with the TLS error itself (logged as
   *   "SSL Error on …"), or `StreamClosedError` if the peer just closed.
   * @throws `TypeError` ("IOStream is not idle; cannot convert to SSL") while reads,
   *   writes or a connect are pending, or once closed; errors of `sslOptionsToContext`.
   * @example
   * await stream.write("STARTTLS\r\n");
   * await stream.readUntil("\r\n");
   * const secure = await stream.startTls(false, { caCerts: "ca.pem" }, "mail.example.com");
   */
  startTls(
    serverSide: boolean,
    sslOptions?: SSLOptions | tls.SecureContext | null,
    serverHostname?: string,
  ): Future<SSLIOStream> {
    const settings = sslOptionsToContext(sslOptions, serverSide);
    const { socket, closeCallback } = this._releaseSocket();
    const tlsSocket = serverSide
      ? new (tlsModule().TLSSocket)(socket, {
          isServer: true,
          secureContext: settings.secureContext,
          requestCert: settings.requestCert,
          rejectUnauthorized: settings.rejectUnauthorized,
        })
      : tlsModule().connect({
          socket,
          ...clientTlsOptions(settings, serverHostname ?? socket.remoteAddress),
        });
    const stream = new SSLIOStream(tlsSocket, {
      maxBufferSize: this.maxBufferSize,
      maxWriteBufferSize: this.maxWriteBufferSize,
      readChunkSize: this.readChunkSize,
      sslOptions,
      serverHostname,
    });
    stream.setCloseCallback(closeCallback);
    return stream.waitForHandshake();
  }

  /**
   * Turns Nagle's algorithm off (`true`) or on; Tornado's `set_nodelay`.
   *
   * @example
   * stream.setNodelay(true); // small writes go out at once
   */
  setNodelay(on: boolean): void {
    if (!this._closed) this._socket.setNoDelay(on);
  }

  protected override _connected(): void {
    const future = this._connectFuture;
    this._connectFuture = null;
    this._connecting = false;
    if (future !== null) futureSetResultUnlessCancelled(future, this);
    super._connected();
  }
}

/**
 * A stream over TLS. Made by `connect` on a new stream (client), by
 * {@link IOStream.startTls}, or around a `tls.TLSSocket` (for instance one made with
 * `new tls.TLSSocket(socket, { isServer: true, ... })` for an accepted connection).
 *
 * @example
 * const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: "ca.pem" } });
 * await stream.connect({ host: "127.0.0.1", port: 8443 }, "localhost");
 */
export class SSLIOStream extends IOStream {
  private readonly _sslOptions: SSLOptions | tls.SecureContext | null | undefined;
  private _serverHostname: string | undefined;
  private _handshakeDone = false;
  private _watching: tls.TLSSocket | null = null;
  private _handshakeFuture: Future<this> | null = null;

  /**
   * @param socket a `tls.TLSSocket` (its handshake done or under way), a connected plain
   *   socket to start TLS on as a client, or none: {@link connect} makes the connection.
   */
  constructor(socket?: net.Socket, options: SSLIOStreamOptions = {}) {
    super(socket, options);
    this._sslOptions = options.sslOptions;
    this._serverHostname = options.serverHostname;
    const current = this._socket;
    if (current instanceof tlsModule().TLSSocket) {
      const isServer = (current as { _tlsOptions?: { isServer?: boolean } })._tlsOptions?.isServer;
      this._watchHandshake(current, isServer !== false);
    } else if (!current.pending || current.connecting) {
      const settings = sslOptionsToContext(this._sslOptions, false);
      const raw = this._detach();
      raw.pause();
      const wrapped = tlsModule().connect({
        socket: raw,
        ...clientTlsOptions(settings, this._serverHostname ?? raw.remoteAddress),
      });
      this._attach(wrapped);
      this._watchHandshake(wrapped, false);
    }
  }

  /**
   * Connects over TCP, then performs the TLS handshake as a client.
   *
   * @param serverHostname SNI and the name the certificate must carry; default the one
   *   given to the constructor, else `address.host`.
   * @returns a Future of this stream once the handshake is done; it fails with the TLS
   *   error (logged as "SSL Error on …") or with the connection error (`ECONNREFUSED`).
   * @throws `StreamClosedError` on a closed stream; `RuntimeError` if already connecting;
   *   errors of `sslOptionsToContext` for bad options.
   * @example
   * const stream = new SSLIOStream(undefined, { sslOptions: { caCerts: "ca.pem" } });
   * await stream.connect({ host: "127.0.0.1", port: 8443 }, "localhost");
   */
  override connect(address: ConnectAddress, serverHostname?: string): Future<this> {
    this._checkClosed();
    if (this._connecting || this._watching !== null) throw new RuntimeError("Already connecting");
    if (serverHostname !== undefined) this._serverHostname = serverHostname;
    const settings = sslOptionsToContext(this._sslOptions, false);
    const socket = tlsModule().connect({
      ...connectOptions(address),
      ...clientTlsOptions(settings, this._serverHostname ?? address.host),
    });
    this._detach().destroy();
    this._attach(socket);
    this._connecting = true;
    this._watchHandshake(socket, false);
    return this.waitForHandshake();
  }

  /**
   * Resolves with this stream once the TLS handshake is done (at once if it is). Only
   * then are the peer certificate and cipher available on `stream.socket`.
   *
   * @throws `RuntimeError` ("Already waiting") while an earlier wait is pending.
   * @example
   * const stream = new SSLIOStream(new tls.TLSSocket(accepted, { isServer: true, secureContext }));
   * await stream.waitForHandshake();
   * console.log((stream.socket as tls.TLSSocket).getCipher());
   */
  waitForHandshake(): Future<this> {
    if (this._handshakeFuture !== null) throw new RuntimeError("Already waiting");
    const future = new Future<this>();
    if (this._handshakeDone) {
      future.setResult(this);
    } else if (this._closed) {
      future.setException(this.error ?? new StreamClosedError());
    } else {
      this._handshakeFuture = future;
    }
    return future;
  }

  /** Follows the handshake of `socket` (client: `secureConnect`, server: `secure`). */
  private _watchHandshake(socket: tls.TLSSocket, serverSide: boolean): void {
    if (this._watching === socket) return;
    this._watching = socket;
    // A client's `secure` comes before its certificate is checked; `secureConnect` after.
    if (socket.getCipher() != null && !socket.connecting) {
      this._handshakeDone = true;
      return;
    }
    socket.once(serverSide ? "secure" : "secureConnect", this._onSecure);
  }

  protected override _logSocketError(error: Error & { syscall?: string }): void {
    if (this._handshakeDone) {
      super._logSocketError(error);
    } else if (!this._connecting && !isConnReset(error)) {
      genLog.warning(`SSL Error on ${this._peerName()}: ${error.message}`);
    }
  }

  protected override _onClosed(): void {
    this._watching?.removeListener("secure", this._onSecure);
    this._watching?.removeListener("secureConnect", this._onSecure);
    const future = this._handshakeFuture;
    this._handshakeFuture = null;
    if (future === null) return;
    // As in Tornado: the handshake waiter sees the real error (typically a TLS error).
    failQuietly(future, this.error ?? new StreamClosedError());
  }

  private readonly _onSecure = (): void => {
    if (this._closed) return;
    this._handshakeDone = true;
    this._connecting = false;
    const future = this._handshakeFuture;
    this._handshakeFuture = null;
    if (future !== null) futureSetResultUnlessCancelled(future, this);
  };
}

function connectOptions(address: ConnectAddress): net.TcpNetConnectOpts {
  const options: net.TcpNetConnectOpts = { host: address.host, port: address.port };
  if (address.family !== undefined) options.family = address.family;
  if (address.localAddress !== undefined) options.localAddress = address.localAddress;
  if (address.localPort !== undefined) options.localPort = address.localPort;
  return options;
}

/**
 * The client half of `tls.connect`'s options: the context, whether to reject an unverified
 * certificate, SNI (a name, never an IP address: RFC 6066 §3), and the hostname check
 * against `name` (or none when `checkHostname` is off).
 */
function clientTlsOptions(
  settings: TLSContextSettings,
  name: string | undefined,
): tls.ConnectionOptions {
  const options: tls.ConnectionOptions = {
    secureContext: settings.secureContext,
    rejectUnauthorized: settings.rejectUnauthorized,
  };
  if (name !== undefined && name !== "" && net.isIP(name) === 0) options.servername = name;
  options.checkServerIdentity =
    settings.checkHostname && name !== undefined
      ? (_host, cert) => tlsModule().checkServerIdentity(name, cert)
      : () => undefined;
  return options;
}
