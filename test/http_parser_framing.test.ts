/**
 * Tests of `HTTP1Parser`'s framing (RFC 9112 §6): how each message's body is delimited,
 * the body limits, and a close that cuts a message short.
 * Every case is fed whole, split at every byte boundary, and byte by byte, and must give
 * the same transcript each way; tests name the RFC 9112 (or 9110) section whose rule
 * decides the case.
 */
import { expect } from "chai";
import { HTTP1Parser } from "../src/httputil";
import { RuntimeError } from "../src/util";
import { OK, expectFailure, parseEveryWay, splits, transcribe } from "./helpers/http_parser";

describe("HTTP1ParserFramingTest", () => {
  it("reads a Content-Length body (RFC 9112 §6.3 rule 6)", () => {
    const result = parseEveryWay(`${OK}Content-Length: 5\r\nX-A: 1\r\n\r\nhello`);
    expect(result.events).to.deep.equal([
      [
        "head",
        "HTTP/1.1 200 OK",
        [
          ["Content-Length", "5"],
          ["X-A", "1"],
        ],
        "length",
        5,
        true,
      ],
      ["body", "hello"],
      ["end", null, true],
    ]);
    expect(result.state).to.equal("idle");
  });

  it("reads a chunked body with extensions and trailers (RFC 9112 §7.1, §7.1.1, §7.1.2)", () => {
    const result = parseEveryWay(
      `${OK}Transfer-Encoding: chunked\r\n\r\n` +
        `5;name=value;flag\r\nhello\r\n1A ; x="y z"\r\n${"a".repeat(26)}\r\n0;last\r\nTrail: x\r\nMore: y\r\n\r\n`,
    );
    expect(result.events).to.deep.equal([
      ["head", "HTTP/1.1 200 OK", [["Transfer-Encoding", "chunked"]], "chunked", null, true],
      ["body", `hello${"a".repeat(26)}`],
      [
        "end",
        [
          ["Trail", "x"],
          ["More", "y"],
        ],
        true,
      ],
    ]);
  });

  it("reads an empty chunked body without trailers (RFC 9112 §7.1)", () => {
    const result = parseEveryWay(`${OK}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`);
    expect(result.events.slice(1)).to.deep.equal([["end", null, true]]);
  });

  it("reads until the connection closes without either length header (RFC 9112 §6.3 rule 8)", () => {
    const result = parseEveryWay(`${OK}X: y\r\n\r\nall of this`, { eof: true });
    expect(result.events).to.deep.equal([
      ["head", "HTTP/1.1 200 OK", [["X", "y"]], "close", null, false],
      ["body", "all of this"],
      ["end", null, false],
    ]);
    expect(result.state).to.equal("closed");
  });

  it("reads no body for HEAD, whatever Content-Length says (RFC 9112 §6.3 rule 1)", () => {
    const result = parseEveryWay(
      `${OK}Content-Length: 42\r\n\r\n${OK}Content-Length: 2\r\n\r\nhi`,
      { expect: [{ requestMethod: "HEAD" }, {}] },
    );
    expect(result.events).to.deep.equal([
      ["head", "HTTP/1.1 200 OK", [["Content-Length", "42"]], "none", null, true],
      ["end", null, true],
      ["head", "HTTP/1.1 200 OK", [["Content-Length", "2"]], "length", 2, true],
      ["body", "hi"],
      ["end", null, true],
    ]);
  });

  it("reads no body for 304 and 204 (RFC 9112 §6.3 rule 1; test_304_with_content_length, test_no_content)", () => {
    const result = parseEveryWay(
      "HTTP/1.1 304 Not Modified\r\nContent-Length: 42\r\n\r\n" +
        "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n",
      { expect: [{}, {}, {}] },
    );
    expect(result.events.map((e) => (e as unknown[])[0])).to.deep.equal([
      "head",
      "end",
      "head",
      "end",
      "head",
      "end",
    ]);
    expect(
      result.events.filter((e) => (e as unknown[])[0] === "head").map((e) => (e as unknown[])[3]),
    ).to.deep.equal(["none", "none", "none"]);
  });

  it("refuses a 204 that declares a body (RFC 9110 §15.3.5; test_204_with_content_length)", () => {
    expectFailure(
      "HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
      /code 204 should not have body/,
    );
    expectFailure(
      "HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
      /code 204 should not have body/,
    );
  });

  it("reports 1xx interim responses, then reads the final one (RFC 9110 §15.2)", () => {
    const result = parseEveryWay(
      "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\n" +
        `${OK}Content-Length: 1\r\n\r\nx`,
    );
    expect(result.events).to.deep.equal([
      ["info", "HTTP/1.1 100 Continue", []],
      ["info", "HTTP/1.1 103 Early Hints", [["Link", "</a.css>; rel=preload"]]],
      ["head", "HTTP/1.1 200 OK", [["Content-Length", "1"]], "length", 1, true],
      ["body", "x"],
      ["end", null, true],
    ]);
  });

  it("refuses a 1xx response with a body (RFC 9110 §15.2)", () => {
    expectFailure(
      "HTTP/1.1 100 Continue\r\nContent-Length: 3\r\n\r\nabc",
      /code 100 should not have body/,
    );
  });

  it("accepts 101 only after an upgrade request, handing over the rest (RFC 9110 §15.2.2)", () => {
    const text =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello";
    const result = parseEveryWay(text, { expect: [{ upgradeRequested: true }] });
    expect(result.events.map((e) => (e as unknown[])[3] ?? (e as unknown[])[0])).to.deep.equal([
      "tunnel",
      "end",
    ]);
    expect(result.state).to.equal("upgraded");
    expect(result.remaining).to.equal("\x81\x05hello");
    expectFailure(text, /101 Switching Protocols received without an upgrade request/);
  });

  it("turns a 2xx response to CONNECT into a tunnel (RFC 9112 §6.3 rule 2)", () => {
    const result = parseEveryWay(`${OK}Content-Length: 100\r\n\r\n\x16\x03\x01`, {
      expect: [{ requestMethod: "CONNECT" }],
    });
    expect(result.events[0]).to.deep.include("tunnel");
    expect(result.state).to.equal("upgraded");
    expect(result.remaining).to.equal("\x16\x03\x01");
  });

  it("reads by chunks when Transfer-Encoding and Content-Length both came, then closes (RFC 9112 §6.1, §6.3 rule 3)", () => {
    const result = parseEveryWay(
      `${OK}Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    expect(result.events[0]).to.deep.include("chunked");
    expect(result.events.slice(1)).to.deep.equal([
      ["body", "hello"],
      ["end", null, false],
    ]);
    expect(result.state).to.equal("closed");
  });

  it("reads chunked HTTP/1.0, then closes: its framing is faulty (RFC 9112 §6.1)", () => {
    const result = parseEveryWay(
      "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n",
    );
    expect(result.events.slice(1)).to.deep.equal([
      ["body", "hi"],
      ["end", null, false],
    ]);
  });

  it("refuses a Transfer-Encoding other than chunked alone (RFC 9112 §6.3 rule 4, §7)", () => {
    for (const te of [
      "gzip",
      "gzip, chunked",
      "chunked, chunked",
      "identity",
      "chunked;q=1",
      "",
      "chunked, gzip",
    ]) {
      expectFailure(
        `${OK}Transfer-Encoding: ${te}\r\n\r\n0\r\n\r\n`,
        /Unsupported Transfer-Encoding/,
      );
    }
    const result = parseEveryWay(`${OK}Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n`);
    expect(result.error).to.equal(null);
  });

  it("accepts repeated equal Content-Lengths (RFC 9110 §8.6; test_multiple_content_length_accepted)", () => {
    for (const head of [
      "Content-Length: 2,2",
      "Content-Length: 2, 2",
      "Content-Length: 2\r\nContent-Length: 2",
    ]) {
      const result = parseEveryWay(`${OK}${head}\r\n\r\nok`);
      expect(result.events[1], head).to.deep.equal(["body", "ok"]);
    }
  });

  it("refuses unequal, non-digit and overflowing Content-Lengths (RFC 9112 §6.3 rule 5)", () => {
    expectFailure(`${OK}Content-Length: 2,4\r\n\r\nok`, /Multiple unequal Content-Lengths/);
    expectFailure(
      `${OK}Content-Length: 2\r\nContent-Length: 3\r\n\r\nok`,
      /Multiple unequal Content-Lengths/,
    );
    for (const bad of ["+10", "1_0", "-1", "0x10", "10 0", "1e3", ""]) {
      expectFailure(
        `${OK}Content-Length: ${bad}\r\n\r\n`,
        /Only integer Content-Length is allowed/,
      );
    }
    expectFailure(`${OK}Content-Length: 99999999999999999999\r\n\r\n`, /Content-Length too large/);
    expect(parseEveryWay(`${OK}Content-Length: 0003\r\n\r\nabc`).events[1]).to.deep.equal([
      "body",
      "abc",
    ]);
  });

  it("reads a request body by Content-Length or chunks, and none without either (RFC 9112 §6.3 rule 7)", () => {
    const result = parseEveryWay(
      "GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST /p?q=1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
        "PUT /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n",
      { expect: ["request", "request", "request"] },
    );
    expect(result.events).to.deep.equal([
      ["head", "GET / HTTP/1.1", [["Host", "a"]], "none", null, true],
      ["end", null, true],
      ["head", "POST /p?q=1 HTTP/1.1", [["Content-Length", "3"]], "length", 3, true],
      ["body", "abc"],
      ["end", null, true],
      ["head", "PUT /x HTTP/1.1", [["Transfer-Encoding", "chunked"]], "chunked", null, true],
      ["body", "z"],
      ["end", null, true],
    ]);
  });

  it("refuses a request whose final transfer coding is not chunked (RFC 9112 §6.3 rule 4)", () => {
    expectFailure(
      "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
      /Unsupported Transfer-Encoding/,
      {
        expect: ["request"],
      },
    );
  });

  it("refuses a malformed request line (RFC 9112 §3)", () => {
    expectFailure("GET /a b HTTP/1.1\r\n\r\n", /Malformed HTTP request line/, {
      expect: ["request"],
    });
  });
});

describe("HTTP1ParserLimitsTest", () => {
  it("refuses a Content-Length over maxBodySize before any body byte (test_large_body)", () => {
    const result = expectFailure(`${OK}Content-Length: 11\r\n\r\n`, /Content-Length too long/, {
      options: { maxBodySize: 10 },
    });
    expect(result.events).to.have.length(1);
  });

  it("lets onHeaders raise maxBodySize for the message (set_max_body_size)", () => {
    const parser = new HTTP1Parser(
      {
        onHeaders: () => (parser.maxBodySize = 100),
        onData: () => {},
        onComplete: () => {},
      },
      { maxBodySize: 10 },
    );
    parser.readResponse();
    expect(() =>
      parser.feed(Buffer.from(`${OK}Content-Length: 11\r\n\r\nhello world`)),
    ).to.not.throw();
  });

  it("refuses a chunked body over maxBodySize", () => {
    expectFailure(
      `${OK}Transfer-Encoding: chunked\r\n\r\n6\r\nhello!\r\n5\r\nworld\r\n0\r\n\r\n`,
      /Chunked body too large/,
      {
        options: { maxBodySize: 10 },
      },
    );
  });

  it("refuses a close-delimited body over maxBodySize instead of truncating it", () => {
    // How much arrives before the error depends on the splits, so each way is checked alone.
    const data = Buffer.from(`${OK}\r\n${"x".repeat(11)}`, "latin1");
    for (const [how, pieces] of splits(data)) {
      const result = transcribe(pieces, { options: { maxBodySize: 10 }, eof: true });
      expect(result.error, how).to.match(/Body too large/);
      const body = result.events.find((e) => (e as unknown[])[0] === "body") as
        string[] | undefined;
      expect(body?.[1].length ?? 0, how).to.be.at.most(10);
      expect(
        result.events.some((e) => (e as unknown[])[0] === "end"),
        how,
      ).to.equal(false);
    }
  });

  it("refuses non-positive limits", () => {
    const handler = { onHeaders() {}, onData() {}, onComplete() {} };
    expect(() => new HTTP1Parser(handler, { maxHeaderSize: 0 })).to.throw(
      RangeError,
      /maxHeaderSize/,
    );
    expect(() => new HTTP1Parser(handler, { maxBodySize: 1.5 })).to.throw(
      RangeError,
      /maxBodySize/,
    );
  });
});

describe("HTTP1ParserEofTest", () => {
  it("fails a body shorter than its Content-Length (RFC 9112 §8)", () => {
    expectFailure(
      `${OK}Content-Length: 10\r\n\r\nhello`,
      /Connection closed after 5 of 10 body bytes/,
      { eof: true },
    );
  });

  it("fails a chunked body cut before its last chunk (RFC 9112 §8)", () => {
    expectFailure(
      `${OK}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n`,
      /before the last chunk/,
      { eof: true },
    );
    expectFailure(
      `${OK}Transfer-Encoding: chunked\r\n\r\n0\r\nX: y\r\n`,
      /in the trailer section/,
      { eof: true },
    );
  });

  it("fails a head cut short", () => {
    expectFailure(`${OK}Content-Le`, /Connection closed in the message head/, { eof: true });
  });

  it("closes quietly when nothing of the expected message came", () => {
    const result = parseEveryWay("\r\n", { eof: true });
    expect(result).to.deep.include({ events: [], state: "closed", error: null });
    expect(parseEveryWay("", { eof: true })).to.deep.include({ events: [], state: "closed" });
  });

  it("refuses feed after feedEof", () => {
    const parser = new HTTP1Parser({ onHeaders() {}, onData() {}, onComplete() {} });
    parser.feedEof();
    expect(() => parser.feed(Buffer.from("x"))).to.throw(RuntimeError, /after feedEof/);
  });
});
