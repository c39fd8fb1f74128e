/**
 * HTTP proxies for the simple client: the `Proxy-Authorization` header, and the CONNECT
 * tunnel through which an `https` request reaches its server (RFC 9110 §9.3.6).
 *
 * Tornado's simple client has no proxy support (its PRs #1078 and #1266 were closed; only
 * the curl client takes `proxy_host`). Here `SimpleAsyncHTTPClient` sends a plain `http`
 * request to the proxy in absolute form (`GET http://host:port/path HTTP/1.1`, RFC 9112
 * §3.2.2), and for `https` first opens a tunnel with {@link connectTunnel}, then starts
 * TLS with the target inside it, so the proxy sees neither the request nor the response.
 * Credentials (`proxyUsername`, `proxyPassword`) go only to the proxy, in
 * `Proxy-Authorization` (RFC 9110 §11.7.2), never inside the tunnel.
 *
 * The proxy's answer to CONNECT is read with the sans-I/O `HTTP1Parser`, which knows
 * that a 2xx answer to CONNECT has no body whatever its headers say (RFC 9112 §6.3 rule
 * 2). A malformed answer fails at once: the first bytes must begin a status line
 * (`HTTP/`), so a peer that is not an HTTP proxy (a TLS or SSH server, say) does not
 * leave the request waiting for its connect deadline.
 *
 * Internal to `simple_httpclient`.
 */
import * as net from "node:net";
import { Future } from "../concurrent";
import { HTTPClientError } from "../httpclient/errors";
import {
  HTTP1Parser,
  HTTPInputError,
  responses,
  type HTTP1MessageHead,
  type ResponseStartLine,
} from "../httputil";
import { StreamClosedError, type IOStream } from "../iostream";
import { HTTPStreamClosedError } from "./errors";
import { basicCredentials } from "./_head";

/**
 * Where the proxy is and how to authenticate to it: the request's `proxyHost`,
 * `proxyPort`, `proxyUsername`, `proxyPassword` and `proxyAuthMode`.
 *
 * @example
 * const config: ProxyConfig = { host: "127.0.0.1", port: 3128, username: "me", password: "s3cret" };
 */
export interface ProxyConfig {
  /** The proxy's host name or IP address. */
  host: string;
  /** The proxy's TCP port. */
  port: number;
  /** User name for the proxy; no credentials are sent when it is unset or empty. */
  username?: string;
  /** Password for the proxy; default "" (Tornado's `proxy_password` default). */
  password?: string;
  /** Only `"basic"` (the default) is supported, as in Tornado's simple client for `auth_mode`. */
  authMode?: string;
}

/**
 * The `Proxy-Authorization` value for `config`: `Basic <base64(user:password)>` (RFC 7617,
 * NFC-normalised UTF-8 as `encodeUsernamePassword` makes it), or `undefined` when there is
 * no username (unset or empty, as Tornado's curl client treats `proxy_username`).
 *
 * @throws `TypeError` for an `authMode` other than `"basic"` (whether or not a username
 *   is set: a mode that cannot be honoured is a configuration error), and for a username
 *   containing ":" (RFC 7617 §2: the proxy would split it at the colon).
 * @example
 * proxyAuthorizationHeader({ host: "proxy", port: 3128, username: "user", password: "pass" });
 * // "Basic dXNlcjpwYXNz"
 * proxyAuthorizationHeader({ host: "proxy", port: 3128 }); // undefined
 */
export function proxyAuthorizationHeader(config: ProxyConfig): string | undefined {
  const mode = config.authMode;
  if (mode !== undefined && mode !== null && mode !== "basic") {
    throw new TypeError(
      `Unsupported proxyAuthMode ${JSON.stringify(mode)}: only "basic" is supported`,
    );
  }
  const username = config.username;
  if (username === undefined || username === null || username === "") return undefined;
  if (username.includes(":")) {
    throw new TypeError(`Invalid proxyUsername ${JSON.stringify(username)}: it contains ":"`);
  }
  return basicCredentials(username, config.password ?? "");
}

/** Options of {@link connectTunnel}. */
export interface ConnectTunnelOptions {
  /** The `Proxy-Authorization` value to send, from {@link proxyAuthorizationHeader}. */
  proxyAuthorization?: string;
  /** Most bytes the proxy's answer head may take (the client's `maxHeaderSize`). */
  maxHeaderSize: number;
}

