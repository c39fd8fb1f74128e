/**
 * A real forward HTTP proxy on 127.0.0.1 for the proxy tests, built on node:http and
 * node:net: CONNECT tunnels (RFC 9110 §9.3.6) piped to their target, plain-http requests
 * in absolute form (`GET http://127.0.0.1:8080/path HTTP/1.1`, RFC 9112 §3.2.2) forwarded
 * with hop-by-hop fields removed, and optional Basic credentials (407 with
 * `Proxy-Authenticate` otherwise, RFC 9110 §11.7.1). It counts what it saw, so tests can
 * tell what the client sent to the proxy and what reached the target.
 *
 * Also the rest of a proxy test's network: {@link ProxyTestNet} (recording http/https
 * targets, scripted raw "proxies", free and closed ports, all closed after each test).
 *
 * @example
 * const proxy = await ProxyServer.start({ credentials: { username: "u", password: "p" } });
 * await client.fetch(url, { proxyHost: "127.0.0.1", proxyPort: proxy.port, ... });
 * expect(proxy.connects).to.equal(1);
 * await proxy.close();
 */
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import { perTest } from "./per_test";

/** Options of {@link ProxyServer.start}. */
export interface ProxyServerOptions {
  /** Basic credentials every request must carry in `Proxy-Authorization`. Default: none. */
  credentials?: { username: string; password: string };
}

/** A request the proxy forwarded in absolute form. */
export interface ForwardedRequest {
  method: string;
  /** The absolute-form target as received. */
  url: string;
  /** The header fields received from the client (lower-case names). */
  headers: http.IncomingHttpHeaders;
}

/** Fields that describe one connection only (RFC 9110 §7.6.1): never forwarded. */
const HOP_BY_HOP = new Set([
  "connection",
  "proxy-connection",
  "keep-alive",
  "proxy-authorization",
  "proxy-authenticate",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
]);

const BAD_GATEWAY = "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
const REALM = 'Basic realm="tornado-ts test proxy"';

/** The forward proxy; see the module header. */
export class ProxyServer {
  /** CONNECT requests received (refused ones included). */
  connects = 0;
  /** The authority of each CONNECT, in order (`127.0.0.1:8443`). */
  readonly connectTargets: string[] = [];
  /** The header fields of each CONNECT (lower-case names), in order. */
  readonly connectHeaders: http.IncomingHttpHeaders[] = [];
  /** Tunnels established (the target accepted the connection). */
  tunnels = 0;
  /** Absolute-form requests forwarded to their target. */
  get forwarded(): number {
    return this.forwardedRequests.length;
  }
  readonly forwardedRequests: ForwardedRequest[] = [];
  /** Every `Proxy-Authorization` value received, on CONNECTs and forwarded requests. */
  readonly proxyAuthorizations: string[] = [];
  /** Requests answered with 407. */
  refusedAuth = 0;
  /** Client connections accepted. */
  accepted = 0;

  private readonly _sockets = new Set<net.Socket>();

  private constructor(
    private readonly _server: http.Server,
    readonly port: number,
    private readonly _expectedAuth: string | undefined,
  ) {}

