/**
 * Tests of the server side of `HTTP1Connection` and of `HTTP1ServerConnection`: response
 * framing errors (a body where none may go), and the connection's life: an early
 * response, a client that leaves, a delegate that throws or holds the read, `close()`,
 * `detach()`. Raw sockets on 127.0.0.1 drive the server.
 */
import { expect } from "chai";
import { HTTP1Connection, HTTP1ServerConnection } from "../src/http1connection";
import {
  HTTPHeaders,
  HTTPOutputError,
  RequestStartLine,
  ResponseStartLine,
  type HTTPMessageDelegate,
} from "../src/httputil";
import { IOStream } from "../src/iostream";
import { appLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { respond, useHttp1Server } from "./helpers/http1_server";

describe("HTTP1ServerConnectionTest", () => {
  setupAsyncTest();
  const { fixtures, serve, raw, waitFor, stopServing } = useHttp1Server();

  describe("response framing errors", () => {
    /** Serves one raw request and hands back what writing `code` with a body throws. */
    async function bodyError(request: string, code: number, headers = {}): Promise<Error> {
      let caught: Error | null = null;
      const served = await serve(({ conn }) => {
        const line = new ResponseStartLine("HTTP/1.1", code, "X");
        try {
          void conn.writeHeaders(line, new HTTPHeaders(headers)).catch(() => {});
          void conn.write(Buffer.from("body"));
        } catch (error) {
          caught = error as Error;
        }
      });
      const client = await raw(served.port);
      client.socket.write(request);
      await waitFor(() => caught !== null);
      await client.ended;
      return caught!;
    }

    it(
      "refuses a body for a response to HEAD (test_head_request_body)",
      genTest(async () => {
        const error = await bodyError("HEAD / HTTP/1.1\r\n\r\n", 200, { "Content-Length": "4" });
        expect(error).to.be.instanceOf(HTTPOutputError);
        expect(error.message).to.equal("Cannot write a body: a response to HEAD has none");
      }),
    );

    it(
      "refuses a body for 204 and 304 responses (RFC 9110 §15.3.5, §15.4.5)",
      genTest(async () => {
        for (const code of [204, 304]) {
          const error = await bodyError("GET / HTTP/1.1\r\n\r\n", code);
          expect(error).to.be.instanceOf(HTTPOutputError);
          expect(error.message).to.equal(`Cannot write a body: a ${code} response has none`);
        }
      }),
    );

    it(
      "refuses Content-Length on a 204 before writing anything (RFC 9110 §8.6)",
      genTest(async () => {
        let caught: unknown = null;
        const served = await serve(({ conn }) => {
          const line = new ResponseStartLine("HTTP/1.1", 204, "No Content");
          try {
            void conn.writeHeaders(line, new HTTPHeaders({ "Content-Length": "3" }));
          } catch (error) {
            caught = error;
            respond(conn, 500, "oops");
          }
        });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await client.until("oops");
        expect(caught).to.be.instanceOf(HTTPOutputError);
        expect(client.received()).to.match(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
      }),
    );

    it(
      "refuses a start line of the wrong side, and a response before the request",
      genTest(async () => {
        const [serverStream] = await fixtures.current.pair();
        const conn = new HTTP1Connection(serverStream, false);
        expect(() =>
          conn.writeHeaders(new RequestStartLine("GET", "/", "HTTP/1.1"), new HTTPHeaders()),
        ).to.throw(TypeError);
        expect(() =>
          conn.writeHeaders(new ResponseStartLine("HTTP/1.1", 200, "OK"), new HTTPHeaders()),
        ).to.throw("before the request head was read");
        expect(() => conn.readResponse({} as HTTPMessageDelegate)).to.throw("server connection");
      }),
    );
  });

  describe("the connection's life", () => {
    it(
      "reads and drops a body that comes after the response, then closes (Tornado's early finish)",
      genTest(async () => {
        const served = await serve((req) => respond(req.conn, 200, "early"), {}, true);
        const client = await raw(served.port);
        client.socket.write("POST / HTTP/1.1\r\nContent-Length: 4\r\n\r\n");
        await client.until("early");
        client.socket.write("body");
        await client.ended;
        expect(client.received()).to.equal(
          // Tornado's way: the close is decided by finish(), after the head went out.
          "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly",
        );
        await waitFor(() => served.closed() === 1);
        await stopServing(served);
        expect(served.requests[0]!.events).to.deep.equal(["headers", "close"]);
      }),
    );

    it(
      "calls the close callback when the client leaves before the response",
      genTest(async () => {
        let closedEarly = false;
        const served = await serve(({ conn }) => {
          conn.setCloseCallback(() => (closedEarly = true));
        });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await waitFor(() => served.requests[0]?.events.includes("finish") === true);
        client.socket.end();
        await waitFor(() => closedEarly);
        await waitFor(() => served.closed() === 1);
        await stopServing(served);
      }),
    );

    it(
      "logs a delegate's error, closes, and tells onClose",
      genTest(async () => {
        let closed = 0;
        const servers: HTTP1ServerConnection[] = [];
        const { port } = await fixtures.current.listen((socket) => {
          const server = new HTTP1ServerConnection(fixtures.current.track(new IOStream(socket)));
          servers.push(server);
          server.startServing({
            startRequest: () => ({
              headersReceived: () => {
                throw new Error("boom");
              },
              dataReceived: () => {},
              finish: () => {},
              onConnectionClose: () => {},
            }),
            onClose: () => closed++,
          });
        });
        const client = await raw(port);
        await new ExpectLog(appLog, "Uncaught exception").run(async () => {
          client.socket.write("GET / HTTP/1.1\r\n\r\n");
          await client.ended;
        });
        expect(client.received()).to.equal("");
        await servers[0]!.close();
        expect(closed).to.equal(1);
      }),
    );

    it(
      "ends at once when the client leaves while the delegate holds the body",
      genTest({ timeout: 2 }, async () => {
        const events: string[] = [];
        let closed = 0;
        const servers: HTTP1ServerConnection[] = [];
        const { port } = await fixtures.current.listen((socket) => {
          const server = new HTTP1ServerConnection(fixtures.current.track(new IOStream(socket)));
          servers.push(server);
          server.startServing({
            startRequest: (): HTTPMessageDelegate => ({
              headersReceived: () => void events.push("headers"),
              // Never lets go: only the close can end the read.
              dataReceived: () => {
                events.push("data");
                return new Promise<void>(() => {});
              },
              finish: () => void events.push("finish"),
              onConnectionClose: () => void events.push("close"),
            }),
            onClose: () => closed++,
          });
        });
        const client = await raw(port);
        client.socket.end("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
        await client.ended;
        await waitFor(() => closed === 1);
        expect(events).to.deep.equal(["headers", "data", "close"]);
        expect(client.received()).to.equal("");
        await servers[0]!.close();
      }),
    );

    it(
      "close() stops serving and resolves after onClose",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await client.until("GET / ");
        await served.servers[0]!.close();
        expect(served.closed()).to.equal(1);
        await client.ended;
      }),
    );

    it(
      "hands the bytes after an upgrade request to whoever detaches (test_detach)",
      genTest(async () => {
        let detached: IOStream | null = null;
        const served = await serve(
          ({ conn }) => {
            detached = conn.detach();
          },
          {},
          true,
        );
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\nframe-1");
        await waitFor(() => detached !== null);
        const stream = fixtures.current.track(detached!);
        expect((await stream.readBytes(7)).toString()).to.equal("frame-1");
        await stream.write("HTTP/1.1 101 Switching Protocols\r\n\r\nhello");
        await client.until("hello");
        await waitFor(() => served.closed() === 1);
        await stopServing(served);
        expect(served.requests[0]!.events).to.deep.equal(["headers"]);
      }),
    );
  });
});
