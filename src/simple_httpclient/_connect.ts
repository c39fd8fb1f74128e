/**
 * Making a connection for the simple client, and the pool key that says which requests
 * may share it: TCP through `TCPClient` (its resolver applies `hostnameMapping`), TLS
 * with the options Tornado's `_get_ssl_options` would build, and an HTTP proxy (CONNECT
 * tunnel for https, absolute-form requests for http).
 *
 * TLS is started here with `IOStream.startTls` rather than by `TCPClient`, so that the
 * TCP connect and the handshake are timed apart (`timeInfo.connect`, `appconnect`) and a
 * proxy tunnel can come between them.
 *
 * Internal to `simple_httpclient`.
 */
import type * as net from "node:net";
import type * as tls from "node:tls";
import { HTTP1Connection, type HTTP1ConnectionParameters } from "../http1connection";
import type { RequestProxy } from "../httpclient/request";
import type { IOLoop } from "../ioloop";
import { StreamClosedError, type IOStream } from "../iostream";
import type { Future } from "../concurrent";
import {
  Resolver,
  isValidIp,
  type FamilyOption,
  type ResolveOptions,
  type ResolvedAddress,
  type SSLOptions,
} from "../netutil";
import { TCPClient } from "../tcpclient";
import { untilDeadline } from "../tcpclient/_deadline";
import { TimeoutError } from "../util";
import { HTTPStreamClosedError, HTTPTimeoutError } from "./errors";
import { PooledConnection, type ConnectionPool } from "./_pool";
import { connectTunnel, proxyAuthorizationHeader, type ProxyConfig } from "./_proxy";
import type { Hop } from "./_redirect";
import type { Target } from "./_target";

/** The message of a connect-phase `TimeoutError` (turned into `HTTPTimeoutError`). */
const CONNECT_TIMEOUT = "Timeout while connecting";

/** Where and how to connect for one request: derived once per hop. */
export interface ConnectPlan {
  /** The pool key (see the module header of `_pool.ts`). */
  readonly key: string;
  /** Host and port to open a TCP connection to (the proxy's, with a proxy). */
  readonly host: string;
  readonly port: number;
  readonly af: FamilyOption;
  readonly sourceIp: string | undefined;
  /** TLS options for https; `undefined` means the defaults (verify, system CAs). */
  readonly tls: SSLOptions | tls.SecureContext | undefined;
  /** The proxy, if any, and its `Proxy-Authorization` value. */
  readonly proxy: ProxyConfig | null;
  readonly proxyAuthorization: string | undefined;
}

/** Timestamps (loop time) of a connection's setup, for `timeInfo`. */
export interface ConnectTimes {
  namelookup?: number;
  connect?: number;
  appconnect?: number;
}

/** A resolver that notes when its (one) answer came: `timeInfo.namelookup`. */
class TimedResolver extends Resolver {
  constructor(
    private readonly _inner: Resolver,
    private readonly _loop: IOLoop,
    private readonly _times: ConnectTimes,
  ) {
    super();
  }

  resolve(host: string, port: number, options?: ResolveOptions): Future<ResolvedAddress[]> {
    const answer = this._inner.resolve(host, port, options);
    // Registered before TCPClient's own await, so it runs first.
    answer.then(
      () => (this._times.namelookup = this._loop.time()),
      () => undefined,
    );
    return answer;
  }
}

const identities = new WeakMap<object, number>();
const stringIds = new Map<string, number>();
let nextId = 1;

/** A short stable token for a value that is part of a key (objects by identity). */
function idOf(value: unknown): string {
  if (typeof value === "string") {
    if (value.length <= 64) return JSON.stringify(value);
    let id = stringIds.get(value);
    if (id === undefined) {
      id = nextId++;
      stringIds.set(value, id);
    }
    return `s${id}`;
  }
  if (typeof value === "object" && value !== null) {
    if (Array.isArray(value)) return `[${value.map(idOf).join(",")}]`;
    let id = identities.get(value);
    if (id === undefined) {
      id = nextId++;
      identities.set(value, id);
    }
    return `o${id}`;
  }
  return String(value);
}