  /** Starts a proxy on 127.0.0.1 on a free port. */
  static async start(options: ProxyServerOptions = {}): Promise<ProxyServer> {
    const server = http.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
    });
    const port = (server.address() as net.AddressInfo).port;
    const { credentials } = options;
    const expected =
      credentials === undefined
        ? undefined
        : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
    const proxy = new ProxyServer(server, port, expected);
    server.on("connection", (socket: net.Socket) => {
      proxy.accepted++;
      proxy._track(socket);
    });
    server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) =>
      proxy._forward(req, res),
    );
    server.on("connect", (req: http.IncomingMessage, socket: net.Socket, head: Buffer) =>
      proxy._tunnel(req, socket, head),
    );
    return proxy;
  }

  /** Client connections open now (tunnels included). */
  connectionCount(): Promise<number> {
    return new Promise((resolve) =>
      this._server.getConnections((error, count) => resolve(error ? 0 : count)),
    );
  }

  /** Ends every connection (client and upstream sides) and stops listening. */
  async close(): Promise<void> {
    for (const socket of this._sockets) socket.destroy();
    this._sockets.clear();
    if (!this._server.listening) return;
    await new Promise<void>((resolve) => this._server.close(() => resolve()));
  }

  private _track(socket: net.Socket): void {
    // A reset from the client or the target under test is expected, not a crash.
    socket.on("error", () => {});
    this._sockets.add(socket);
    socket.once("close", () => this._sockets.delete(socket));
  }

  /** Records the credentials; false (after answering 407) when they are missing or wrong. */
  private _authorized(req: http.IncomingMessage): boolean {
    const given = req.headers["proxy-authorization"];
    if (given !== undefined) this.proxyAuthorizations.push(given);
    if (this._expectedAuth === undefined || given === this._expectedAuth) return true;
    this.refusedAuth++;
    return false;
  }

  private _tunnel(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    this.connects++;
    const authority = req.url ?? "";
    this.connectTargets.push(authority);
    this.connectHeaders.push({ ...req.headers });
    if (!this._authorized(req)) {
      socket.end(
        "HTTP/1.1 407 Proxy Authentication Required\r\n" +
          `Proxy-Authenticate: ${REALM}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
      );
      return;
    }
    const match = /^\[?([^\]]*)\]?:(\d+)$/.exec(authority);
    if (match === null) {
      socket.end("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    const upstream = net.connect(Number(match[2]), match[1]!);
    this._track(upstream);
    let established = false;
    upstream.once("connect", () => {
      established = true;
      this.tunnels++;
      socket.write("HTTP/1.1 200 Connection established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.once("close", () => {
      // The target refused or went away: before the tunnel that is a 502 (RFC 9110
      // §15.6.3); after it, the tunnel simply ends.
      if (established) socket.destroy();
      else socket.end(BAD_GATEWAY);
    });
    socket.once("close", () => upstream.destroy());
  }

  private _forward(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = req.url ?? "";
    if (!this._authorized(req)) {
      res.writeHead(407, { "Proxy-Authenticate": REALM, "Content-Length": "0" });
      res.end();
      return;
    }
    if (!/^http:\/\//i.test(url)) {
      res.writeHead(400, { "Content-Type": "text/plain" });
      res.end(`not an absolute-form http target: ${url}\n`);
      return;
    }
    this.forwardedRequests.push({ method: req.method ?? "", url, headers: { ...req.headers } });
    const target = new URL(url);
    const upstream = http.request({
      host: target.hostname.replace(/^\[|\]$/g, ""),
      port: target.port === "" ? 80 : Number(target.port),
      method: req.method,
      path: `${target.pathname}${target.search}`,
      headers: withoutHopByHop(req.headers),
      agent: false,
    });
    upstream.on("socket", (socket) => this._track(socket));
    upstream.on("response", (answer) => {
      res.writeHead(
        answer.statusCode ?? 502,
        answer.statusMessage,
        withoutHopByHop(answer.headers),
      );
      answer.pipe(res);
    });
    upstream.on("error", () => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(502, { "Content-Length": "0" });
      res.end();
    });
    req.pipe(upstream);
  }
}

/** `headers` minus the hop-by-hop fields and those the `Connection` field names. */
function withoutHopByHop(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const named = new Set(
    String(headers.connection ?? "")
      .split(",")
      .map((name) => name.trim().toLowerCase()),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name) && !named.has(name)) out[name] = value;
  }
  return out;
}

/** A request as a {@link ProxyTestNet} target saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

/** A target server that records each request and answers `<kind> <method> <path>`. */
export interface RecordingTarget {
  readonly port: number;
  readonly seen: SeenRequest[];
  /** `kind://host:port` + `path`. */
  url(path: string): string;
}

/**
 * The servers of one proxy test (proxies, http/https targets, scripted raw servers) and
 * their cleanup. Use through {@link useProxyTestNet}.
 */
export class ProxyTestNet {
  private readonly _servers: net.Server[] = [];
  private readonly _proxies: ProxyServer[] = [];
  private readonly _sockets: net.Socket[] = [];

  /** A {@link ProxyServer}, closed after the test. */
  async proxy(options?: ProxyServerOptions): Promise<ProxyServer> {
    const proxy = await ProxyServer.start(options);
    this._proxies.push(proxy);
    return proxy;
  }

  /** Listens with `server` on a free port of `host` (closed after the test). */
  async listen(server: net.Server, host = "127.0.0.1"): Promise<number> {
    this._servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, host, () => resolve());
    });
    return (server.address() as net.AddressInfo).port;
  }

  /** An http or https target (test certificate for 127.0.0.1, ::1, localhost). */
  async target(
    kind: "http" | "https",
    tlsOptions: { cert: string; key: string },
    host = "127.0.0.1",
  ): Promise<RecordingTarget> {
    const seen: SeenRequest[] = [];
    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: { ...req.headers } });
      res.end(`${kind} ${req.method} ${req.url}`);
    };
    const server =
      kind === "https" ? https.createServer(tlsOptions, handler) : http.createServer(handler);
    const port = await this.listen(server, host);
    const authority = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return { port, seen, url: (path) => `${kind}://${authority}${path}` };
  }

  /** A raw "proxy" that reads a request head and then does what `answer` says. */
  async rawProxy(
    answer: (socket: net.Socket) => void,
  ): Promise<{ port: number; sockets: net.Socket[] }> {
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      this._sockets.push(socket);
      socket.on("error", () => {});
      let head = "";
      socket.on("data", (chunk: Buffer) => {
        const before = head.includes("\r\n\r\n");
        head += chunk.toString("latin1");
        if (!before && head.includes("\r\n\r\n")) answer(socket);
      });
    });
    return { port: await this.listen(server), sockets };
  }

  /** A port on 127.0.0.1 where nothing listens (bound, then closed). */
  async closedPort(): Promise<number> {
    const server = net.createServer();
    const port = await this.listen(server);
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  /** Connections the targets and raw servers hold now. */
  async connectionCount(): Promise<number> {
    let total = 0;
    for (const server of this._servers) {
      if (!server.listening) continue;
      total += await new Promise<number>((resolve) =>
        server.getConnections((error, count) => resolve(error ? 0 : count)),
      );
    }
    return total;
  }

  /** Closes everything. */
  async closeAll(): Promise<void> {
    for (const proxy of this._proxies.splice(0)) await proxy.close();
    for (const socket of this._sockets.splice(0)) socket.destroy();
    for (const server of this._servers.splice(0)) {
      if (server instanceof http.Server || server instanceof https.Server)
        server.closeAllConnections();
      if (server.listening) await new Promise((resolve) => server.close(resolve));
    }
  }
}

/** A {@link ProxyTestNet} per test of the enclosing describe, closed after each. */
export function useProxyTestNet(): { readonly current: ProxyTestNet } {
  return perTest("ProxyTestNet", () => new ProxyTestNet());
}

/** Resolves once the other side has closed `socket` (end or close). */
export function closedByPeer(socket: net.Socket): Promise<void> {
  if (socket.readableEnded || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once("end", resolve);
    socket.once("close", resolve);
    socket.resume();
  });
}

/** Polls `count()` (real time, at most `seconds`) until it is 0; returns the last count. */
export async function untilZero(count: () => Promise<number>, seconds = 2): Promise<number> {
  const deadline = Date.now() + seconds * 1000;
  let open = await count();
  while (open > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    open = await count();
  }
  return open;
}
