/**
 * Tests of `HTTP1Connection` (client side) around the edges of a message: `detach`
 * handing back the bytes read past it (`IOStream.unread`), a peer close noticed while a
 * delegate's promise holds the reading back (flow control), 1xx responses passed to
 * `onInformational`, and the per-read `decompress` and `transientChunks` options.
 */
import { expect } from "chai";
import * as zlib from "node:zlib";
import {
  HTTPHeaders,
  HTTPInputError,
  RequestStartLine,
  type ResponseStartLine,
} from "../src/httputil";
import { RuntimeError } from "../src/util";
import { IOStream } from "../src/iostream";
import { Future } from "../src/concurrent";
import { sleep } from "../src/gen";
import { genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import { Recorder, useHttp1Client } from "./helpers/http1_client";
import { patterned } from "./helpers/http_apps";

/** A Recorder whose `dataReceived` returns `hold` (a promise the test settles). */
class HoldingRecorder extends Recorder {
  hold = new Future<void>();
  override dataReceived(chunk: Buffer): Promise<void> {
    super.dataReceived(chunk);
    return this.hold;
  }
}

/** A Recorder that also keeps each chunk itself, not only a copy (against transientChunks). */
class KeepingRecorder extends Recorder {
  readonly kept: Buffer[] = [];
  override dataReceived(chunk: Buffer): void {
    this.kept.push(chunk);
    super.dataReceived(chunk);
  }
}

describe("HTTP1ConnectionTest", () => {
  setupAsyncTest();
  const { fixtures, raw, answer, get, until } = useHttp1Client();

  const UPGRADE = {
    Upgrade: "websocket",
    Connection: "Upgrade",
  };

  describe("detach", () => {
    it(
      "hands the bytes after a 101 back to the stream (test_detach)",
      genTest(async () => {
        const { conn, socket } = await raw(
          answer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\nEXTRA-BYTES"),
        );
        await get(conn, "GET", UPGRADE);
        let detached: IOStream | null = null;
        const rec = new Recorder();
        rec.headersReceived = function (this: Recorder, line, headers) {
          Recorder.prototype.headersReceived.call(this, line, headers);
          detached = conn.detach();
          // Read at once, inside headersReceived: the bytes must already be back.
          void detached.readBytes(5).then((first) => this.chunks.push(first));
        };
        expect(await conn.readResponse(rec)).to.equal(false);
        expect(rec.events).to.deep.equal(["headers"]);
        expect((rec.startLine as ResponseStartLine).code).to.equal(101);
        const stream = detached!;
        expect(stream.closed()).to.equal(false);
        await until(() => rec.chunks.length === 1);
        expect(rec.chunks[0]!.toString()).to.equal("EXTRA");
        expect((await stream.readBytes(6)).toString()).to.equal("-BYTES");
        (await socket).write("after");
        expect((await stream.readBytes(5)).toString()).to.equal("after");
        expect(conn.stream).to.equal(null);
      }),
    );

    it(
      "refuses a 101 to a request that asked for no upgrade (RFC 9110 §15.2.2)",
      genTest(async () => {
        const { conn } = await raw(answer("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
        await get(conn);
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
      }),
    );

    it(
      "hands back bytes that came after a complete response",
      genTest(async () => {
        const { conn } = await raw(answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokJUNK"));
        await get(conn);
        expect(await conn.readResponse(new Recorder())).to.equal(true);
        await until(() => conn.bufferedBytes === 4);
        const stream = conn.detach();
        expect(conn.bufferedBytes).to.equal(0);
        expect((await stream.readBytes(4)).toString()).to.equal("JUNK");
        expect(() => conn.detach()).to.throw(RuntimeError, "detached");
      }),
    );

    it(
      "unread() puts bytes before what the stream holds, and refuses during a read",
      genTest(async () => {
        const [server, client] = await fixtures.current.pair();
        await server.write("world");
        await until(() => client.bufferedBytes === 5);
        client.unread(Buffer.from("hello "));
        expect((await client.readBytes(11)).toString()).to.equal("hello world");
        const pending = client.readBytes(1);
        expect(() => client.unread(Buffer.from("x"))).to.throw(RuntimeError, "pending");
        await server.write("!");
        expect((await pending).toString()).to.equal("!");
      }),
    );
  });

  describe("a close while the delegate holds the read", () => {
    it(
      "fails at once with the parser's error when the close cut the body short",
      genTest({ timeout: 2 }, async () => {
        const { conn, stream } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", true),
        );
        await get(conn);
        // The delegate never lets go: only the close can end the read.
        const rec = new HoldingRecorder();
        const error = await rejection(conn.readResponse(rec));
        expect(error).to.be.instanceOf(HTTPInputError);
        expect(error.message).to.equal("Connection closed after 3 of 10 body bytes");
        expect(rec.events).to.deep.equal(["headers", "data", "close"]);
        expect(stream.closed()).to.equal(true);
        rec.hold.setResult(undefined);
      }),
    );

    it(
      "fails at once when headersReceived holds and the head came alone",
      genTest({ timeout: 2 }, async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", true),
        );
        await get(conn);
        const hold = new Future<void>();
        const rec = new Recorder();
        rec.headersReceived = function (this: Recorder, line, headers) {
          Recorder.prototype.headersReceived.call(this, line, headers);
          return hold;
        };
        const error = await rejection(conn.readResponse(rec));
        expect(error.message).to.equal("Connection closed before the last chunk of a chunked body");
        // The pieces parsed ahead never reach a delegate that has been told of the close.
        expect(rec.events).to.deep.equal(["headers", "close"]);
        hold.setResult(undefined);
      }),
    );

    it(
      "still delivers, in order, a message that arrived whole before the close",
      genTest(async () => {
        const { conn, stream, socket } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nabc"),
        );
        await get(conn);
        const rec = new HoldingRecorder();
        const reading = conn.readResponse(rec);
        await until(() => rec.events.length === 2);
        (await socket).end("def");
        await until(() => stream.closed());
        await sleep(0.01);
        expect(rec.events).to.deep.equal(["headers", "data"]);
        rec.hold.setResult(undefined);
        expect(await reading).to.equal(false);
        expect(rec.body).to.equal("abcdef");
        expect(rec.events).to.deep.equal(["headers", "data", "data", "finish"]);
      }),
    );

    it(
      "leaves no close listener behind on the socket",
      genTest(async () => {
        const { conn, stream } = await raw(
          answer(["HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab", "cd"]),
        );
        await get(conn);
        const before = stream.socket.listenerCount("close");
        const rec = new Recorder();
        rec.dataReceived = function (this: Recorder, chunk) {
          Recorder.prototype.dataReceived.call(this, chunk);
          return sleep(0.001);
        };
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.body).to.equal("abcd");
        expect(stream.socket.listenerCount("close")).to.equal(before);
      }),
    );
  });

  describe("read options", () => {
    it(
      "passes 1xx interim responses to onInformational (RFC 9110 §15.2)",
      genTest(async () => {
        const { conn } = await raw(
          answer(
            "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" +
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
          ),
        );
        await get(conn);
        const seen: string[] = [];
        const rec = new Recorder();
        const reusable = await conn.readResponse(rec, {
          onInformational: (line: ResponseStartLine, headers: HTTPHeaders) =>
            seen.push(`${line.code} ${headers.get("Link") ?? ""}`),
        });
        expect(reusable).to.equal(true);
        expect(seen).to.deep.equal(["100 ", "103 </a>"]);
        expect(rec.body).to.equal("ok");
      }),
    );

    it(
      "decompresses for one read when asked, whatever the parameters say",
      genTest(async () => {
        const body = zlib.gzipSync(Buffer.from("squeezed"));
        const response = Buffer.concat([
          Buffer.from(
            `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`,
          ),
          body,
        ]);
        const { conn } = await raw(answer(response));
        for (const decompress of [true, false]) {
          await conn.writeHeaders(
            new RequestStartLine("GET", "/", "HTTP/1.1"),
            new HTTPHeaders({ Host: "h" }),
          );
          conn.finish();
          const rec = new Recorder();
          expect(await conn.readResponse(rec, { decompress })).to.equal(true);
          if (decompress) {
            expect(rec.body).to.equal("squeezed");
            expect(rec.headers!.get("X-Consumed-Content-Encoding")).to.equal("gzip");
          } else {
            expect(Buffer.concat(rec.chunks).equals(body)).to.equal(true);
          }
        }
      }),
    );

    it(
      "hands the body on in pieces of at most chunkSize, whatever the socket reads bring",
      genTest(async () => {
        const body = patterned(1024 * 1024);
        const { conn } = await raw(
          answer([`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`, body]),
          { chunkSize: 10_000 },
        );
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(Buffer.concat(rec.chunks).equals(body)).to.equal(true);
        expect(Math.max(...rec.chunks.map((c) => c.length))).to.equal(10_000);
      }),
    );

    it(
      "with transientChunks, reuses read memory but never bytes still buffered after the body",
      genTest(async () => {
        // Two responses in one write: the read that ends the first body also holds the
        // head of the second, which must survive until the second readResponse.
        const first = patterned(2 * 1024 * 1024);
        const second = patterned(300 * 1024).reverse();
        const head = (n: number): string => `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\n\r\n`;
        const both = Buffer.concat([
          Buffer.from(head(first.length)),
          first,
          Buffer.from(head(second.length)),
          second,
        ]);
        const { conn } = await raw((socket, count) => {
          if (count === 1) socket.write(both);
        });
        await get(conn);
        const rec = new KeepingRecorder();
        expect(await conn.readResponse(rec, { transientChunks: true })).to.equal(true);
        expect(Buffer.concat(rec.chunks).equals(first)).to.equal(true);
        // The memory was reused: a chunk kept past its call no longer holds its bytes.
        expect(rec.kept.some((chunk, i) => !chunk.equals(rec.chunks[i]!))).to.equal(true);
        // Let the socket read on (into reused memory, if the read were wrongly given back).
        await sleep(0.05);
        await get(conn);
        const next = new Recorder();
        expect(await conn.readResponse(next)).to.equal(true);
        expect(Buffer.concat(next.chunks).equals(second)).to.equal(true);
      }),
    );
  });
});
