/**
 * Test servers for the HTTP client suites (Tornado's `httpclient_test` and
 * `simple_httpclient_test` applications), on 127.0.0.1 and a port of their own:
 *
 * - {@link startApp}: a `node:http` (or `node:https`, with the test CA's server
 *   certificate) server with the handlers Tornado's tests use (`/hello`, `/chunk`,
 *   `/countdown/N`, `/redirect`, `/trigger`, ...). It records every request it receives
 *   and counts the connections it accepts.
 * - {@link startRawServer}: a `net` server that reads each request (head and
 *   Content-Length body) and lets the test answer with exact bytes, for framing and
 *   fault cases node:http would refuse to produce.
 * - {@link useServers}: starts them per test and closes them (connections included)
 *   after it.
 */
import { EventEmitter } from "node:events";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import * as zlib from "node:zlib";
import { loadTestCerts } from "./tls";

/** The scheme of a test application. */
export type Protocol = "http" | "https";

/** What the application saw of one request. */
export interface RecordedRequest {
  readonly method: string;
  /** The request target as sent (path and query). */
  readonly url: string;
  /** Header names in lower case, values joined with ", " as node:http does. */
  readonly headers: http.IncomingHttpHeaders;
  /** The fields as sent: `[name, value]` pairs. */
  readonly rawHeaders: [string, string][];
  readonly body: Buffer;
}

/** A `/trigger` request waiting for the test to answer it. */
export interface Trigger {
  /** The `id` query argument, or "" without one. */
  readonly id: string;
  /** Answers the request (200, "ok" unless `body` says otherwise). */
  finish(body?: string): void;
}

/** A running test application (see the module). */
export interface TestApp {
  readonly protocol: Protocol;
  readonly port: number;
  readonly server: http.Server;
  /** `<protocol>://127.0.0.1:<port><path>` (`host` replaces 127.0.0.1). */
  url(path: string, host?: string): string;
  /** Every request received, in order of arrival of their heads. */
  readonly requests: RecordedRequest[];
  /** Connections accepted so far. */
  readonly connectionCount: number;
  /** `/trigger` requests not answered yet, oldest first (Tornado's `self.triggers`). */
  readonly triggers: Trigger[];
  /** Ids of the `/trigger` requests in order of arrival. */
  readonly triggerOrder: string[];
  /** Resolves once `triggers.length` is at least `count`. */
  waitForTriggers(count: number): Promise<void>;
  /** Closes the server and destroys its connections. */
  close(): Promise<void>;
}

/** The text of Tornado's `InvalidGzipHandler`: "Hello World 0\n"... cut at 149051 characters. */
export function invalidGzipText(): string {
  const lines: string[] = [];
  for (let i = 0; i < 9000; i++) lines.push(`Hello World ${i}\n`);
  return lines.join("").slice(0, 149051);
}

