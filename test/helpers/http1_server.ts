/**
 * Helpers of the server-side `HTTP1Connection` suites: an application that records each
 * request and answers through a handler, served by `HTTP1ServerConnection` on 127.0.0.1
 * (through {@link useHttp1Server}), and clients to drive it: node:http's and raw sockets.
 */
import * as http from "node:http";
import * as net from "node:net";
import {
  HTTP1ConnectionParameters,
  HTTP1ServerConnection,
  type HTTP1Connection,
  type HTTP1ConnectionParametersInit,
  type HTTPServerConnectionDelegate,
} from "../../src/http1connection";
import {
  HTTPHeaders,
  ResponseStartLine,
  responses,
  type HTTPConnection,
  type HTTPMessageDelegate,
  type RequestStartLine,
} from "../../src/httputil";
import { IOStream } from "../../src/iostream";
import { sleep } from "../../src/gen";
import { useStreamFixtures } from "./tls";

/** One request as the application saw it. */
export interface Req {
  conn: HTTP1Connection;
  startLine: RequestStartLine;
  headers: HTTPHeaders;
  body: Buffer;
  events: string[];
  /** Which accepted connection it came on (0, 1, ...). */
  connection: number;
}

/** The application: answers a request (`finish` has come, or `early` asked for earlier). */
export type Handler = (req: Req) => void | Promise<void>;

/** Writes a whole response, with Content-Length unless `chunked`. */
export function respond(
  conn: HTTPConnection,
  code: number,
  body = "",
  options: { headers?: Record<string, string>; chunked?: boolean } = {},
): void {
  const headers = new HTTPHeaders(options.headers ?? {});
  if (!options.chunked && !headers.has("Content-Length")) {
    headers.set("Content-Length", String(Buffer.byteLength(body)));
  }
  const line = new ResponseStartLine("HTTP/1.1", code, responses[code] ?? "Unknown");
  void Promise.resolve(
    conn.writeHeaders(line, headers, body === "" ? undefined : Buffer.from(body)),
  ).catch(() => {});
  conn.finish();
}

/** Echoes method, path and body. */
export const echo: Handler = (req) =>
  respond(req.conn, 200, `${req.startLine.method} ${req.startLine.path} ${req.body}`);

export class RequestRecorder implements HTTPMessageDelegate {
  readonly req: Req;
  private readonly _chunks: Buffer[] = [];

  constructor(
    conn: HTTP1Connection,
    connection: number,
    private readonly _handler: Handler,
    private readonly _early: boolean,
    private readonly _onError: (error: unknown) => void,
  ) {
    this.req = {
      conn,
      startLine: null as unknown as RequestStartLine,
      headers: new HTTPHeaders(),
      body: Buffer.alloc(0),
      events: [],
      connection,
    };
  }

  headersReceived(startLine: RequestStartLine | ResponseStartLine, headers: HTTPHeaders): void {
    this.req.startLine = startLine as RequestStartLine;
    this.req.headers = headers;
    this.req.events.push("headers");
    if (this._early) this._run();
  }
  dataReceived(chunk: Buffer): void {
    this._chunks.push(Buffer.from(chunk));
    this.req.events.push("data");
  }
  finish(): void {
    this.req.body = Buffer.concat(this._chunks);
    this.req.events.push("finish");
    if (!this._early) this._run();
  }
  onConnectionClose(): void {
    this.req.events.push("close");
  }
  private _run(): void {
    try {
      void Promise.resolve(this._handler(this.req)).catch(this._onError);
    } catch (error) {
      this._onError(error);
    }
  }
}

export interface Served {
  port: number;
  requests: Req[];
  /** How many connections were accepted. */
  accepted: () => number;
  /** How many connections were closed (`onClose`). */
  closed: () => number;
  errors: unknown[];
  servers: HTTP1ServerConnection[];
}

/** A response as node:http's client read it. */
export interface Fetched {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw client socket and what it received. */
export interface RawClient {
  socket: net.Socket;
  received: () => string;
  /** Resolves when the server closed the connection. */
  ended: Promise<void>;
  until: (text: string, count?: number) => Promise<void>;
}

/**
 * Registers per-test cleanup (call inside a describe, after `setupAsyncTest()`) and
 * returns the ways to serve and to make requests for the tests of that describe.
 */
export function useHttp1Server() {
  const fixtures = useStreamFixtures();
  const agents: http.Agent[] = [];
  const rawSockets: net.Socket[] = [];

  afterEach(() => {
    for (const agent of agents.splice(0)) agent.destroy();
    for (const socket of rawSockets.splice(0)) socket.destroy();
  });

  /** Listens; each accepted connection is served by an HTTP1ServerConnection. */
  async function serve(
    handler: Handler = echo,
    init: HTTP1ConnectionParametersInit = {},
    early = false,
  ): Promise<Served> {
    const served: Served = {
      port: 0,
      requests: [],
      accepted: () => accepted,
      closed: () => closed,
      errors: [],
      servers: [],
    };
    let accepted = 0;
    let closed = 0;
    const params = new HTTP1ConnectionParameters(init);
    const { port } = await fixtures.current.listen((socket) => {
      const connection = accepted++;
      const server = new HTTP1ServerConnection(
        fixtures.current.track(new IOStream(socket)),
        params,
      );
      served.servers.push(server);
      const app: HTTPServerConnectionDelegate = {
        startRequest: (_server, conn) => {
          const recorder = new RequestRecorder(
            conn as HTTP1Connection,
            connection,
            handler,
            early,
            (error) => served.errors.push(error),
          );
          served.requests.push(recorder.req);
          return recorder;
        },
        onClose: () => closed++,
      };
      server.startServing(app);
    });
    served.port = port;
    return served;
  }

  /** A request through node:http's client. */
  function fetch(
    port: number,
    options: http.RequestOptions & {
      body?: string | Buffer | (string | Buffer)[];
      expectContinue?: boolean;
    } = {},
  ): Promise<Fetched> {
    const { body, expectContinue, ...requestOptions } = options;
    return new Promise((resolve, reject) => {
      const request = http.request({ host: "127.0.0.1", port, ...requestOptions }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () =>
          resolve({
            status: res.statusCode!,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on("error", reject);
      });
      request.on("error", reject);
      const pieces = body === undefined ? [] : Array.isArray(body) ? body : [body];
      const send = (): void => {
        for (const piece of pieces) request.write(piece);
        request.end();
      };
      if (expectContinue) request.on("continue", send);
      else send();
    });
  }

  function keepAliveAgent(): http.Agent {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(agent);
    return agent;
  }

  /** A raw client socket that records everything it receives. */
  async function raw(port: number): Promise<RawClient> {
    const socket = net.connect(port, "127.0.0.1");
    rawSockets.push(socket);
    socket.on("error", () => {});
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve) => socket.once("close", () => resolve()));
    await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
    const received = (): string => Buffer.concat(chunks).toString("latin1");
    const until = async (text: string, count = 1): Promise<void> => {
      while (received().split(text).length - 1 < count) {
        if (socket.destroyed) throw new Error(`closed before ${JSON.stringify(text)}`);
        await sleep(0.002);
      }
    };
    return { socket, received, ended, until };
  }

  async function waitFor(condition: () => boolean): Promise<void> {
    while (!condition()) await sleep(0.002);
  }

  /** Closes every served connection and waits for serving to stop (nothing left on the loop). */
  async function stopServing(served: Served): Promise<void> {
    await Promise.all(served.servers.map((server) => server.close()));
  }

  return { fixtures, serve, fetch, keepAliveAgent, raw, waitFor, stopServing };
}