/**
 * Asks the proxy at the other end of `stream` for a tunnel to `host:port`: writes
 * `CONNECT host:port HTTP/1.1` (an IPv6 literal in brackets) with `Host` and, if given,
 * `Proxy-Authorization`, then reads the proxy's answer head. On a 2xx answer the Future
 * resolves and `stream` carries raw bytes to and from the target (start TLS on it for
 * https); any bytes that came after the head stay in the stream for the next read.
 *
 * On failure the stream is closed and the Future rejects with:
 * - `HTTPClientError` with the proxy's status as `code` when it refuses (any non-2xx):
 *   the message says the proxy refused the tunnel and gives the status and reason, and
 *   for a 407 that the proxy requires authentication (and whether credentials were sent);
 * - `HTTPStreamClosedError` (599) when the connection closes before the answer head is
 *   complete ("Stream closed: ..." before any byte, "Connection closed: ..." part way)
 *   or right after a 2xx head with nothing after it (a tunnel that closed at once),
 *   the `StreamClosedError` as `cause`; this is also how a caller's deadline, which
 *   closes the stream, ends the wait, so no read is left behind;
 * - `HTTPStreamClosedError` (599, "Connection closed: malformed answer ...") with the
 *   parser's `HTTPInputError` as `cause`, for an answer that is not HTTP (checked on its
 *   first five bytes), is malformed, or has a head larger than `maxHeaderSize`: the
 *   client reports a broken response the same way.
 *
 * The deadline is the caller's: it covers the tunnel as part of connecting.
 *
 * @throws `TypeError` (synchronously) for a host that cannot be a CONNECT target (empty,
 *   or not an IPv6 literal nor an RFC 3986 reg-name: whitespace, "/", "@", ":", ...) or a
 *   `proxyAuthorization` with CR or LF; `RangeError` for a port outside 1..65535.
 * @example
 * const stream = await new TCPClient().connect("127.0.0.1", 3128);
 * await connectTunnel(stream, "example.com", 443, { maxHeaderSize: 65536 });
 * const secure = await stream.startTls(false, {}, "example.com");
 */
export function connectTunnel(
  stream: IOStream,
  host: string,
  port: number,
  options: ConnectTunnelOptions,
): Future<void> {
  const authority = tunnelAuthority(host, port);
  const lines = [`CONNECT ${authority} HTTP/1.1`, `Host: ${authority}`];
  const auth = options.proxyAuthorization;
  if (auth !== undefined) {
    // RFC 9110 §5.5: a field value must not contain CR or LF (it would add header lines).
    if (/[\r\n\0]/.test(auth)) {
      throw new TypeError("Invalid Proxy-Authorization value: it contains CR, LF or NUL");
    }
    lines.push(`Proxy-Authorization: ${auth}`);
  }
  const request = `${lines.join("\r\n")}\r\n\r\n`;
  const tunnel = new Tunnel(stream, authority, auth !== undefined, options.maxHeaderSize);
  return Future.fromPromise(tunnel.open(request));
}

/** RFC 3986 §3.2.2: a reg-name (or IPv4 address): unreserved, pct-encoded, sub-delims. */
const REG_NAME = /^[A-Za-z0-9\-._~!$&'()*+,;=%]+$/;

/**
 * RFC 9110 §9.3.6 / RFC 9112 §3.2.3: the authority-form target, `host:port`, with an IPv6
 * literal in brackets (RFC 3986 §3.2.2). A host given already bracketed (as `URL.hostname`
 * returns it) is not bracketed twice.
 */
function tunnelAuthority(host: string, port: number): string {
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(`Invalid tunnel port ${String(port)}: expected an integer in 1..65535`);
  }
  const bare = host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
  if (net.isIPv6(bare)) return `[${bare}]:${port}`;
  if (bare !== host || !REG_NAME.test(host)) {
    throw new TypeError(`Invalid tunnel host ${JSON.stringify(host)}`);
  }
  return `${host}:${port}`;
}

/** What a status line starts with (RFC 9112 §4). */
const STATUS_LINE_PREFIX = "HTTP/";
const CR = 0x0d;
const LF = 0x0a;

/** One CONNECT exchange: the request written, the answer head read and judged. */
class Tunnel {
  private _head: HTTP1MessageHead | null = null;
  /** The first bytes of the answer (leading empty lines skipped), until they show `HTTP/`. */
  private _prefix = "";
  private _received = 0;
  private readonly _parser: HTTP1Parser;

  constructor(
    private readonly _stream: IOStream,
    private readonly _authority: string,
    private readonly _sentCredentials: boolean,
    private readonly _maxHeaderSize: number,
  ) {
    this._parser = new HTTP1Parser(
      {
        onHeaders: (head) => {
          this._head = head;
          // Stop at the head: a refusal's body is not read, a tunnel's bytes are not HTTP.
          this._parser.pause();
        },
        onData: () => {},
        onComplete: () => {},
      },
      { maxHeaderSize: _maxHeaderSize },
    );
    // RFC 9112 §6.3 rule 2: a 2xx answer to CONNECT is a tunnel, with no body.
    this._parser.readResponse({ requestMethod: "CONNECT" });
  }