/** Starts the test application on 127.0.0.1 (or `host`), over HTTP or HTTPS. */
export async function startApp(protocol: Protocol = "http", host = "127.0.0.1"): Promise<TestApp> {
  const events = new EventEmitter();
  const requests: RecordedRequest[] = [];
  const triggers: Trigger[] = [];
  const triggerOrder: string[] = [];
  const sockets = new Set<net.Socket>();
  let connectionCount = 0;
  const handler = makeHandler({
    requests,
    onTrigger(trigger) {
      triggers.push(trigger);
      triggerOrder.push(trigger.id);
      events.emit("trigger");
    },
  });
  let server: http.Server;
  if (protocol === "https") {
    const certs = loadTestCerts();
    server = https.createServer({ cert: certs.serverCert, key: certs.serverKey }, handler);
    server.on("tlsClientError", () => {}); // handshake failures are what some tests want
  } else {
    server = http.createServer(handler);
  }
  // Expect: 100-continue: answer /respond_in_prepare at once (Tornado's
  // RespondInPrepareHandler), send 100 Continue for anything else.
  server.on("checkContinue", (req: http.IncomingMessage, res: http.ServerResponse) => {
    if ((req.url ?? "").startsWith("/respond_in_prepare")) {
      requests.push(record(req, Buffer.alloc(0)));
      res.writeHead(403, { "Content-Type": "text/plain", Connection: "close" });
      res.end("forbidden");
      return;
    }
    res.writeContinue();
    handler(req, res);
  });
  server.on(protocol === "https" ? "secureConnection" : "connection", (socket: net.Socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    protocol,
    port,
    server,
    url: (path, h = urlHost) => `${protocol}://${h}:${port}${path}`,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    triggers,
    triggerOrder,
    waitForTriggers(count: number): Promise<void> {
      return new Promise((resolve) => {
        const check = (): void => {
          if (triggers.length >= count) {
            events.off("trigger", check);
            resolve();
          }
        };
        events.on("trigger", check);
        check();
      });
    },
    async close(): Promise<void> {
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface HandlerHooks {
  requests: RecordedRequest[];
  onTrigger(trigger: Trigger): void;
}

function record(req: http.IncomingMessage, body: Buffer): RecordedRequest {
  const rawHeaders: [string, string][] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    rawHeaders.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  }
  return { method: req.method ?? "", url: req.url ?? "", headers: req.headers, rawHeaders, body };
}

/** Query arguments with values decoded byte by byte as latin1 (Tornado's `request.arguments`). */
function latin1Query(target: string): Map<string, string[]> {
  const args = new Map<string, string[]>();
  const q = target.indexOf("?");
  if (q < 0) return args;
  for (const part of target.slice(q + 1).split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const [k, v] = eq < 0 ? [part, ""] : [part.slice(0, eq), part.slice(eq + 1)];
    const decode = (s: string): string =>
      Buffer.from(
        s
          .replace(/\+/g, " ")
          .replace(/%([0-9a-fA-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))),
        "latin1",
      ).toString("latin1");
    const key = decode(k);
    args.set(key, [...(args.get(key) ?? []), decode(v)]);
  }
  return args;
}

function arg(args: Map<string, string[]>, name: string, fallback?: string): string {
  const values = args.get(name);
  if (values === undefined || values.length === 0) {
    if (fallback === undefined) throw new Error(`missing argument ${name}`);
    return fallback;
  }
  return Buffer.from(values[values.length - 1]!, "latin1").toString("utf8");
}

function acceptsGzip(req: http.IncomingMessage): boolean {
  return /\bgzip\b/i.test(req.headers["accept-encoding"] ?? "");
}

function text(res: http.ServerResponse, code: number, body: string | Buffer, type = "text/plain") {
  const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
  res.writeHead(code, { "Content-Type": type, "Content-Length": String(bytes.length) });
  res.end(bytes);
}

/** Tornado's default content type, which `test_header_callback` expects. */
const HTML = "text/html; charset=UTF-8";

function makeHandler(hooks: HandlerHooks): http.RequestListener {
  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      hooks.requests.push(record(req, body));
      try {
        route(req, res, body, hooks);
      } catch (error) {
        if (!res.headersSent) text(res, 500, `test app error: ${String(error)}`);
        else res.destroy();
      }
    });
  };
}