/**
 * Tornado's `_get_ssl_options`: `sslOptions` when given; the defaults when certificates
 * are validated with the system CAs and no client certificate; else options built from
 * `validateCert`, `caCerts`, `clientCert` and `clientKey`.
 */
function tlsOptionsOf(request: RequestProxy): SSLOptions | tls.SecureContext | undefined {
  const given = request.sslOptions;
  if (given !== undefined && given !== null) return given;
  const validate = request.validateCert !== false;
  const { caCerts, clientCert, clientKey } = request;
  if (validate && caCerts === undefined && clientCert === undefined && clientKey === undefined) {
    return undefined;
  }
  const options: SSLOptions = {};
  if (caCerts !== undefined) options.caCerts = caCerts;
  if (!validate) {
    options.verifyMode = "CERT_NONE";
    options.checkHostname = false;
  }
  if (clientCert !== undefined) options.certfile = clientCert;
  if (clientKey !== undefined) options.keyfile = clientKey;
  return options;
}

/**
 * Works out where to connect for `hop`'s `target` and the key of the connections that
 * qualify. An https tunnel's CONNECT carries a `Proxy-Authorization` set by hand on the
 * hop (or taken out of an earlier hop's headers: `Hop.tunnelAuthorization`) when no
 * `proxyUsername` is given.
 *
 * @throws {TypeError} for a `networkInterface` that is not an IP address (Tornado's
 *   message), and an unsupported `proxyAuthMode`.
 */
export function planConnection(target: Target, request: RequestProxy, hop: Hop): ConnectPlan {
  let key = target.origin;
  const af: FamilyOption = request.allowIpv6 === false ? 4 : 0;
  if (af !== 0) key += "|v4";
  const sourceIp = request.networkInterface;
  if (sourceIp !== undefined && sourceIp !== null && sourceIp !== "") {
    if (!isValidIp(sourceIp)) {
      throw new TypeError(
        `Unrecognized IPv4 or IPv6 address for network_interface, got ${JSON.stringify(sourceIp)}`,
      );
    }
    key += `|src=${sourceIp}`;
  }
  let tlsOptions: SSLOptions | tls.SecureContext | undefined;
  if (target.scheme === "https") {
    tlsOptions = tlsOptionsOf(request);
    const given = request.sslOptions;
    if (given !== undefined && given !== null) {
      key += `|tls=${idOf(given)}`;
    } else if (tlsOptions !== undefined) {
      // Built anew per request: key by what it was built from.
      key +=
        `|tls=${request.validateCert !== false},${idOf(request.caCerts)},` +
        `${idOf(request.clientCert)},${idOf(request.clientKey)}`;
    }
  }
  let proxy: ProxyConfig | null = null;
  let proxyAuthorization: string | undefined;
  const proxyHost = request.proxyHost;
  if (proxyHost !== undefined && proxyHost !== null && proxyHost !== "") {
    const proxyPort = request.proxyPort;
    if (proxyPort === undefined || proxyPort === null) {
      throw new TypeError(`proxyHost ${JSON.stringify(proxyHost)} is set without a proxyPort`);
    }
    proxy = {
      host: proxyHost,
      port: proxyPort,
      username: request.proxyUsername,
      password: request.proxyPassword,
      authMode: request.proxyAuthMode,
    };
    proxyAuthorization = proxyAuthorizationHeader(proxy);
    if (proxyAuthorization === undefined && target.scheme === "https") {
      proxyAuthorization = hop.headers.get("Proxy-Authorization") ?? hop.tunnelAuthorization;
    }
    const proxyKey = `proxy=${idOf(proxyHost)}:${proxyPort},${idOf(proxyAuthorization ?? "")}`;
    // Plain http through a proxy sends absolute-form requests: one proxy connection
    // serves every origin. A tunnel belongs to its target.
    key =
      target.scheme === "http"
        ? `http|${proxyKey}${af !== 0 ? "|v4" : ""}${sourceIp ? `|src=${sourceIp}` : ""}`
        : `${key}|${proxyKey}`;
  }
  return {
    key,
    host: proxy?.host ?? target.host,
    port: proxy?.port ?? target.port,
    af,
    sourceIp: sourceIp || undefined,
    tls: tlsOptions,
    proxy,
    proxyAuthorization,
  };
}

