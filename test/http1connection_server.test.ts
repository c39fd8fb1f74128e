/**
 * Tests of the server side of `HTTP1Connection` and of `HTTP1ServerConnection`, over
 * real sockets on 127.0.0.1: a net.Server whose connections are served by
 * `HTTP1ServerConnection`, driven by node:http's client (keep-alive agent) for the
 * ordinary paths and by raw sockets writing exact bytes for the rest. Named after
 * Tornado's `HTTPServerTest`, `HTTPServerRawTest`, `KeepAliveTest` and friends where they
 * have a counterpart. Response framing errors and the connection's life are in
 * `http1connection_server_life.test.ts`.
 */
import { expect } from "chai";
import * as zlib from "node:zlib";
import { HTTPHeaders, ResponseStartLine } from "../src/httputil";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest, type ExpectLogOptions } from "../src/testing";
import { echo, respond, useHttp1Server } from "./helpers/http1_server";

const INFO: ExpectLogOptions = { level: "info" };

describe("HTTP1ServerConnectionTest", () => {
  setupAsyncTest();
  const { serve, fetch, keepAliveAgent, raw, waitFor, stopServing } = useHttp1Server();

  describe("through node:http's client", () => {
    it(
      "serves several requests on one kept-alive connection (KeepAliveTest)",
      genTest(async () => {
        const served = await serve();
        const agent = keepAliveAgent();
        for (const path of ["/a", "/b", "/c"]) {
          const res = await fetch(served.port, { path, agent });
          expect(res.status).to.equal(200);
          expect(res.body).to.equal(`GET ${path} `);
          expect(res.headers["content-length"]).to.equal(String(res.body.length));
        }
        expect(served.accepted()).to.equal(1);
        expect(served.requests.map((r) => r.events)).to.deep.equal([
          ["headers", "finish"],
          ["headers", "finish"],
          ["headers", "finish"],
        ]);
      }),
    );

    it(
      "reads a POST body by Content-Length (test_post)",
      genTest(async () => {
        const served = await serve();
        const res = await fetch(served.port, {
          method: "POST",
          path: "/up",
          agent: keepAliveAgent(),
          headers: { "Content-Length": "11" },
          body: "hello world",
        });
        expect(res.body).to.equal("POST /up hello world");
      }),
    );

    it(
      "hands a large request body on in pieces of at most chunkSize",
      genTest(async () => {
        const body = "0123456789abcdef".repeat(65536); // 1 MiB
        const served = await serve((req) => respond(req.conn, 200, String(req.body.length)), {
          chunkSize: 10_000,
        });
        const res = await fetch(served.port, {
          method: "POST",
          path: "/up",
          agent: keepAliveAgent(),
          headers: { "Content-Length": String(body.length) },
          body,
        });
        expect(res.body).to.equal(String(body.length));
        const [req] = served.requests;
        expect(req!.body.toString()).to.equal(body);
        // Each "data" event is one piece; 1 MiB in pieces of at most 10,000 bytes.
        const pieces = req!.events.filter((e) => e === "data").length;
        expect(pieces).to.be.at.least(Math.ceil(body.length / 10_000));
      }),
    );

    it(
      "reads a chunked upload (test_chunked_request_body)",
      genTest(async () => {
        const served = await serve();
        const agent = keepAliveAgent();
        const res = await fetch(served.port, {
          method: "PUT",
          agent,
          body: ["one ", "two ", "three"],
        });
        expect(res.body).to.equal("PUT / one two three");
        expect(served.requests[0]!.headers.get("Transfer-Encoding")).to.equal("chunked");
        // And the connection carries the next request.
        expect((await fetch(served.port, { agent })).body).to.equal("GET / ");
        expect(served.accepted()).to.equal(1);
      }),
    );

    it(
      "sends a response without Content-Length chunked to HTTP/1.1 (test_chunked_response)",
      genTest(async () => {
        const served = await serve(async ({ conn }) => {
          const line = new ResponseStartLine("HTTP/1.1", 200, "OK");
          await conn.writeHeaders(line, new HTTPHeaders(), Buffer.from("ab"));
          await conn.write(Buffer.from("cd"));
          conn.finish();
        });
        const agent = keepAliveAgent();
        const res = await fetch(served.port, { agent });
        expect(res.headers["transfer-encoding"]).to.equal("chunked");
        expect(res.body).to.equal("abcd");
        expect((await fetch(served.port, { agent })).body).to.equal("abcd");
        expect(served.accepted()).to.equal(1);
      }),
    );

    it(
      "answers HEAD without a body and keeps the connection (test_head)",
      genTest(async () => {
        const served = await serve((req) => {
          if (req.startLine.method !== "HEAD") return echo(req);
          const headers = new HTTPHeaders({ "Content-Length": "42" });
          req.conn
            .writeHeaders(new ResponseStartLine("HTTP/1.1", 200, "OK"), headers)
            .catch(() => {});
          req.conn.finish();
        });
        const agent = keepAliveAgent();
        const head = await fetch(served.port, { method: "HEAD", agent });
        expect(head.status).to.equal(200);
        expect(head.headers["content-length"]).to.equal("42");
        expect(head.body).to.equal("");
        expect((await fetch(served.port, { agent, path: "/next" })).body).to.equal("GET /next ");
        expect(served.accepted()).to.equal(1);
      }),
    );

    it(
      "sends 100 Continue before reading a held-back body (test_100_continue)",
      genTest(async () => {
        const served = await serve();
        const res = await fetch(served.port, {
          method: "POST",
          agent: keepAliveAgent(),
          headers: { Expect: "100-continue", "Content-Length": "4" },
          body: "data",
          expectContinue: true,
        });
        expect(res.body).to.equal("POST / data");
      }),
    );

    it(
      "decodes a gzip request body under decompress (test_gzip_request, decompress_request)",
      genTest(async () => {
        const served = await serve(echo, { decompress: true });
        const res = await fetch(served.port, {
          method: "POST",
          agent: keepAliveAgent(),
          headers: { "Content-Encoding": "gzip" },
          body: zlib.gzipSync("squeezed"),
        });
        expect(res.body).to.equal("POST / squeezed");
        expect(served.requests[0]!.headers.get("X-Consumed-Content-Encoding")).to.equal("gzip");
      }),
    );

    it(
      "closes after a request with Connection: close (test_request_close)",
      genTest(async () => {
        const served = await serve();
        const res = await fetch(served.port, { headers: { Connection: "close" } });
        expect(res.headers.connection).to.equal("close");
        await waitFor(() => served.closed() === 1);
        await stopServing(served);
      }),
    );
  });

  describe("through raw sockets", () => {
    it(
      "answers pipelined requests in order, byte for byte (test_pipelined_requests)",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write(
          "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" +
            "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" +
            "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        await client.until("HTTP/1.1 200 OK", 3);
        await client.until("GET /3 ");
        expect(client.received()).to.equal(
          "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nGET /1 " +
            "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nPOST /2 abc" +
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nGET /3 ",
        );
        expect(served.accepted()).to.equal(1);
      }),
    );

    it(
      "answers a malformed request with 400 and closes (test_malformed_first_line)",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        await new ExpectLog(genLog, /Malformed HTTP message from 127\.0\.0\.1:\d+: /, INFO).run(
          async () => {
            client.socket.write("GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n");
            await client.ended;
          },
        );
        expect(client.received()).to.equal("HTTP/1.1 400 Bad Request\r\n\r\n");
        expect(served.requests[0]!.events).to.deep.equal([]);
        await waitFor(() => served.closed() === 1);
        await stopServing(served);
      }),
    );

    it(
      "answers a head over maxHeaderSize with 400 and closes (test_large_headers)",
      genTest(async () => {
        const served = await serve(echo, { maxHeaderSize: 1024 });
        const client = await raw(served.port);
        await new ExpectLog(genLog, /Malformed HTTP message.*Header section too large/, INFO).run(
          async () => {
            client.socket.write(`GET / HTTP/1.1\r\nX-Big: ${"x".repeat(2000)}\r\n\r\n`);
            await client.ended;
          },
        );
        expect(client.received()).to.equal("HTTP/1.1 400 Bad Request\r\n\r\n");
      }),
    );

    it(
      "refuses a body over maxBodySize with 400 (test_large_body_restricted_content_length)",
      genTest(async () => {
        const served = await serve(echo, { maxBodySize: 10 });
        const client = await raw(served.port);
        await new ExpectLog(genLog, /Malformed HTTP message.*Content-Length too long/, INFO).run(
          async () => {
            client.socket.write("POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world");
            await client.ended;
          },
        );
        expect(client.received()).to.equal("HTTP/1.1 400 Bad Request\r\n\r\n");
        expect(served.requests[0]!.events).to.deep.equal(["headers", "close"]);
      }),
    );

    it(
      "delimits an HTTP/1.0 response without Content-Length by the close (test_http10)",
      genTest(async () => {
        const served = await serve(async ({ conn }) => {
          const line = new ResponseStartLine("HTTP/1.1", 200, "OK");
          await conn.writeHeaders(line, new HTTPHeaders(), Buffer.from("to the end"));
          conn.finish();
        });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal("HTTP/1.1 200 OK\r\n\r\nto the end");
      }),
    );

    it(
      "keeps HTTP/1.0 alive only with keep-alive and Content-Length (test_http10_keepalive)",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write("GET /1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
        await client.until("GET /1 ");
        client.socket.write("GET /2 HTTP/1.0\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal(
          "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: Keep-Alive\r\n\r\nGET /1 " +
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\nGET /2 ",
        );
        expect(served.accepted()).to.equal(1);
      }),
    );

    it(
      "closes after a response with Connection: close (RFC 9112 §9.6)",
      genTest(async () => {
        const served = await serve((req) =>
          respond(req.conn, 200, "bye", { headers: { Connection: "close" } }),
        );
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\nGET /never HTTP/1.1\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal(
          "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbye",
        );
        expect(served.requests).to.have.length(1);
      }),
    );

    it(
      "says Connection: close under noKeepAlive, and closes",
      genTest(async () => {
        const served = await serve(echo, { noKeepAlive: true });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal(
          "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nGET / ",
        );
      }),
    );

    it(
      "writes exactly Tornado's 100 (Continue) line, then reads the body",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        await client.until("\r\n\r\n");
        expect(client.received()).to.equal("HTTP/1.1 100 (Continue)\r\n\r\n");
        client.socket.write("ok");
        await client.until("PUT / ok");
        expect(client.received()).to.equal(
          "HTTP/1.1 100 (Continue)\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nPUT / ok",
        );
      }),
    );

    it(
      "ignores Expect: 100-continue in an HTTP/1.0 request (RFC 9110 §10.1.1)",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write(
          "PUT / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
        );
        await client.ended;
        expect(client.received()).to.equal("HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nPUT / ok");
      }),
    );

    it(
      "reads by chunks a request with Transfer-Encoding and Content-Length, then closes (RFC 9112 §6.1)",
      genTest(async () => {
        const served = await serve();
        const client = await raw(served.port);
        client.socket.write(
          "POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n" +
            "2\r\nab\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n",
        );
        await client.ended;
        expect(client.received()).to.equal(
          "HTTP/1.1 200 OK\r\nContent-Length: 9\r\nConnection: close\r\n\r\nPOST / ab",
        );
        expect(served.requests).to.have.length(1);
      }),
    );

    it(
      "sends no 100 Continue when the response is already finished, and closes",
      genTest(async () => {
        const served = await serve((req) => respond(req.conn, 413, ""), {}, true);
        const client = await raw(served.port);
        client.socket.write("PUT / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal(
          "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n",
        );
        // As in Tornado: the delegate that answered early hears onConnectionClose.
        await waitFor(() => served.requests[0]!.events.includes("close"));
        expect(served.requests[0]!.events).to.deep.equal(["headers", "close"]);
      }),
    );

    it(
      "closes an idle connection after headerTimeout (test_idle_after_use)",
      genTest(async () => {
        const served = await serve(echo, { headerTimeout: 0.05 });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await client.ended;
        expect(client.received()).to.equal("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nGET / ");
        expect(served.closed()).to.equal(1);
      }),
    );

    it(
      "closes a connection whose body stalls past bodyTimeout (test_body_timeout)",
      genTest(async () => {
        const served = await serve(echo, { bodyTimeout: 0.05 });
        const client = await raw(served.port);
        await new ExpectLog(genLog, /Timeout reading body from 127\.0\.0\.1/, INFO).run(
          async () => {
            client.socket.write("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
            await client.ended;
          },
        );
        expect(client.received()).to.equal("");
        expect(served.requests[0]!.events).to.deep.equal(["headers", "data", "close"]);
      }),
    );

    it(
      "writes interim 1xx responses before the final one (RFC 9110 §15.2)",
      genTest(async () => {
        const served = await serve(async ({ conn }) => {
          const hints = new HTTPHeaders({ Link: "</style.css>; rel=preload" });
          await conn.writeHeaders(new ResponseStartLine("HTTP/1.1", 103, "Early Hints"), hints);
          respond(conn, 200, "done");
        });
        const client = await raw(served.port);
        client.socket.write("GET / HTTP/1.1\r\n\r\n");
        await client.until("done");
        expect(client.received()).to.equal(
          "HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n" +
            "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone",
        );
      }),
    );
  });
});