function route(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  body: Buffer,
  hooks: HandlerHooks,
): void {
  const target = req.url ?? "/";
  const path = target.split("?")[0]!;
  const args = latin1Query(target);
  const method = req.method ?? "GET";
  const countdown = /^\/countdown\/([0-9]+)$/.exec(path);
  if (countdown !== null) {
    const count = Number(countdown[1]);
    if (count > 0) {
      res.writeHead(302, { Location: `/countdown/${count - 1}`, "Content-Length": "0" });
      res.end();
    } else {
      text(res, 200, "Zero", HTML);
    }
    return;
  }
  switch (path) {
    case "/hello":
      return text(res, 200, `Hello ${arg(args, "name", "world")}!`);
    case "/post": {
      if (method !== "POST") return text(res, 405, "");
      const form = latin1Query(`?${body.toString("latin1")}`);
      return text(res, 200, `Post arg1: ${arg(form, "arg1")}, arg2: ${arg(form, "arg2")}`, HTML);
    }
    case "/put":
      if (method !== "PUT") return text(res, 405, "");
      return text(res, 200, Buffer.concat([Buffer.from("Put body: "), body]), HTML);
    case "/redirect": {
      const status = Number(arg(args, "status", "302"));
      const bodyText = "redirects can have bodies too";
      res.writeHead(status, {
        Location: arg(args, "url"),
        "Content-Type": HTML,
        "Content-Length": String(bodyText.length),
      });
      res.end(method === "HEAD" ? undefined : bodyText);
      return;
    }
    case "/redirect_without_location":
      res.writeHead(301, { "Content-Length": "0" });
      res.end();
      return;
    case "/chunk":
      return chunkHandler(req, res);
    case "/auth":
      return text(res, 200, req.headers.authorization ?? "", HTML);
    case "/echopost":
    case "/echo_post":
    case "/patch":
      return text(res, 200, body, HTML);
    case "/user_agent":
      return text(res, 200, req.headers["user-agent"] ?? "User agent not set", HTML);
    case "/304_with_content_length":
      // Tornado strips these from a 304; the handler simulates servers that do not.
      res.writeHead(304, { "Content-Length": "42" });
      res.end();
      return;
    case "/all_methods":
      return text(res, 200, method, HTML);
    case "/set_header": {
      const keys = args.get("k") ?? [];
      const values = args.get("v") ?? [];
      // Values stay latin1 strings: node:http writes header strings as latin1.
      keys.forEach((key, i) => res.setHeader(key, values[i] ?? ""));
      return text(res, 200, "", HTML);
    }
    case "/invalid_gzip": {
      const gz = Buffer.concat([
        zlib.gzipSync(Buffer.from(invalidGzipText()), { level: 6 }),
        Buffer.from([0]),
      ]);
      res.writeHead(200, {
        "Content-Type": "text/plain",
        "Content-Encoding": "gzip",
        "Content-Length": String(gz.length),
      });
      res.end(gz);
      return;
    }
    case "/header-encoding":
      // node:http decodes header values as latin1; send the same bytes back.
      return text(res, 200, Buffer.from(String(req.headers.foo ?? ""), "latin1"), HTML);
    case "/echo_headers":
      return text(res, 200, JSON.stringify(record(req, body).rawHeaders), "application/json");
    case "/host_echo":
      return text(res, 200, req.headers.host ?? "", HTML);
    case "/head":
      if (method !== "HEAD") return text(res, 405, "");
      res.writeHead(200, { "Content-Length": "7" });
      res.end();
      return;
    case "/options":
      if (method !== "OPTIONS") return text(res, 405, "");
      res.writeHead(200, { "Access-Control-Allow-Origin": "*", "Content-Length": "2" });
      res.end("ok");
      return;
    case "/no_content":
      res.writeHead(204);
      res.end();
      return;
    case "/see_other_post": {
      const code = Number(body.toString("latin1"));
      if (method !== "POST" || (code !== 302 && code !== 303)) {
        return text(res, 500, `unexpected ${method} with body ${body.toString("latin1")}`);
      }
      res.writeHead(code, { Location: "/see_other_get", "Content-Length": "0" });
      res.end();
      return;
    }
    case "/see_other_get": {
      // The redirected request must be a GET with neither a body nor body headers.
      const h = req.headers;
      const bodyHeaders =
        (h["content-length"] !== undefined && h["content-length"] !== "0") ||
        h["transfer-encoding"] !== undefined ||
        h["content-type"] !== undefined;
      if (method !== "GET" || body.length > 0 || bodyHeaders) {
        return text(res, 500, `unexpected ${method} with body ${JSON.stringify(body.toString())}`);
      }
      return text(res, 200, "ok", HTML);
    }
    case "/trigger":
    case "/hang": {
      if (path === "/hang") return; // never answered
      hooks.onTrigger({
        id: arg(args, "id", ""),
        finish(bodyText = "ok") {
          if (!res.writableEnded && !res.destroyed) text(res, 200, bodyText, HTML);
        },
      });
      return;
    }
    case "/big": {
      const size = Number(arg(args, "size", String(1024 * 1024)));
      const payload = arg(args, "pattern", "") === "1" ? patterned(size) : Buffer.alloc(size, "a");
      if (arg(args, "chunked", "") === "1") {
        res.writeHead(200, { "Content-Type": "text/plain" });
        for (let i = 0; i < size; i += 16384) res.write(payload.subarray(i, i + 16384));
        res.end();
        return;
      }
      return text(res, 200, payload);
    }
    case "/filler": {
      // Tornado's SmallHeaders / LargeHeaders: an X-Filler header of `size` bytes.
      res.setHeader("X-Filler", "a".repeat(Number(arg(args, "size", "100"))));
      return text(res, 200, "ok", HTML);
    }
    case "/slow": {
      const delay = Number(arg(args, "delay", "0.1"));
      const timer = setTimeout(() => text(res, 200, "slow", HTML), delay * 1000);
      res.once("close", () => clearTimeout(timer));
      return;
    }
    default:
      return text(res, 404, "Not Found", HTML);
  }
}

/**
 * Tornado's ChunkHandler: "asdf", a flush, a 10 ms pause, "qwer"; gzipped (chunked, so
 * whatever the length, as Tornado's GZipContentEncoding) when the client accepts gzip.
 */
