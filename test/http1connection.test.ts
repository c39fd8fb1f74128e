/**
 * Tests of `HTTP1Connection` (client side) over real sockets on 127.0.0.1: scripted raw
 * servers that read the request and write exact bytes, and node:http servers for the
 * ordinary paths. Named after Tornado's `HTTP1ConnectionTest` and the simple_httpclient
 * tests where they have a counterpart. Decompression, detaching and flow control have
 * files of their own (`http1connection_*.test.ts`), the server side too.
 */
import { expect } from "chai";
import type * as net from "node:net";
import type { Future } from "../src/concurrent";
import { HTTP1Connection, HTTP1ConnectionParameters } from "../src/http1connection";
import type { HTTP1ConnectionParametersInit } from "../src/http1connection";
import {
  HTTPHeaders,
  HTTPInputError,
  HTTPOutputError,
  RequestStartLine,
  type HTTPMessageDelegate,
} from "../src/httputil";
import { IOLoop } from "../src/ioloop";
import { IOStream, StreamClosedError } from "../src/iostream";
import { sleep } from "../src/gen";
import { genTest, setupAsyncTest } from "../src/testing";
import { rejection, thrown } from "./helpers/assertions";
import { GET, Recorder, useHttp1Client } from "./helpers/http1_client";

describe("HTTP1ConnectionTest", () => {
  setupAsyncTest();
  const { fixtures, raw, answer, get, until, nodeServer, connectTo } = useHttp1Client();

  describe("HTTP1ConnectionParameters", () => {
    it("has Tornado's defaults", () => {
      const params = new HTTP1ConnectionParameters();
      expect({ ...params }).to.deep.equal({
        noKeepAlive: false,
        chunkSize: 65536,
        maxHeaderSize: 65536,
        headerTimeout: null,
        maxBodySize: null,
        bodyTimeout: null,
        decompress: false,
      });
    });

    it("refuses sizes and timeouts that are not positive", () => {
      expect(() => new HTTP1ConnectionParameters({ chunkSize: 0 })).to.throw(RangeError);
      expect(() => new HTTP1ConnectionParameters({ maxBodySize: 1.5 })).to.throw(RangeError);
      expect(() => new HTTP1ConnectionParameters({ bodyTimeout: -1 })).to.throw(RangeError);
    });

    it(
      "limits the body to the stream's maxBufferSize by default",
      genTest(async () => {
        let accept!: (socket: net.Socket) => void;
        const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
        const { port } = await fixtures.current.listen((s) => accept(s));
        const stream = fixtures.current.track(new IOStream(undefined, { maxBufferSize: 4096 }));
        await stream.connect({ host: "127.0.0.1", port });
        const conn = new HTTP1Connection(stream, true);
        (await accepted).write("HTTP/1.1 200 OK\r\n\r\n" + "x".repeat(5000));
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
        expect(error.message).to.contain("over maxBodySize (4096");
      }),
    );
  });

  describe("writing requests", () => {
    it(
      "writes a request line and headers exactly",
      genTest(async () => {
        const { conn, received } = await raw(null);
        await get(conn, "GET", { "X-Foo": "bar" });
        await until(() => received().length > 0 && received().includes("\r\n\r\n"));
        expect(received().toString("latin1")).to.equal(
          "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Foo: bar\r\n\r\n",
        );
      }),
    );

    it(
      "writes a Content-Length body from writeHeaders and write",
      genTest(async () => {
        const { conn, received } = await raw(null);
        const headers = new HTTPHeaders({ "Content-Length": "7" });
        await conn.writeHeaders(
          new RequestStartLine("PUT", "/x", "HTTP/1.1"),
          headers,
          Buffer.from("abc"),
        );
        await conn.write(Buffer.from("defg"));
        conn.finish();
        const expected = "PUT /x HTTP/1.1\r\nContent-Length: 7\r\n\r\nabcdefg";
        await until(() => received().length >= expected.length);
        expect(received().toString("latin1")).to.equal(expected);
      }),
    );

    it(
      "sends a POST without Content-Length chunked (test_chunked_request_body)",
      genTest(async () => {
        const { conn, received } = await raw(null);
        const headers = new HTTPHeaders();
        await conn.writeHeaders(new RequestStartLine("POST", "/up", "HTTP/1.1"), headers);
        expect(headers.get("Transfer-Encoding")).to.equal("chunked");
        await conn.write(Buffer.from("hello"));
        await conn.write(Buffer.alloc(0)); // an empty write must not end the body
        await conn.write(Buffer.from("0123456789abcdefX"));
        conn.finish();
        const expected =
          "POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n" +
          "5\r\nhello\r\n11\r\n0123456789abcdefX\r\n0\r\n\r\n";
        await until(() => received().length >= expected.length);
        expect(received().toString("latin1")).to.equal(expected);
      }),
    );

    it(
      "refuses more data than Content-Length and closes",
      genTest(async () => {
        const { conn, stream } = await raw(null);
        await conn.writeHeaders(
          new RequestStartLine("POST", "/", "HTTP/1.1"),
          new HTTPHeaders({ "Content-Length": "3" }),
        );
        const error = thrown(() => conn.write(Buffer.from("abcd")));
        expect(error).to.be.instanceOf(HTTPOutputError);
        expect(error.message).to.equal("Tried to write more data than Content-Length");
        expect(stream.closed()).to.equal(true);
      }),
    );

    it(
      "refuses to finish short of Content-Length and closes",
      genTest(async () => {
        const { conn, stream } = await raw(null);
        await conn.writeHeaders(
          new RequestStartLine("POST", "/", "HTTP/1.1"),
          new HTTPHeaders({ "Content-Length": "5" }),
          Buffer.from("abc"),
        );
        const error = thrown(() => conn.finish());
        expect(error).to.be.instanceOf(HTTPOutputError);
        expect(error.message).to.equal("Tried to write 2 bytes less than Content-Length");
        expect(stream.closed()).to.equal(true);
      }),
    );

    const badHeads: [string, RequestStartLine, Record<string, string>][] = [
      ["CR in the method", new RequestStartLine("GE\rT", "/", "HTTP/1.1"), {}],
      ["a space in the target", new RequestStartLine("GET", "/a b", "HTTP/1.1"), {}],
      ["LF in the target", new RequestStartLine("GET", "/a\nX: y", "HTTP/1.1"), {}],
      ["NUL in the target", new RequestStartLine("GET", "/a\0", "HTTP/1.1"), {}],
    ];
    for (const [what, line, fields] of badHeads) {
      it(
        `refuses ${what} before writing a byte`,
        genTest(async () => {
          const { conn, stream } = await raw(null);
          const error = thrown(() => conn.writeHeaders(line, new HTTPHeaders(fields)));
          expect(error).to.be.instanceOf(HTTPOutputError);
          expect(stream.socket.bytesWritten).to.equal(0);
          expect(stream.closed()).to.equal(false);
        }),
      );
    }

    for (const [what, value] of [
      ["CR", "a\rb"],
      ["LF", "a\nEvil: 1"],
      ["NUL", "a\0b"],
    ]) {
      it(
        `refuses ${what} in a header value before writing a byte (test_header_crlf)`,
        genTest(async () => {
          const { conn, stream } = await raw(null);
          // The HTTPHeaders constructor does not check values; the connection must.
          const headers = new HTTPHeaders({ Host: "h", "X-Bad": value! });
          const error = thrown(() => conn.writeHeaders(GET(), headers));
          expect(error).to.be.instanceOf(HTTPOutputError);
          expect(error.message).to.contain("X-Bad");
          expect(stream.socket.bytesWritten).to.equal(0);
        }),
      );
    }

    it(
      "refuses an invalid header name before writing a byte",
      genTest(async () => {
        const { conn, stream } = await raw(null);
        const headers = new HTTPHeaders({ "Bad\r\nName": "v" });
        const error = thrown(() => conn.writeHeaders(GET(), headers));
        expect(error).to.be.instanceOf(HTTPOutputError);
        expect(stream.socket.bytesWritten).to.equal(0);
      }),
    );

    it(
      "refuses a body on a GET that declared no framing",
      genTest(async () => {
        const { conn } = await raw(null);
        await conn.writeHeaders(GET(), new HTTPHeaders());
        expect(thrown(() => conn.write(Buffer.from("x")))).to.be.instanceOf(HTTPOutputError);
      }),
    );
  });

  describe("reading responses", () => {
    it(
      "reads a Content-Length response from node:http and keeps the connection",
      genTest(async () => {
        const port = await nodeServer((_req, res) => {
          res.setHeader("Content-Length", "11");
          res.end("hello world");
        });
        const conn = await connectTo(port);
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.startLine!.code).to.equal(200);
        expect(rec.body).to.equal("hello world");
        expect(rec.events.at(-1)).to.equal("finish");
        expect(rec.events).to.not.include("close");
        // The same connection carries a second request.
        await get(conn);
        const again = new Recorder();
        expect(await conn.readResponse(again)).to.equal(true);
        expect(again.body).to.equal("hello world");
      }),
    );

    it(
      "_readResponseTo tells its listener once, as readResponse's Future would settle",
      genTest(async () => {
        /** A listener that records its calls; `ended` resolves at the first. */
        const listen = () => {
          const calls: [string, unknown][] = [];
          let heard!: () => void;
          const ended = new Promise<void>((resolve) => (heard = resolve));
          const listener = {
            responseRead: (reusable: boolean) => void (calls.push(["read", reusable]), heard()),
            responseFailed: (error: unknown) => void (calls.push(["failed", error]), heard()),
          };
          return { calls, ended, listener };
        };
        const good = await raw(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        await get(good.conn);
        const rec = new Recorder();
        const first = listen();
        good.conn._readResponseTo(rec, {}, first.listener);
        await first.ended;
        await sleep(0.01);
        expect(first.calls).to.deep.equal([["read", true]]);
        expect(rec.body).to.equal("ok");
        expect(rec.events.at(-1)).to.equal("finish");

        const bad = await raw(answer("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n"));
        await get(bad.conn);
        const second = listen();
        bad.conn._readResponseTo(new Recorder(), {}, second.listener);
        await second.ended;
        await sleep(0.01);
        expect(second.calls).to.have.length(1);
        expect(second.calls[0]![0]).to.equal("failed");
        expect(second.calls[0]![1]).to.be.instanceOf(HTTPInputError);
        expect(bad.stream.closed()).to.equal(true);
      }),
    );

    it(
      "reads a chunked response from node:http (test_chunked)",
      genTest(async () => {
        const port = await nodeServer((_req, res) => {
          res.write("asdf");
          setTimeout(() => res.end("qwer"), 5);
        });
        const conn = await connectTo(port);
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.headers!.get("Transfer-Encoding")).to.equal("chunked");
        expect(rec.body).to.equal("asdfqwer");
      }),
    );

    it(
      "reads chunk extensions and trailers from a raw server",
      genTest(async () => {
        const { conn } = await raw(
          answer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
              "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-Sum: 5\r\n\r\n",
          ),
        );
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.body).to.equal("abcde");
      }),
    );

    it(
      "reads a body delimited by the close, streamed in pieces",
      genTest(async () => {
        let server!: net.Socket;
        const { conn, stream } = await raw((s) => {
          server = s;
          s.write("HTTP/1.1 200 OK\r\n\r\nfirst");
        });
        await get(conn);
        const rec = new Recorder();
        const result = conn.readResponse(rec);
        await until(() => rec.chunks.length > 0);
        expect(rec.body).to.equal("first");
        server.end("second");
        expect(await result).to.equal(false);
        expect(rec.body).to.equal("firstsecond");
        expect(rec.events.at(-1)).to.equal("finish");
        expect(stream.closed()).to.equal(true);
      }),
    );

    it(
      "reads no body for HEAD even with Content-Length (test_head_request)",
      genTest(async () => {
        const { conn } = await raw(answer("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"));
        await get(conn, "HEAD");
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.headers!.get("Content-Length")).to.equal("42");
        expect(rec.chunks).to.have.length(0);
        expect(rec.events).to.deep.equal(["headers", "finish"]);
      }),
    );

    for (const head of [
      "HTTP/1.1 204 No Content\r\n\r\n",
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n",
    ]) {
      it(
        `reads no body for ${head.slice(9, 12)} (test_204_no_content, test_304_with_content_length)`,
        genTest(async () => {
          const { conn } = await raw(answer(head));
          await get(conn);
          const rec = new Recorder();
          expect(await conn.readResponse(rec)).to.equal(true);
          expect(rec.events).to.deep.equal(["headers", "finish"]);
        }),
      );
    }

    it(
      "skips 1xx interim responses before the final one (test_100_continue)",
      genTest(async () => {
        const { conn } = await raw(
          answer([
            "HTTP/1.1 100 Continue\r\n\r\n",
            "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
          ]),
        );
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.startLine!.code).to.equal(200);
        expect(rec.body).to.equal("ok");
        expect(rec.events.filter((e) => e === "headers")).to.have.length(1);
      }),
    );

    const verdicts: [
      string,
      string,
      boolean,
      Record<string, string>?,
      HTTP1ConnectionParametersInit?,
    ][] = [
      ["HTTP/1.1 by default", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", true],
      [
        "not Connection: close",
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\nx",
        false,
      ],
      ["not HTTP/1.0 by default", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", false],
      [
        "HTTP/1.0 with keep-alive",
        "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx",
        true,
      ],
      [
        "not when the request said close",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        false,
        { Connection: "close" },
      ],
      [
        "not with noKeepAlive",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
        false,
        {},
        { noKeepAlive: true },
      ],
      [
        "not with both Transfer-Encoding and Content-Length",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\n\r\n1\r\nx\r\n0\r\n\r\n",
        false,
      ],
    ];
    for (const [what, response, reusable, requestHeaders, init] of verdicts) {
      it(
        `says whether the connection may be reused: ${what}`,
        genTest(async () => {
          const { conn, stream } = await raw(answer(response), init);
          await get(conn, "GET", requestHeaders);
          const rec = new Recorder();
          expect(await conn.readResponse(rec)).to.equal(reusable);
          expect(rec.body).to.equal("x");
          expect(stream.closed()).to.equal(!reusable);
        }),
      );
    }

    it(
      "keeps bytes after a response for the next readResponse (two responses in one write)",
      genTest(async () => {
        const { conn } = await raw((s, count) => {
          if (count === 1) {
            s.write(
              "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none" +
                "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n",
            );
          }
        });
        await get(conn);
        const first = new Recorder();
        expect(await conn.readResponse(first)).to.equal(true);
        await get(conn);
        const second = new Recorder();
        expect(await conn.readResponse(second)).to.equal(true);
        expect([first.startLine!.code, first.body]).to.deep.equal([200, "one"]);
        expect([second.startLine!.code, second.body]).to.deep.equal([201, "two"]);
      }),
    );

    it(
      "waits for a promise from headersReceived and dataReceived (flow control)",
      genTest(async () => {
        const { conn } = await raw(
          answer(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n1\r\nb\r\n0\r\n\r\n",
          ),
        );
        await get(conn);
        const log: string[] = [];
        const delegate: HTTPMessageDelegate = {
          headersReceived: async () => {
            log.push("headers start");
            await sleep(0.02);
            log.push("headers end");
          },
          dataReceived: async (chunk) => {
            log.push(`data ${chunk.toString()} start`);
            await sleep(0.01);
            log.push(`data ${chunk.toString()} end`);
          },
          finish: () => log.push("finish"),
          onConnectionClose: () => log.push("close"),
        };
        expect(await conn.readResponse(delegate)).to.equal(true);
        expect(log).to.deep.equal([
          "headers start",
          "headers end",
          "data a start",
          "data a end",
          "data b start",
          "data b end",
          "finish",
        ]);
      }),
    );
  });

  describe("failures", () => {
    const malformed: [string, string][] = [
      ["a bad status line", "HTTP/1.1 abc OK\r\n\r\n"],
      [
        "a header line without a colon (test_malformed_headers)",
        "HTTP/1.1 200 OK\r\nnocolon\r\n\r\n",
      ],
      [
        "differing Content-Lengths (RFC 9112 §6.3)",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
      ],
      ["a bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"],
      [
        "a bad CRLF after chunk data (RFC 9112 §7.1)",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXY",
      ],
    ];
    for (const [what, response] of malformed) {
      it(
        `fails at once on ${what}, without waiting for a close (tornado#2984)`,
        genTest({ timeout: 2 }, async () => {
          // The server keeps the connection open: only the parser can end the read.
          const { conn, stream } = await raw(answer(response));
          await get(conn);
          const rec = new Recorder();
          const error = await rejection(conn.readResponse(rec));
          expect(error).to.be.instanceOf(HTTPInputError);
          expect(rec.events.at(-1)).to.equal("close");
          expect(stream.closed()).to.equal(true);
        }),
      );
    }

    it(
      "fails on a head over maxHeaderSize while the server keeps sending",
      genTest({ timeout: 2 }, async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\n" + "X-Long: " + "a".repeat(4000) + "\r\n"),
          { maxHeaderSize: 1024 },
        );
        await get(conn);
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
      }),
    );

    it(
      "fails a readResponse after a malformed response through its Future, not a throw",
      genTest(async () => {
        const { conn } = await raw(answer("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n"));
        await get(conn);
        const first = await rejection(conn.readResponse(new Recorder()));
        expect(first).to.be.instanceOf(HTTPInputError);
        // The parser stays failed: asking again gives the same error, as a Future.
        const rec = new Recorder();
        let again: Future<boolean> | null = null;
        expect(() => (again = conn.readResponse(rec))).to.not.throw();
        expect(await rejection(again!)).to.equal(first);
        expect(rec.events).to.deep.equal(["close"]);
      }),
    );

    it(
      "fails on a body shorter than Content-Length (never a short success)",
      genTest(async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", true),
        );
        await get(conn);
        const rec = new Recorder();
        const error = await rejection(conn.readResponse(rec));
        expect(error).to.be.instanceOf(HTTPInputError);
        expect(error.message).to.equal("Connection closed after 5 of 10 body bytes");
        expect(rec.events).to.deep.equal(["headers", "data", "close"]);
      }),
    );

    it(
      "fails on a chunked body cut before its last chunk",
      genTest(async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", true),
        );
        await get(conn);
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
      }),
    );

    it(
      "rejects with StreamClosedError when the server closes without answering",
      genTest(async () => {
        const { conn } = await raw((s) => s.end());
        await get(conn);
        const rec = new Recorder();
        const error = await rejection(conn.readResponse(rec));
        expect(error).to.be.instanceOf(StreamClosedError);
        expect(rec.events).to.deep.equal(["close"]);
      }),
    );

    it(
      "fails a close-delimited body over maxBodySize",
      genTest(async () => {
        const { conn } = await raw(answer(["HTTP/1.1 200 OK\r\n\r\n", Buffer.alloc(3000, 0x61)]), {
          maxBodySize: 2048,
        });
        await get(conn);
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
        expect(error.message).to.contain("over maxBodySize");
      }),
    );

    it(
      "applies setMaxBodySize from headersReceived to Content-Length",
      genTest(async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + "x".repeat(100)),
        );
        await get(conn);
        const rec = new Recorder();
        rec.headersReceived = function (this: Recorder, line, headers) {
          Recorder.prototype.headersReceived.call(this, line, headers);
          conn.setMaxBodySize(10);
        };
        const error = await rejection(conn.readResponse(rec));
        expect(error.message).to.contain("Content-Length too long");
      }),
    );

    it(
      "gives up on a slow head after headerTimeout (test_header_timeout)",
      genTest(async () => {
        const { conn, stream } = await raw(null, { headerTimeout: 0.05 });
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(false);
        expect(rec.events).to.deep.equal(["close"]);
        expect(stream.closed()).to.equal(true);
      }),
    );

    it(
      "leaves no deadline timer behind once a response came in time",
      genTest(async () => {
        const { conn, socket } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
          { headerTimeout: 30, bodyTimeout: 30 },
        );
        const timeouts = (): number => IOLoop.current()._pendingWork().timeouts;
        const before = timeouts();
        await get(conn);
        const rec = new Recorder();
        const reading = conn.readResponse(rec);
        // The head came; the body waits, with its deadline (only) armed.
        await until(() => rec.events.includes("headers"));
        expect(timeouts()).to.equal(before + 1);
        (await socket).write("0123456789");
        expect(await reading).to.equal(true);
        expect(rec.body).to.equal("0123456789");
        expect(timeouts()).to.equal(before);
      }),
    );

    it(
      "gives up on a slow body after bodyTimeout (test_body_timeout)",
      genTest(async () => {
        const { conn, stream } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
          { bodyTimeout: 0.05 },
        );
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(false);
        expect(rec.events).to.deep.equal(["headers", "data", "close"]);
        expect(stream.closed()).to.equal(true);
      }),
    );
  });
});
