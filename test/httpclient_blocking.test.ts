/**
 * The blocking `HTTPClient` (Tornado's `SyncHTTPClientTest`, plus what the thread
 * boundary adds: what may cross, how errors come back, closing, process exit).
 *
 * `fetch()` puts this thread to sleep in `Atomics.wait`, so a server in this thread could
 * never answer: the servers here run on a worker thread of their own.
 */
import { spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";
import * as tls from "node:tls";
import { Worker } from "node:worker_threads";
import { expect } from "chai";
import {
  AsyncHTTPClient,
  HTTPClient,
  HTTPClientError,
  HTTPRequest,
  HTTPResponse,
} from "../src/httpclient";
import { IOLoop } from "../src/ioloop";
import { HTTPStreamClosedError, HTTPTimeoutError } from "../src/simple_httpclient";
import { RuntimeError } from "../src/util";
import { thrown } from "./helpers/assertions";
import { TLS_FIXTURES } from "./helpers/tls";

const ROOT = path.resolve(__dirname, "..");

/** The servers' program (plain JS: it runs on a worker thread without a TS loader). */
const SERVER_SOURCE = `
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const https = require("node:https");
const path = require("node:path");
const { parentPort, workerData } = require("node:worker_threads");
function handle(req, res) {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    const url = new URL(req.url, "http://x");
    switch (url.pathname) {
      case "/hello":
        res.writeHead(200, { "Content-Type": "text/plain", "X-Multi": ["a", "b"] });
        return res.end("Hello world!");
      case "/echo":
        res.writeHead(200, { "Content-Type": "application/json" });
        return res.end(JSON.stringify({
          method: req.method,
          headers: req.headers,
          body: body.toString("utf8"),
        }));
      case "/redirect":
        res.writeHead(302, { Location: "/hello" });
        return res.end();
      case "/slow":
        return setTimeout(() => res.end("late"), 3000);
      case "/big":
        res.writeHead(200, { "Content-Type": "application/octet-stream" });
        return res.end(Buffer.alloc(1 << 20, "x"));
      default:
        res.writeHead(404, { "Content-Type": "text/plain" });
        return res.end("not here: " + url.pathname);
    }
  });
}
const plain = http.createServer(handle);
const secure = https.createServer({
  cert: fs.readFileSync(path.join(workerData.tls, "server.pem")),
  key: fs.readFileSync(path.join(workerData.tls, "server.key")),
}, handle);
plain.listen(0, "127.0.0.1", () => {
  secure.listen(0, "127.0.0.1", () => {
    parentPort.postMessage({ http: plain.address().port, https: secure.address().port });
  });
});
`;

interface ThreadServer {
  url(path: string): string;
  httpsUrl(path: string): string;
  close(): Promise<void>;
}

/** Starts both servers on a worker thread. */
async function startThreadServer(): Promise<ThreadServer> {
  const worker = new Worker(SERVER_SOURCE, { eval: true, workerData: { tls: TLS_FIXTURES } });
  const ports = await new Promise<{ http: number; https: number }>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    url: (p) => `http://127.0.0.1:${ports.http}${p}`,
    httpsUrl: (p) => `https://localhost:${ports.https}${p}`,
    close: async () => {
      await worker.terminate();
    },
  };
}