function chunkHandler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const gzip = acceptsGzip(req);
  res.writeHead(200, {
    "Content-Type": HTML,
    ...(gzip ? { "Content-Encoding": "gzip", Vary: "Accept-Encoding" } : {}),
  });
  let timer: NodeJS.Timeout | undefined;
  res.once("close", () => clearTimeout(timer));
  if (!gzip) {
    res.write("asdf");
    timer = setTimeout(() => res.end("qwer"), 10);
    return;
  }
  const encoder = zlib.createGzip({ level: 6 });
  encoder.on("data", (piece: Buffer) => res.write(piece));
  encoder.on("end", () => res.end());
  encoder.write("asdf");
  encoder.flush(zlib.constants.Z_SYNC_FLUSH, () => {
    timer = setTimeout(() => encoder.end("qwer"), 10);
  });
}

/** One request as a raw server read it. */
export interface RawRequest {
  /** The head, up to and including the empty line, as latin1 text. */
  readonly head: string;
  /** The body (by Content-Length, or the chunked body decoded), possibly empty. */
  readonly body: Buffer;
  /** The request line, e.g. "GET /x HTTP/1.1". */
  readonly requestLine: string;
  /** Header lookup by lower-case name (last value). */
  header(name: string): string | undefined;
}

/** What a raw server script is given for each request. */
export type RawScript = (socket: net.Socket, request: RawRequest, index: number) => void;

/** A running raw server (see {@link startRawServer}). */
export interface RawServer {
  readonly port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** Every request read so far, on any connection. */
  readonly requests: RawRequest[];
  /** Connections accepted so far. */
  readonly connectionCount: number;
  /** Closes the server and destroys every connection. */
  close(): Promise<void>;
}

/**
 * A `net` server on 127.0.0.1 that parses each request on each connection (head, then a
 * Content-Length or chunked body) and hands it to `script`, which writes what it likes.
 * Requests are numbered across connections from 0.
 */
export async function startRawServer(script: RawScript): Promise<RawServer> {
  const requests: RawRequest[] = [];
  const sockets = new Set<net.Socket>();
  let connectionCount = 0;
  const server = net.createServer((socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on("error", () => {});
    socket.once("close", () => sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on("data", (data: Buffer) => {
      pending = Buffer.concat([pending, data]);
      for (;;) {
        const parsed = parseRawRequest(pending);
        if (parsed === null) return;
        pending = pending.subarray(parsed.consumed);
        requests.push(parsed.request);
        script(socket, parsed.request, requests.length - 1);
        if (socket.destroyed) return;
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    url: (path = "/") => `http://127.0.0.1:${port}${path}`,
    requests,
    get connectionCount() {
      return connectionCount;
    },
    async close(): Promise<void> {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function parseRawRequest(buf: Buffer): { request: RawRequest; consumed: number } | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const head = buf.subarray(0, end + 4).toString("latin1");
  const lines = head.split("\r\n");
  const fields = new Map<string, string>();
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(":");
    if (colon > 0)
      fields.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let pos = end + 4;
  let body = Buffer.alloc(0);
  if (/chunked/i.test(fields.get("transfer-encoding") ?? "")) {
    const parts: Buffer[] = [];
    for (;;) {
      const lineEnd = buf.indexOf("\r\n", pos);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(pos, lineEnd).toString("latin1"), 16);
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      pos = lineEnd + 2 + size + 2;
      if (size === 0) break;
    }
    body = Buffer.concat(parts);
  } else if (fields.has("content-length") && !/100-continue/i.test(fields.get("expect") ?? "")) {
    const length = Number(fields.get("content-length"));
    if (buf.length < pos + length) return null;
    body = Buffer.from(buf.subarray(pos, pos + length));
    pos += length;
  }
  return {
    request: {
      head,
      body,
      requestLine: lines[0]!,
      header: (name) => fields.get(name.toLowerCase()),
    },
    consumed: pos,
  };
}

/** A raw script that writes `response` to every request, then closes when `close`. */
export function answerWith(
  response: string | Buffer | (string | Buffer)[],
  close = true,
): RawScript {
  const pieces = Array.isArray(response) ? response : [response];
  return (socket) => {
    for (const piece of pieces)
      socket.write(typeof piece === "string" ? Buffer.from(piece, "latin1") : piece);
    if (close) socket.end();
  };
}

/**
 * `size` bytes where byte i is i mod 251: a piece of it written over another (a read
 * buffer reused too early) shows, since 251 divides no power of two.
 */
export function patterned(size: number): Buffer {
  const bytes = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) bytes[i] = i % 251;
  return bytes;
}