  async open(request: string): Promise<void> {
    let head: HTTP1MessageHead;
    try {
      await this._stream.write(request);
      head = await this._readHead();
    } catch (error) {
      this._stream.close();
      throw this._translate(error);
    }
    const startLine = head.startLine as ResponseStartLine;
    if (head.framing !== "tunnel") {
      this._stream.close();
      throw this._refusal(startLine, head);
    }
    // Bytes after the head belong to the target (a server that speaks first, such as
    // SMTP, may send them at once; TLS and HTTP servers never do): the next read, or
    // startTls, gets them.
    const extra = this._parser.takeRemaining();
    if (this._stream.closed() && extra.length === 0) {
      // A tunnel closed as soon as it opened: say so here, rather than let the TLS
      // upgrade fail on a closed stream.
      throw new HTTPStreamClosedError(
        `Stream closed: the proxy closed the tunnel to ${this._authority} as soon as it opened it`,
        { cause: new StreamClosedError(this._stream.error) },
      );
    }
    this._stream.unread(extra);
  }

  /** Reads until the parser has the answer head. */
  private async _readHead(): Promise<HTTP1MessageHead> {
    for (;;) {
      // Whatever is there, up to a head's worth: the parser finds where the head ends.
      const chunk = await this._stream.readBytes(this._maxHeaderSize, { partial: true });
      this._received += chunk.length;
      this._checkPrefix(chunk);
      this._parser.feed(chunk);
      if (this._head !== null) return this._head;
    }
  }

  /**
   * Fails fast on a peer that does not answer in HTTP: the answer must begin with
   * `HTTP/` (after any empty lines, RFC 9112 §2.2), which five bytes show. Without this a
   * head that never ends would wait for the caller's connect deadline.
   */
  private _checkPrefix(chunk: Buffer): void {
    const need = STATUS_LINE_PREFIX.length - this._prefix.length;
    if (need <= 0) return;
    let start = 0;
    if (this._prefix === "") {
      while (start < chunk.length && (chunk[start] === CR || chunk[start] === LF)) start++;
    }
    this._prefix += chunk.toString("latin1", start, start + need);
    if (!STATUS_LINE_PREFIX.startsWith(this._prefix)) {
      throw new HTTPInputError(
        `Not an HTTP response: expected a status line starting with "HTTP/", received ` +
          `${JSON.stringify(this._prefix)}`,
      );
    }
  }

  /** The error for a connection that closed before the answer head was complete. */
  private _closedError(error: StreamClosedError): HTTPStreamClosedError {
    const why = error.realError ? ` (${error.realError.message})` : "";
    // Tornado's two texts lead: "Stream closed" before any answer, "Connection closed"
    // part way through one.
    const message =
      this._received === 0
        ? `Stream closed: the proxy closed the connection before answering CONNECT ${this._authority}${why}`
        : `Connection closed: the proxy closed the connection in the middle of its answer to ` +
          `CONNECT ${this._authority} (after ${this._received} bytes)${why}`;
    return new HTTPStreamClosedError(message, { cause: error });
  }

  /**
   * Every failure but a refusal, as the client reports a broken response: an
   * `HTTPStreamClosedError` (599) whose `cause` is the `StreamClosedError` or the
   * parser's `HTTPInputError`.
   */
  private _translate(error: unknown): unknown {
    if (error instanceof StreamClosedError) return this._closedError(error);
    if (error instanceof HTTPInputError) {
      return new HTTPStreamClosedError(
        `Connection closed: malformed answer from the proxy to CONNECT ${this._authority}: ` +
          error.message,
        { cause: error },
      );
    }
    return error;
  }

  /** The `HTTPClientError` for a non-2xx answer. */
  private _refusal(startLine: ResponseStartLine, head: HTTP1MessageHead): HTTPClientError {
    const code = startLine.code;
    const reason = startLine.reason || responses[code] || "Unknown";
    let message = `Proxy refused the tunnel to ${this._authority}: ${code} ${reason}`;
    if (code === 407) {
      // RFC 9110 §15.5.8: the proxy wants (other) credentials; say what it asked for.
      const challenge = head.headers.get("Proxy-Authenticate");
      message += this._sentCredentials
        ? " (proxy authentication failed: the proxy rejected proxyUsername/proxyPassword"
        : " (proxy authentication required: set proxyUsername and proxyPassword";
      message += challenge === undefined ? ")" : `; it asks for ${challenge})`;
    }
    return new HTTPClientError(code, message);
  }
}