/** What {@link openConnection} needs from the client. */
export interface ConnectContext {
  readonly ioLoop: IOLoop;
  /** The resolver connections use (hostnameMapping applied). */
  readonly resolver: Resolver;
  readonly params: HTTP1ConnectionParameters;
  readonly maxBufferSize: number;
  readonly maxHeaderSize: number;
  readonly pool: ConnectionPool;
}

/**
 * Opens a new connection for `plan` (to `target`), by `deadline` (loop time, or null).
 *
 * @throws (rejects) `HTTPTimeoutError` ("Timeout while connecting") at the deadline; the
 *   Node error of a refused or failed connection as it is (`ECONNREFUSED`, `ENOTFOUND`...),
 *   the TLS error of a failed handshake, the proxy's refusal (`HTTPClientError`), or
 *   `HTTPStreamClosedError` when the peer closed during the handshake.
 */
export async function openConnection(
  ctx: ConnectContext,
  target: Target,
  plan: ConnectPlan,
  deadline: number | null,
  times: ConnectTimes,
): Promise<PooledConnection> {
  const loop = ctx.ioLoop;
  let stream: IOStream;
  try {
    // A TCPClient per connection (it is only its resolver) to time the resolution.
    const tcpClient = new TCPClient(new TimedResolver(ctx.resolver, loop, times));
    stream = await tcpClient.connect(plan.host, plan.port, {
      af: plan.af,
      sourceIp: plan.sourceIp ?? null,
      maxBufferSize: ctx.maxBufferSize,
      timeout: deadline === null ? null : Math.max(0, deadline - loop.time()),
    });
  } catch (error) {
    throw connectError(error);
  }
  times.connect = loop.time();
  stream.setNodelay(true);
  let rawSocket: net.Socket | null = null;
  try {
    if (plan.proxy !== null && target.scheme === "https") {
      await untilDeadline(
        loop,
        deadline,
        connectTunnel(stream, target.host, target.port, {
          proxyAuthorization: plan.proxyAuthorization,
          maxHeaderSize: ctx.maxHeaderSize,
        }),
        CONNECT_TIMEOUT,
        { onTimeout: () => stream.close() },
      );
    }
    if (target.scheme === "https") {
      rawSocket = stream.socket;
      const plain = rawSocket;
      stream = await untilDeadline(
        loop,
        deadline,
        stream.startTls(false, plan.tls ?? null, target.host),
        CONNECT_TIMEOUT,
        { onTimeout: () => plain.destroy(), onLate: (late) => late.close() },
      );
      times.appconnect = loop.time();
    }
  } catch (error) {
    stream.close();
    throw connectError(error);
  }
  ctx.pool.noteCreated();
  return new PooledConnection(
    plan.key,
    stream,
    new HTTP1Connection(stream, true, ctx.params),
    rawSocket,
  );
}

/** The error a failed connection attempt reports to the caller. */
function connectError(error: unknown): unknown {
  if (error instanceof TimeoutError) {
    return new HTTPTimeoutError(CONNECT_TIMEOUT, "connect", { cause: error });
  }
  if (error instanceof StreamClosedError) {
    // Tornado re-raises the socket's own error (ConnectionRefusedError...): so do we.
    if (error.realError !== undefined) return error.realError;
    return new HTTPStreamClosedError("Stream closed", { cause: error });
  }
  return error;
}
