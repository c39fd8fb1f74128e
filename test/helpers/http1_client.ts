/**
 * Helpers of the client-side `HTTP1Connection` suites: a delegate that records what it is
 * told, and (per test, through {@link useHttp1Client}) scripted raw servers, node:http
 * servers and connections to them.
 */
import * as http from "node:http";
import type * as net from "node:net";
import { HTTP1Connection, HTTP1ConnectionParameters } from "../../src/http1connection";
import type { HTTP1ConnectionParametersInit } from "../../src/http1connection";
import {
  HTTPHeaders,
  RequestStartLine,
  type HTTPMessageDelegate,
  type ResponseStartLine,
} from "../../src/httputil";
import { IOStream } from "../../src/iostream";
import { sleep } from "../../src/gen";
import { useStreamFixtures } from "./tls";

/** A delegate that records everything it is told. */
export class Recorder implements HTTPMessageDelegate {
  startLine: ResponseStartLine | null = null;
  headers: HTTPHeaders | null = null;
  readonly chunks: Buffer[] = [];
  readonly events: string[] = [];

  headersReceived(startLine: RequestStartLine | ResponseStartLine, headers: HTTPHeaders): void {
    this.startLine = startLine as ResponseStartLine;
    this.headers = headers;
    this.events.push("headers");
  }
  dataReceived(chunk: Buffer): void {
    this.chunks.push(Buffer.from(chunk));
    this.events.push("data");
  }
  finish(): void {
    this.events.push("finish");
  }
  onConnectionClose(): void {
    this.events.push("close");
  }
  get body(): string {
    return Buffer.concat(this.chunks).toString("latin1");
  }
}

export const GET = (path = "/"): RequestStartLine => new RequestStartLine("GET", path, "HTTP/1.1");

/** What {@link useHttp1Client}'s `raw` gives: a client connection to a scripted server. */
export interface Raw {
  conn: HTTP1Connection;
  stream: IOStream;
  /** Everything the server has received so far. */
  received: () => Buffer;
  socket: Promise<net.Socket>;
}

/**
 * Registers per-test cleanup (call inside a describe, after `setupAsyncTest()`) and
 * returns the ways to make servers and client connections for the tests of that describe.
 */
export function useHttp1Client() {
  const fixtures = useStreamFixtures();
  const httpServers: http.Server[] = [];

  afterEach(async () => {
    for (const server of httpServers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  /**
   * Connects to a raw server. `onRequest` runs at each arrival of bytes that complete a
   * request head (a CRLF CRLF), with the server's socket.
   */
  async function raw(
    onRequest: ((socket: net.Socket, count: number) => void) | null,
    init: HTTP1ConnectionParametersInit = {},
  ): Promise<Raw> {
    const received: Buffer[] = [];
    let accept!: (socket: net.Socket) => void;
    const socket = new Promise<net.Socket>((resolve) => (accept = resolve));
    const { port } = await fixtures.current.listen((s) => {
      accept(s);
      let heads = 0;
      s.on("data", (data: Buffer) => {
        received.push(data);
        const text = Buffer.concat(received).toString("latin1");
        const count = text.split("\r\n\r\n").length - 1;
        while (heads < count) {
          heads++;
          onRequest?.(s, heads);
        }
      });
    });
    const stream = fixtures.current.track(new IOStream());
    await stream.connect({ host: "127.0.0.1", port });
    const conn = new HTTP1Connection(stream, true, new HTTP1ConnectionParameters(init));
    return { conn, stream, received: () => Buffer.concat(received), socket };
  }

  /** A raw server answering each request with `response` (then closing when `end`). */
  function answer(response: string | Buffer | (string | Buffer)[], end = false) {
    const pieces = Array.isArray(response) ? response : [response];
    return (socket: net.Socket): void => {
      for (const piece of pieces) socket.write(piece);
      if (end) socket.end();
    };
  }

  async function get(conn: HTTP1Connection, method = "GET", headers = {}): Promise<void> {
    const done = conn.writeHeaders(
      new RequestStartLine(method, "/", "HTTP/1.1"),
      new HTTPHeaders({ Host: "127.0.0.1", ...headers }),
    );
    conn.finish();
    await done;
  }

  async function until(condition: () => boolean): Promise<void> {
    while (!condition()) await sleep(0.002);
  }

  async function nodeServer(handler: http.RequestListener): Promise<number> {
    const server = http.createServer(handler);
    httpServers.push(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return (server.address() as net.AddressInfo).port;
  }

  async function connectTo(port: number, init: HTTP1ConnectionParametersInit = {}) {
    const stream = fixtures.current.track(new IOStream());
    await stream.connect({ host: "127.0.0.1", port });
    return new HTTP1Connection(stream, true, new HTTP1ConnectionParameters(init));
  }

  return { fixtures, raw, answer, get, until, nodeServer, connectTo };
}
