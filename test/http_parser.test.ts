/**
 * Tests of `HTTP1Parser`, the sans-I/O HTTP/1.1 parser, without sockets: keep-alive
 * verdicts and pipelining, and the controls a connection drives it with (pause, resume,
 * takeRemaining, failure). Framing, heads and chunked bodies have files of their own
 * (`http_parser_*.test.ts`).
 * Every case is fed whole, split at every byte boundary, and byte by byte, and must give
 * the same transcript each way; tests name the RFC 9112 (or 9110) section whose rule
 * decides the case.
 */
import { expect } from "chai";
import { HTTP1Parser, HTTPInputError } from "../src/httputil";
import { RuntimeError } from "../src/util";
import { OK, parseEveryWay } from "./helpers/http_parser";

describe("HTTP1ParserKeepAliveTest", () => {
  const keepAlive = (text: string): unknown => parseEveryWay(text).events.at(-1);

  it("keeps HTTP/1.1 alive unless Connection: close (RFC 9112 §9.3)", () => {
    expect(keepAlive(`${OK}Content-Length: 0\r\n\r\n`)).to.deep.equal(["end", null, true]);
    expect(keepAlive(`${OK}Connection: close\r\nContent-Length: 0\r\n\r\n`)).to.deep.equal([
      "end",
      null,
      false,
    ]);
    expect(keepAlive(`${OK}Connection: Upgrade, CLOSE\r\nContent-Length: 0\r\n\r\n`)).to.deep.equal(
      ["end", null, false],
    );
  });

  it("keeps HTTP/1.0 alive only with Connection: keep-alive (RFC 9112 §9.3)", () => {
    expect(keepAlive("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).to.deep.equal([
      "end",
      null,
      false,
    ]);
    expect(
      keepAlive("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n"),
    ).to.deep.equal(["end", null, true]);
  });

  it("refuses to read another message after one that ends the connection", () => {
    const parser = new HTTP1Parser({ onHeaders() {}, onData() {}, onComplete() {} });
    parser.readResponse();
    parser.feed(
      Buffer.from(`${OK}Connection: close\r\nContent-Length: 0\r\n\r\nHTTP/1.1 200 OK\r\n`),
    );
    expect(parser.state).to.equal("closed");
    expect(() => parser.readResponse()).to.throw(RuntimeError, /connection is closed/);
    expect(parser.takeRemaining().toString()).to.equal("HTTP/1.1 200 OK\r\n");
  });

  it("keeps bytes after a complete response for the next readResponse (pipelining)", () => {
    const messages: string[] = [];
    const parser = new HTTP1Parser({
      onHeaders: (head) => messages.push(String(head.startLine)),
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    parser.feed(
      Buffer.from(
        `${OK}Content-Length: 0\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n`,
      ),
    );
    expect(messages).to.deep.equal(["HTTP/1.1 200 OK"]);
    expect(parser.bufferedBytes).to.equal(43);
    expect(parser.state).to.equal("idle");
    parser.readResponse();
    expect(messages).to.deep.equal(["HTTP/1.1 200 OK", "HTTP/1.1 201 Created"]);
    expect(parser.bufferedBytes).to.equal(0);
  });
});

describe("HTTP1ParserControlTest", () => {
  it("stops after pause() until resume(), keeping fed bytes", () => {
    const events: string[] = [];
    const parser: HTTP1Parser = new HTTP1Parser({
      onHeaders: () => {
        events.push("head");
        parser.pause();
      },
      onData: (chunk) => events.push(`data ${chunk.toString()}`),
      onComplete: () => events.push("end"),
    });
    parser.readResponse();
    parser.feed(Buffer.from(`${OK}Content-Length: 6\r\n\r\nabc`));
    parser.feed(Buffer.from("def"));
    expect(events).to.deep.equal(["head"]);
    expect(parser.paused).to.equal(true);
    expect(parser.bufferedBytes).to.equal(6);
    parser.resume();
    expect(events).to.deep.equal(["head", "data abc", "data def", "end"]);
  });

  it("delivers a bodiless message's end only after resume()", () => {
    const events: string[] = [];
    const parser: HTTP1Parser = new HTTP1Parser({
      onHeaders: () => parser.pause(),
      onData: () => {},
      onComplete: () => events.push("end"),
    });
    parser.readResponse();
    parser.feed(Buffer.from(`${OK}Content-Length: 0\r\n\r\n`));
    parser.feedEof();
    expect(events).to.deep.equal([]);
    parser.resume();
    expect(events).to.deep.equal(["end"]);
    expect(parser.state).to.equal("closed");
  });

  it("hands body bytes over as views of the fed Buffers, without copying", () => {
    const fed = Buffer.from(`${OK}Content-Length: 5\r\n\r\nhello`);
    const chunks: Buffer[] = [];
    const parser = new HTTP1Parser({
      onHeaders() {},
      onData: (c) => chunks.push(c),
      onComplete() {},
    });
    parser.readResponse();
    parser.feed(fed);
    expect(chunks).to.have.length(1);
    expect(chunks[0]!.buffer).to.equal(fed.buffer);
    expect(chunks[0]!.byteOffset).to.equal(fed.byteOffset + fed.length - 5);
  });

  it("hands a run of body bytes over in pieces of at most maxChunk, for every framing", () => {
    const bodies = {
      length: `${OK}Content-Length: 8\r\n\r\nabcdefgh`,
      chunked: `${OK}Transfer-Encoding: chunked\r\n\r\n8\r\nabcdefgh\r\n2\r\nij\r\n0\r\n\r\n`,
      close: `${OK}\r\nabcdefgh`,
    };
    for (const [framing, text] of Object.entries(bodies)) {
      const pieces: string[] = [];
      const parser = new HTTP1Parser(
        { onHeaders() {}, onData: (c) => pieces.push(c.toString()), onComplete() {} },
        { maxChunk: 3 },
      );
      parser.readResponse();
      parser.feed(Buffer.from(text));
      if (framing === "close") parser.feedEof();
      expect(pieces, framing).to.deep.equal(
        framing === "chunked" ? ["abc", "def", "gh", "ij"] : ["abc", "def", "gh"],
      );
    }
  });

  it("pauses between the pieces of one fed Buffer and goes on at resume()", () => {
    const pieces: string[] = [];
    const parser: HTTP1Parser = new HTTP1Parser(
      {
        onHeaders() {},
        onData: (chunk) => {
          pieces.push(chunk.toString());
          parser.pause();
        },
        onComplete: () => pieces.push("end"),
      },
      { maxChunk: 4 },
    );
    parser.readResponse();
    parser.feed(Buffer.from(`${OK}Content-Length: 10\r\n\r\n0123456789`));
    expect(pieces).to.deep.equal(["0123"]);
    expect(parser.bufferedBytes).to.equal(6);
    parser.resume();
    expect(pieces).to.deep.equal(["0123", "4567"]);
    parser.resume();
    expect(pieces).to.deep.equal(["0123", "4567", "89"]);
    // A pause from the last piece holds the end back too.
    parser.resume();
    expect(pieces).to.deep.equal(["0123", "4567", "89", "end"]);
  });

  it("refuses a maxChunk that is not a positive integer", () => {
    for (const maxChunk of [0, -1, 1.5, Number.NaN]) {
      expect(
        () => new HTTP1Parser({ onHeaders() {}, onData() {}, onComplete() {} }, { maxChunk }),
        String(maxChunk),
      ).to.throw(RangeError, "maxChunk must be a positive integer");
    }
  });

  it("stays failed after an error, rethrowing it", () => {
    const parser = new HTTP1Parser({ onHeaders() {}, onData() {}, onComplete() {} });
    parser.readResponse();
    let first: unknown;
    try {
      parser.feed(Buffer.from("nonsense\r\n\r\n"));
    } catch (e) {
      first = e;
    }
    expect(first).to.be.instanceOf(HTTPInputError);
    expect(parser.state).to.equal("failed");
    expect(() => parser.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\n")))
      .to.throw(HTTPInputError)
      .that.equals(first);
    expect(() => parser.readResponse()).to.throw(HTTPInputError);
  });

  it("passes a handler's exception through and stays failed", () => {
    const boom = new Error("boom");
    const parser = new HTTP1Parser({
      onHeaders: () => {
        throw boom;
      },
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    expect(() => parser.feed(Buffer.from(`${OK}Content-Length: 0\r\n\r\n`))).to.throw(boom);
    expect(parser.state).to.equal("failed");
  });

  it("waits with no expectation, then parses held bytes on readResponse", () => {
    const codes: number[] = [];
    const parser = new HTTP1Parser({
      onHeaders: (head) => codes.push((head.startLine as { code: number }).code),
      onData() {},
      onComplete() {},
    });
    parser.feed(Buffer.from(`HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n`));
    expect(codes).to.deep.equal([]);
    expect(parser.state).to.equal("idle");
    parser.readResponse();
    expect(codes).to.deep.equal([202]);
  });

  it("refuses takeRemaining from inside a handler", () => {
    let caught: unknown;
    const parser: HTTP1Parser = new HTTP1Parser({
      onHeaders: () => {
        try {
          parser.takeRemaining();
        } catch (e) {
          caught = e;
        }
      },
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    parser.feed(Buffer.from(`${OK}Content-Length: 0\r\n\r\n`));
    expect(caught).to.be.instanceOf(RuntimeError);
  });
});
