/**
 * The local HTTP server that the HTTP client examples talk to, so that nothing leaves
 * 127.0.0.1. Not an example itself (hence the leading `_`).
 *
 * Routes: `GET /` answers "Hello, world"; `POST /echo` answers with what it received;
 * `GET /redirect` is a 302 to `/`; anything else is a 404 with a short text body.
 *
 * `startServer()` runs it in this thread, for the `AsyncHTTPClient` examples.
 * `startServerThread()` runs it on a worker thread, for the blocking `HTTPClient`: while
 * `HTTPClient.fetch()` waits, this thread is asleep and could not answer.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { Worker, parentPort } from "node:worker_threads";

/** A running local server. */
export interface LocalServer {
  /** `http://127.0.0.1:<port>` (no trailing slash). */
  readonly url: string;
  /** Stops it (and its worker thread, if it has one). */
  close(): Promise<void>;
}

/** The examples' routes. */
function handle(request: http.IncomingMessage, response: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    const body = Buffer.concat(chunks).toString("utf8");
    if (request.method === "GET" && request.url === "/") {
      response.writeHead(200, { "Content-Type": "text/plain" }).end("Hello, world");
    } else if (request.method === "POST" && request.url === "/echo") {
      const type = request.headers["content-type"] ?? "none";
      response
        .writeHead(200, { "Content-Type": "text/plain" })
        .end(`received ${request.method} (${type}): ${body}`);
    } else if (request.url === "/redirect") {
      response.writeHead(302, { Location: "/" }).end();
    } else {
      response
        .writeHead(404, { "Content-Type": "text/plain" })
        .end(`no page at ${request.url ?? ""}`);
    }
  });
}

/** Starts the server on a free port of 127.0.0.1 in this thread. */
export function startServer(): Promise<LocalServer> {
  const server = http.createServer(handle);
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive connections the client pooled end now, not at their timeout.
            server.closeAllConnections();
          }),
      });
    });
  });
}

/**
 * Starts the server on a worker thread and resolves once it listens. The thread loads
 * this file through ts-node, as the examples themselves are run.
 */
export function startServerThread(): Promise<LocalServer> {
  const source = `
    require("ts-node").register({ transpileOnly: true });
    require(${JSON.stringify(path.join(__dirname, "_http_server.ts"))}).serveForParent();
  `;
  const worker = new Worker(source, { eval: true });
  return new Promise((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", (url: string) => {
      resolve({
        url,
        close: async () => {
          await worker.terminate();
        },
      });
    });
  });
}

/** In the worker thread: starts the server and posts its URL to the parent. */
export async function serveForParent(): Promise<void> {
  const server = await startServer();
  parentPort?.postMessage(server.url);
}