/** A port of 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as net.AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("SyncHTTPClientTest", function () {
  // The first fetch waits for the worker, which compiles the client from TS sources.
  this.timeout(60000);
  let server: ThreadServer;
  let client: HTTPClient;

  // One client for the suite: starting a worker costs a moment (more from TS sources).
  before(async () => {
    server = await startThreadServer();
    client = new HTTPClient();
  });
  after(async () => {
    client.close();
    await server.close();
  });

  it("returns the response itself (test_sync_client)", () => {
    const response = client.fetch(server.url("/hello"));
    expect(response).to.be.instanceOf(HTTPResponse);
    expect(response.code).to.equal(200);
    expect(response.reason).to.equal("OK");
    expect(response.body.toString()).to.equal("Hello world!");
    expect(response.headers.get("Content-Type")).to.equal("text/plain");
    expect(response.headers.getList("X-Multi")).to.deep.equal(["a", "b"]);
    expect(response.effectiveUrl).to.equal(server.url("/hello"));
    expect(response.error).to.equal(null);
    expect(response.request).to.be.instanceOf(HTTPRequest);
    expect(response.request.url).to.equal(server.url("/hello"));
    expect(response.requestTime).to.be.a("number").and.at.least(0);
    expect(response.startTime).to.be.a("number");
  });

  it("fetches one after another on the same client", () => {
    for (let i = 0; i < 5; i++) {
      expect(client.fetch(server.url("/hello")).body.toString()).to.equal("Hello world!");
    }
  });

  it("brings a 1 MiB body back intact", () => {
    const body = client.fetch(server.url("/big")).body;
    expect(Buffer.isBuffer(body)).to.equal(true);
    expect(body.length).to.equal(1 << 20);
    expect(body.every((byte) => byte === 0x78)).to.equal(true);
  });

  it("sends a POST given as URL and options", () => {
    const response = client.fetch(server.url("/echo"), {
      method: "POST",
      body: "a=1&b=2",
      headers: { "X-Test": "yes" },
    });
    const echo = JSON.parse(response.body.toString());
    expect(echo.method).to.equal("POST");
    expect(echo.body).to.equal("a=1&b=2");
    expect(echo.headers["x-test"]).to.equal("yes");
    expect(echo.headers["content-type"]).to.equal("application/x-www-form-urlencoded");
  });

  it("sends an HTTPRequest and answers with that same request object", () => {
    const request = new HTTPRequest({
      url: server.url("/echo"),
      method: "PUT",
      body: Buffer.from("bytes \u00e9"),
      headers: [["X-Pair", "1"]],
    });
    const response = client.fetch(request);
    expect(response.request).to.equal(request);
    const echo = JSON.parse(response.body.toString());
    expect(echo.method).to.equal("PUT");
    expect(echo.body).to.equal("bytes \u00e9");
    expect(echo.headers["x-pair"]).to.equal("1");
  });

  it("refuses options next to an HTTPRequest, as AsyncHTTPClient does", () => {
    const error = thrown(() =>
      client.fetch(new HTTPRequest(server.url("/hello")), { method: "POST" }),
    );
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.contain("options can't be used if request is an HTTPRequest object");
  });

  it("throws HTTPClientError with the response for a 404 (test_sync_client_error)", () => {
    const error = thrown(() => client.fetch(server.url("/nowhere")));
    expect(error).to.be.instanceOf(HTTPClientError);
    const httpError = error as HTTPClientError;
    expect(httpError.code).to.equal(404);
    expect(httpError.message).to.equal("Not Found");
    expect(String(httpError)).to.equal("HTTP 404: Not Found");
    expect(httpError.response?.code).to.equal(404);
    expect(httpError.response?.body.toString()).to.equal("not here: /nowhere");
    expect(httpError.response?.error).to.equal(httpError);
  });

  it("returns a 404 response with raiseError false", () => {
    const response = client.fetch(server.url("/nowhere"), { raiseError: false });
    expect(response.code).to.equal(404);
    expect(response.error).to.be.instanceOf(HTTPClientError);
    expect(() => response.rethrow()).to.throw(HTTPClientError, "Not Found");
  });

  it("follows redirects, or throws the 302 when told not to", () => {
    const followed = client.fetch(server.url("/redirect"));
    expect(followed.body.toString()).to.equal("Hello world!");
    expect(followed.effectiveUrl).to.equal(server.url("/hello"));
    const error = thrown(() => client.fetch(server.url("/redirect"), { followRedirects: false }));
    expect((error as HTTPClientError).code).to.equal(302);
    expect((error as HTTPClientError).response?.headers.get("Location")).to.equal("/hello");
  });

  it("passes the constructor's options to its AsyncHTTPClient", () => {
    const configured = new HTTPClient({ defaults: { userAgent: "blocking-test/1" } });
    try {
      const echo = JSON.parse(configured.fetch(server.url("/echo")).body.toString());
      expect(echo.headers["user-agent"]).to.equal("blocking-test/1");
    } finally {
      configured.close();
    }
  });

  it("reports a refused connection as the AsyncHTTPClient does", async () => {
    const url = `http://127.0.0.1:${await closedPort()}/`;
    const error = thrown(() => client.fetch(url));
    // The same fetch on a loop in this thread: the blocking client must say the same.
    const loop = new IOLoop({ makeCurrent: false });
    let direct: Error | undefined;
    try {
      await loop.runSync(async () => {
        const async = new AsyncHTTPClient({ forceInstance: true });
        try {
          await async.fetch(url);
        } catch (e) {
          direct = e as Error;
        } finally {
          async.close();
        }
      });
    } finally {
      loop.close();
    }
    expect(direct, "the async fetch should fail").to.be.instanceOf(Error);
    const expected = direct as Error & { code?: unknown };
    expect(error.name).to.equal(expected.name);
    expect(error.message).to.equal(expected.message);
    expect((error as Error & { code?: unknown }).code).to.equal(expected.code);
    expect(error instanceof HTTPClientError).to.equal(expected instanceof HTTPClientError);
    expect(`${error.message} ${String((error as NodeJS.ErrnoException).code)}`).to.contain(
      "ECONNREFUSED",
    );
  });

  it("throws HTTPTimeoutError when the request times out", () => {
    const error = thrown(() => client.fetch(server.url("/slow"), { requestTimeout: 0.2 }));
    expect(error).to.be.instanceOf(HTTPTimeoutError);
    expect(error).to.be.instanceOf(HTTPClientError);
    expect((error as HTTPTimeoutError).code).to.equal(599);
    expect((error as HTTPTimeoutError).phase).to.equal("request");
    expect(String(error)).to.equal("Timeout during request");
    // The client is still usable afterwards.
    expect(client.fetch(server.url("/hello")).code).to.equal(200);
  });

  it("rebuilds HTTPStreamClosedError by name", async () => {
    // A server that accepts and closes at once, without an HTTP response.
    const { port, close } = await startClosingServerThread();
    try {
      const error = thrown(() => client.fetch(`http://127.0.0.1:${port}/`));
      if (error instanceof HTTPClientError) {
        expect(error).to.be.instanceOf(HTTPStreamClosedError);
        expect(error.code).to.equal(599);
        expect(String(error)).to.match(/^(Stream|Connection) closed$/);
      } else {
        // The simple client may surface the socket error itself (ECONNRESET), as Tornado does.
        expect((error as NodeJS.ErrnoException).code).to.be.a("string");
      }
    } finally {
      await close();
    }
  });

  it("fetches over TLS with a plain SSLOptions object", () => {
    const response = client.fetch(server.httpsUrl("/hello"), {
      sslOptions: { caCerts: path.join(TLS_FIXTURES, "ca.pem") },
    });
    expect(response.body.toString()).to.equal("Hello world!");
  });

  it("refuses a tls.SecureContext as sslOptions with a TypeError", () => {
    const error = thrown(() =>
      client.fetch(server.httpsUrl("/hello"), { sslOptions: tls.createSecureContext() }),
    );
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.contain("sslOptions").and.contain("SecureContext");
  });

  for (const option of ["streamingCallback", "headerCallback", "bodyProducer"] as const) {
    it(`refuses ${option} with a TypeError naming it`, () => {
      const error = thrown(() =>
        client.fetch(server.url("/echo"), {
          method: "POST",
          [option]: () => undefined,
          ...(option === "bodyProducer" ? {} : { body: "x" }),
        }),
      );
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.contain(option);
    });
  }

  it("refuses a callback among the constructor's defaults", () => {
    const error = thrown(() => new HTTPClient({ defaults: { headerCallback: () => undefined } }));
    expect(error).to.be.instanceOf(TypeError);
    expect(error.message).to.contain("options.defaults.headerCallback");
  });

  it("throws RuntimeError after close(), which may be called twice", () => {
    const closing = new HTTPClient();
    expect(closing.closed).to.equal(false);
    closing.close();
    closing.close();
    expect(closing.closed).to.equal(true);
    const error = thrown(() => closing.fetch(server.url("/hello")));
    expect(error).to.be.instanceOf(RuntimeError);
    expect(error.message).to.equal("fetch() called on closed HTTPClient");
  });

  it("may be called from a running IOLoop when the server is elsewhere", async () => {
    const loop = new IOLoop({ makeCurrent: false });
    try {
      const body = await loop.runSync(() => client.fetch(server.url("/hello")).body.toString());
      expect(body).to.equal("Hello world!");
    } finally {
      loop.close();
    }
  });

  it("never keeps the process alive, closed or not (test_destructor_log)", function () {
    // Starting workers from TypeScript sources compiles the client in each: give it time.
    this.timeout(90000);
    const script = `
      const { HTTPClient } = require("./src/httpclient");
      const closed = new HTTPClient();
      closed.close();
      const leaked = new HTTPClient();
      try { leaked.fetch("http://127.0.0.1:1/"); } catch (e) { console.log("refused:", e.code); }
      console.log("done");
    `;
    const child = spawnSync(
      process.execPath,
      ["-r", "ts-node/register/transpile-only", "-e", script],
      { cwd: ROOT, encoding: "utf8", timeout: 80000 },
    );
    expect(child.error, "the child must exit by itself").to.equal(undefined);
    expect(child.status, child.stderr).to.equal(0);
    expect(child.stdout.trim().split("\n")).to.deep.equal(["refused: ECONNREFUSED", "done"]);
  });
});

/** A raw server on a worker thread that closes every connection as soon as it opens. */
async function startClosingServerThread(): Promise<{ port: number; close(): Promise<void> }> {
  const source = `
    const net = require("node:net");
    const { parentPort } = require("node:worker_threads");
    const server = net.createServer((socket) => socket.destroy());
    server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));
  `;
  const worker = new Worker(source, { eval: true });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once("message", resolve);
    worker.once("error", reject);
  });
  return {
    port,
    close: async () => {
      await worker.terminate();
    },
  };
}
