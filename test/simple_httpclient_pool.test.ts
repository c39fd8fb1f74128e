/**
 * The keep-alive pool of `SimpleAsyncHTTPClient` (beyond Tornado, whose simple client
 * closes every connection: tornado#324), against real servers on 127.0.0.1: node:http
 * servers for the ordinary paths, raw `net` servers that write exact bytes and close
 * connections at chosen moments for the faults. Connections are counted on the server
 * side (its accepted sockets), never inferred from the client.
 */
import { expect } from "chai";
import * as http from "node:http";
import * as https from "node:https";
import * as net from "node:net";
import "../src/httpclient";
import { sleep } from "../src/gen";
import { HTTPStreamClosedError, HTTPTimeoutError } from "../src/simple_httpclient";
import { keepAliveTimeout } from "../src/simple_httpclient/_pool";
import { genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import { loadTestCerts } from "./helpers/tls";
import { useClientFixtures } from "./helpers/client_fixtures";

/** A raw server: what it received, per connection, and the sockets it accepted. */
interface RawServer {
  readonly url: string;
  readonly port: number;
  /** Accepted sockets, in order. */
  readonly sockets: net.Socket[];
  /** Every request received: its head (request line and fields) and connection index. */
  readonly requests: { head: string; body: string; conn: number }[];
}

/** Answers a request on `socket`; `conn` is the connection's index, `nth` the request's on it. */
type RawHandler = (socket: net.Socket, head: string, conn: number, nth: number) => void;

const OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

describe("SimpleHTTPClientPoolTest", () => {
  setupAsyncTest();
  const { client, listen } = useClientFixtures();

  /** A node:http server; `connections()` counts the sockets it accepted. */
  async function nodeServer(
    handler: http.RequestListener = (_req, res) => res.end("ok"),
    options: { keepAliveTimeout?: number } = {},
  ): Promise<{ url: string; connections: () => number }> {
    const server = http.createServer(handler);
    if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
    let connections = 0;
    server.on("connection", () => connections++);
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, connections: () => connections };
  }

  /** A raw server calling `handler` for each complete request (heads and CL bodies). */
  async function rawServer(handler: RawHandler): Promise<RawServer> {
    const sockets: net.Socket[] = [];
    const requests: RawServer["requests"] = [];
    const server = net.createServer((socket) => {
      const conn = sockets.length;
      sockets.push(socket);
      socket.on("error", () => undefined);
      let buffered = Buffer.alloc(0);
      let nth = 0;
      socket.on("data", (data: Buffer) => {
        buffered = Buffer.concat([buffered, data]);
        for (;;) {
          const end = buffered.indexOf("\r\n\r\n");
          if (end < 0) return;
          const head = buffered.subarray(0, end).toString("latin1");
          const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
          if (buffered.length < end + 4 + length) return;
          const body = buffered.subarray(end + 4, end + 4 + length).toString("latin1");
          buffered = buffered.subarray(end + 4 + length);
          requests.push({ head, body, conn });
          handler(socket, head, conn, nth++);
        }
      });
    });
    const port = await listen(server);
    return { url: `http://127.0.0.1:${port}`, port, sockets, requests };
  }

  it(
    "carries sequential requests on one connection",
    genTest(async () => {
      const server = await nodeServer();
      const c = client();
      for (let i = 0; i < 10; i++) {
        const response = await c.fetch(`${server.url}/${i}`);
        expect(response.body.toString()).to.equal("ok");
      }
      expect(server.connections()).to.equal(1);
      expect(c.pool.created).to.equal(1);
      expect(c.pool.reused).to.equal(9);
      expect(c.pool.idleCount).to.equal(1);
    }),
  );

  it(
    "honours Connection: close from the server",
    genTest(async () => {
      const server = await rawServer((socket) => {
        socket.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok");
      });
      const c = client();
      for (let i = 0; i < 3; i++)
        expect((await c.fetch(server.url)).body.toString()).to.equal("ok");
      expect(server.sockets.length).to.equal(3);
      expect(c.pool.idleCount).to.equal(0);
    }),
  );

  it(
    "honours Connection: close from the caller, and keepAlive: false sends it",
    genTest(async () => {
      const server = await rawServer((socket) => socket.write(OK));
      const c = client();
      await c.fetch(server.url, { headers: { Connection: "close" } });
      await c.fetch(server.url, { headers: { Connection: "close" } });
      expect(server.sockets.length).to.equal(2);
      const tornadoLike = client({ keepAlive: false });
      await tornadoLike.fetch(server.url);
      await tornadoLike.fetch(server.url);
      expect(server.sockets.length).to.equal(4);
      expect(server.requests[3]!.head).to.match(/\r\nConnection: close/);
    }),
  );

  for (const how of ["FIN", "RST"] as const) {
    it(
      `survives a server that closes idle connections after 100 ms (${how})`,
      genTest({ timeout: 20 }, async () => {
        const server = await rawServer((socket) => {
          socket.write(OK);
          socket.setTimeout(100, () => (how === "FIN" ? socket.end() : socket.resetAndDestroy()));
        });
        const c = client();
        const pauses = [0, 0.05, 0.15, 0, 0.12, 0.02, 0.2, 0.09, 0.11, 0.1, 0, 0.101, 0.099];
        let failures = 0;
        for (const pause of pauses) {
          if (pause > 0) await sleep(pause);
          try {
            expect((await c.fetch(server.url)).body.toString()).to.equal("ok");
          } catch {
            failures++;
          }
        }
        expect(failures).to.equal(0);
        expect(server.sockets.length).to.be.greaterThan(1);
      }),
    );
  }

  it(
    "never sends a POST twice when the server drops a reused connection",
    genTest(async () => {
      const server = await rawServer((socket, _head, _conn, nth) => {
        if (nth === 0) socket.write(OK);
        else socket.destroy();
      });
      const c = client();
      await c.fetch(server.url);
      const error = await rejection(c.fetch(server.url, { method: "POST", body: "once" }));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      const posts = server.requests.filter((r) => r.head.startsWith("POST "));
      expect(posts.length).to.equal(1);
      expect(server.sockets.length).to.equal(1);
    }),
  );

  it(
    "never sends a POST twice when the server drops a new connection",
    genTest(async () => {
      const server = await rawServer((socket) => socket.destroy());
      const error = await rejection(client().fetch(server.url, { method: "POST", body: "once" }));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      expect(server.requests.length).to.equal(1);
    }),
  );

  it(
    "sees a close that came with the last response before sending a POST",
    genTest(async () => {
      // HTTP/1.1 without Connection: close, then a close: a misbehaving server. In one
      // process the FIN follows the response within a poll, which a POST waits for.
      const server = await rawServer((socket) => socket.end(OK));
      const c = client();
      for (let i = 0; i < 5; i++) {
        expect((await c.fetch(server.url)).body.toString()).to.equal("ok");
        const response = await c.fetch(server.url, { method: "POST", body: `post ${i}` });
        expect(response.body.toString()).to.equal("ok");
      }
      const posts = server.requests.filter((r) => r.head.startsWith("POST "));
      expect(posts.map((r) => r.body)).to.deep.equal([0, 1, 2, 3, 4].map((i) => `post ${i}`));
    }),
  );

  it(
    "retries a GET once on a fresh connection when a reused one was closed unanswered",
    genTest(async () => {
      const server = await rawServer((socket, _head, conn, nth) => {
        // The first connection answers once, then closes on the next request (the race
        // of a server closing an idle connection as the client reuses it).
        if (conn === 0 && nth === 1) socket.destroy();
        else socket.write(OK);
      });
      const c = client();
      await c.fetch(`${server.url}/a`);
      const response = await c.fetch(`${server.url}/b`);
      expect(response.body.toString()).to.equal("ok");
      expect(server.sockets.length).to.equal(2);
      expect(server.requests.map((r) => [r.head.split(" ")[1], r.conn])).to.deep.equal([
        ["/a", 0],
        ["/b", 0],
        ["/b", 1],
      ]);
    }),
  );

  it(
    "does not retry a GET that failed on a new connection, nor twice",
    genTest(async () => {
      let answered = 0;
      const server = await rawServer((socket, _head, conn) => {
        if (conn === 0 && answered++ === 0) socket.write(OK);
        else socket.destroy();
      });
      const c = client();
      await c.fetch(server.url);
      const error = await rejection(c.fetch(server.url));
      expect(error).to.be.instanceOf(HTTPStreamClosedError);
      // Once on the reused connection, once on the fresh one: no third try.
      expect(server.requests.length).to.equal(3);
    }),
  );

  it(
    "lets idle connections expire after idleTimeout",
    genTest(async () => {
      const server = await nodeServer();
      const c = client({ idleTimeout: 0.1 });
      await c.fetch(server.url);
      await c.fetch(server.url);
      expect(server.connections()).to.equal(1);
      await sleep(0.25);
      expect(c.pool.idleCount).to.equal(0);
      await c.fetch(server.url);
      expect(server.connections()).to.equal(2);
    }),
  );

  it(
    "honours the server's Keep-Alive: timeout hint",
    genTest(async () => {
      const hinted = await rawServer((socket) =>
        socket.write("HTTP/1.1 200 OK\r\nKeep-Alive: timeout=1\r\nContent-Length: 2\r\n\r\nok"),
      );
      const plain = await rawServer((socket) => socket.write(OK));
      const c = client();
      await c.fetch(hinted.url);
      await c.fetch(plain.url);
      await sleep(0.7);
      await c.fetch(hinted.url);
      await c.fetch(plain.url);
      // timeout=1 allows 0.5 s idle: the hinted connection was not reused.
      expect(hinted.sockets.length).to.equal(2);
      expect(plain.sockets.length).to.equal(1);
      expect(keepAliveTimeout("timeout=5, max=100")).to.equal(5);
      expect(keepAliveTimeout("max=100")).to.equal(null);
    }),
  );

  it(
    "retires a connection whose body was not read to its end",
    genTest(async () => {
      const server = await rawServer((socket, head) => {
        if (head.startsWith("GET /close-delimited")) {
          socket.write("HTTP/1.1 200 OK\r\n\r\nbody until close");
          socket.end();
        } else if (head.startsWith("GET /partial")) {
          socket.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
        } else {
          socket.write(OK);
        }
      });
      const c = client();
      expect((await c.fetch(`${server.url}/close-delimited`)).body.toString()).to.equal(
        "body until close",
      );
      await c.fetch(`${server.url}/x`);
      expect(server.sockets.length).to.equal(2);
      // A timeout in the middle of a body closes the connection.
      const error = await rejection(c.fetch(`${server.url}/partial`, { requestTimeout: 0.1 }));
      expect(error).to.be.instanceOf(HTTPTimeoutError);
      await c.fetch(`${server.url}/y`);
      expect(server.sockets.length).to.equal(3);
      // So does a streaming callback that throws.
      const thrown = await rejection(
        c.fetch(`${server.url}/z`, {
          streamingCallback: () => {
            throw new Error("stop");
          },
        }),
      );
      expect(thrown.message).to.equal("stop");
      await c.fetch(`${server.url}/w`);
      expect(server.sockets.length).to.equal(4);
    }),
  );

  it(
    "retires a connection on which bytes arrived while idle",
    genTest(async () => {
      const server = await rawServer((socket, _head, conn) => {
        socket.write(OK);
        // An unsolicited second response on the first connection.
        if (conn === 0) socket.write("HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\njunk");
      });
      const c = client();
      await c.fetch(server.url);
      await sleep(0.05);
      const response = await c.fetch(server.url);
      expect(response.code).to.equal(200);
      expect(server.sockets.length).to.equal(2);
    }),
  );

  it(
    "keeps connections apart by origin and TLS settings",
    genTest(async () => {
      const a = await nodeServer();
      const b = await nodeServer();
      const certs = loadTestCerts();
      const tlsServer = https.createServer(
        { cert: certs.serverCert, key: certs.serverKey },
        (_q, r) => r.end("ok"),
      );
      let tlsConnections = 0;
      tlsServer.on("secureConnection", () => tlsConnections++);
      const tlsPort = await listen(tlsServer);
      const secure = `https://127.0.0.1:${tlsPort}/`;
      const c = client();
      for (let i = 0; i < 3; i++) {
        await c.fetch(a.url);
        await c.fetch(b.url);
        await c.fetch(secure, { caCerts: certs.paths.ca });
        await c.fetch(secure, { validateCert: false });
      }
      expect(a.connections()).to.equal(1);
      expect(b.connections()).to.equal(1);
      // One connection per TLS configuration: verified with the CA, and unverified.
      expect(tlsConnections).to.equal(2);
      expect(c.pool.created).to.equal(4);
    }),
  );

  it(
    "still bounds requests in flight by maxClients",
    genTest(async () => {
      let inFlight = 0;
      let most = 0;
      const server = await nodeServer((_req, res) => {
        inFlight++;
        most = Math.max(most, inFlight);
        setTimeout(() => {
          inFlight--;
          res.end("ok");
        }, 20);
      });
      const c = client({ maxClients: 2 });
      const fetches = Array.from({ length: 8 }, (_, i) => c.fetch(`${server.url}/${i}`));
      expect(c.active).to.equal(2);
      expect(c.queueLength).to.equal(6);
      await Promise.all(fetches);
      expect(most).to.equal(2);
      expect(server.connections()).to.equal(2);
      expect(c.pool.idleCount).to.equal(2);
    }),
  );

  it(
    "closes idle connections on close()",
    genTest(async () => {
      const server = await rawServer((socket) => socket.write(OK));
      const c = client();
      await c.fetch(server.url);
      const closed = new Promise((resolve) => server.sockets[0]!.once("close", resolve));
      c.close();
      expect(c.pool.idleCount).to.equal(0);
      await closed;
    }),
  );
});
