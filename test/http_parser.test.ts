/**
 * Tests of `HTTP1Parser`, the sans-I/O HTTP/1.1 parser, without sockets. Every case is
 * fed whole, split at every byte boundary, and byte by byte, and must give the same
 * transcript each way (body pieces merged, since their number depends on the splits).
 * Tests name the RFC 9112 (or 9110) section whose rule decides the case.
 */
import { expect } from "chai";
import {
  HTTP1Parser,
  HTTPHeaders,
  HTTPInputError,
  type HTTP1ParserOptions,
  type ReadResponseOptions,
} from "../src/httputil";
import { RuntimeError } from "../src/util";

/** What the parser reported, in a form that does not depend on how the input was split. */
interface Transcript {
  events: unknown[];
  state: string;
  remaining: string;
  error: string | null;
}

/** One `readResponse` (its options) or `"request"` for `readRequest`, per message expected. */
type Expect = ReadResponseOptions | "request";

interface Run {
  expect?: Expect[];
  options?: HTTP1ParserOptions;
  eof?: boolean;
}

function pairs(headers: Iterable<[string, string]> | null): unknown {
  return headers === null ? null : [...headers];
}

/** Feeds `pieces` to a fresh parser and records everything it reports. */
function transcribe(pieces: Buffer[], run: Run): Transcript {
  const events: unknown[] = [];
  let body: Buffer[] | null = null;
  const flushBody = (): void => {
    if (body !== null) events.push(["body", Buffer.concat(body).toString("latin1")]);
    body = null;
  };
  const parser = new HTTP1Parser(
    {
      onInformational: (startLine, headers) =>
        events.push(["info", String(startLine), pairs(headers)]),
      onHeaders: (head) =>
        events.push([
          "head",
          String(head.startLine),
          pairs(head.headers),
          head.framing,
          head.contentLength,
          head.keepAlive,
        ]),
      onData: (chunk) => (body ??= []).push(Buffer.from(chunk)),
      onComplete: (end) => {
        flushBody();
        events.push(["end", pairs(end.trailers), end.keepAlive]);
      },
    },
    run.options,
  );
  let error: string | null = null;
  try {
    for (const expectation of run.expect ?? [{}]) {
      if (expectation === "request") parser.readRequest();
      else parser.readResponse(expectation);
    }
    for (const piece of pieces) parser.feed(piece);
    if (run.eof) parser.feedEof();
  } catch (e) {
    if (!(e instanceof HTTPInputError)) throw e;
    error = e.message;
  }
  flushBody();
  const remaining = error === null ? parser.takeRemaining().toString("latin1") : "";
  return { events, state: parser.state, remaining, error };
}

/** `data` fed whole, in two pieces at every boundary, and byte by byte. */
function splits(data: Buffer): Array<[string, Buffer[]]> {
  const ways: Array<[string, Buffer[]]> = [["whole", [data]]];
  for (let i = 1; i < data.length; i++) {
    ways.push([`split at ${i}`, [data.subarray(0, i), data.subarray(i)]]);
  }
  ways.push(["byte by byte", [...data].map((_, i) => data.subarray(i, i + 1))]);
  return ways;
}

/** Parses `text` every way; checks they agree; returns the whole-input transcript. */
function parseEveryWay(text: string, run: Run = {}): Transcript {
  const data = Buffer.from(text, "latin1");
  const reference = transcribe([data], run);
  for (const [how, pieces] of splits(data)) {
    expect(transcribe(pieces, run), how).to.deep.equal(reference);
  }
  return reference;
}

/** Asserts that `text` fails every way with an error matching `message`. */
function expectFailure(text: string, message: RegExp, run: Run = {}): Transcript {
  const result = parseEveryWay(text, run);
  expect(result.error, "error").to.match(message);
  expect(result.state).to.equal("failed");
  return result;
}

const OK = "HTTP/1.1 200 OK\r\n";

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

describe("HTTP1ParserHeadTest", () => {
  it("refuses a head over maxHeaderSize at once, end or no end in sight", () => {
    const big = `${OK}X: ${"a".repeat(200)}\r\n`;
    const options = { maxHeaderSize: 128 };
    expectFailure(big, /Header section too large/, { options });
    expectFailure(`${big}\r\n`, /Header section too large/, { options });
    const fits = `${OK}X: ${"a".repeat(128 - OK.length - 7)}\r\n\r\n`;
    expect(Buffer.byteLength(fits)).to.equal(128);
    expect(parseEveryWay(fits, { options, eof: true }).error).to.equal(null);
  });

  it("joins obsolete line folding with one space (RFC 9112 §5.2)", () => {
    const result = parseEveryWay(`${OK}X-Long: a\r\n  b\r\n\tc\r\nContent-Length: 0\r\n\r\n`);
    expect(result.events[0]).to.deep.include([
      ["X-Long", "a b c"],
      ["Content-Length", "0"],
    ]);
  });

  it("refuses folding on the first field line", () => {
    expectFailure(`${OK} X: y\r\n\r\n`, /first header line cannot start with whitespace/);
  });

  it("refuses a line without a colon", () => {
    expectFailure(`${OK}no colon\r\n\r\n`, /no colon in header line/);
  });

  it("refuses whitespace between a field name and its colon (RFC 9112 §5.1)", () => {
    expectFailure(`${OK}Content-Length : 5\r\n\r\nhello`, /Invalid header name "Content-Length "/);
    expectFailure(`${OK}: empty name\r\n\r\n`, /Invalid header name ""/);
  });

  it("refuses control characters and bare CR in field values (RFC 9110 §5.5, RFC 9112 §2.2)", () => {
    for (const bad of ["a\x00b", "a\x01b", "a\x7fb", "a\rb", "a\x0bb", "a\x1fb"]) {
      expectFailure(`${OK}X: ${bad}\r\nContent-Length: 0\r\n\r\n`, /Invalid header value/);
    }
    expectFailure(`${OK}X: a\r\r\n\r\n`, /Invalid header value/);
    expectFailure(`${OK}X: a\r\n b\x00\r\n\r\n`, /Invalid header continuation/);
    const ok = parseEveryWay(`${OK}X: tab\there, obs-text \xe9\xff\r\nContent-Length: 0\r\n\r\n`);
    expect(ok.events[0]).to.deep.include([
      ["X", "tab\there, obs-text \xe9\xff"],
      ["Content-Length", "0"],
    ]);
  });

  it("accepts LF-only line endings (RFC 9112 §2.2)", () => {
    const result = parseEveryWay("HTTP/1.1 200 OK\nContent-Length: 2\nX: y\r\n\nhi");
    expect(result.events).to.deep.equal([
      [
        "head",
        "HTTP/1.1 200 OK",
        [
          ["Content-Length", "2"],
          ["X", "y"],
        ],
        "length",
        2,
        true,
      ],
      ["body", "hi"],
      ["end", null, true],
    ]);
  });

  it("ends the head at the first empty line even when CRLF CRLF comes later (RFC 9112 §2.2)", () => {
    const result = parseEveryWay(`${OK}Content-Length: 4\n\nab\r\n\r\n`, { expect: [{}] });
    expect(result.events[1]).to.deep.equal(["body", "ab\r\n"]);
    expect(result.remaining).to.equal("\r\n");
  });

  it("ignores empty lines before the start line (RFC 9112 §2.2)", () => {
    const result = parseEveryWay(`\r\n\n\r\n${OK}Content-Length: 0\r\n\r\n`);
    expect(result.events[0]).to.deep.include("HTTP/1.1 200 OK");
  });

  it("accepts a status line without a reason phrase (RFC 9112 §4)", () => {
    const result = parseEveryWay(
      "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\nHTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n",
      {
        expect: [{}, {}],
      },
    );
    expect(
      result.events.filter((e) => (e as unknown[])[0] === "head").map((e) => (e as unknown[])[1]),
    ).to.deep.equal(["HTTP/1.1 200 ", "HTTP/1.1 404 "]);
  });

  it("refuses malformed status lines at once (RFC 9112 §4; Tornado #2984 hung instead)", () => {
    for (const line of [
      "HTTP/1.1 20 OK",
      "HTTP/1.1  200 OK",
      "ICY 200 OK",
      "HTTP/1.1 200 O\x00K",
      "garbage",
    ]) {
      expectFailure(`${line}\r\nContent-Length: 0\r\n\r\n`, /Error parsing response start line/);
    }
    expectFailure("HTTP/2.0 200 OK\r\n\r\n", /Unexpected HTTP version/);
  });

  it("reads heads longer than its first decoding guess, and guesses bigger after", () => {
    const long = `${OK}X-Big: ${"v".repeat(3000)}\r\nContent-Length: 2\r\n\r\nhi`;
    const result = parseEveryWay(long + long, { expect: [{}, {}] });
    expect(result.events).to.have.length(6);
    expect(result.events[0]).to.deep.include([
      ["X-Big", "v".repeat(3000)],
      ["Content-Length", "2"],
    ]);
    expect(result.events[4]).to.deep.equal(["body", "hi"]);
  });

  it("hands over headers that work like any other HTTPHeaders", () => {
    let headers: HTTPHeaders | undefined;
    const parser = new HTTP1Parser({
      onHeaders: (head) => (headers = head.headers),
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    parser.feed(
      Buffer.from(`${OK}Set-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n`),
    );
    expect(headers!.getList("set-COOKIE")).to.deep.equal(["a=1", "b=2"]);
    expect(headers!.has("content-length")).to.equal(true);
    expect(headers!.has("x-missing")).to.equal(false);
    expect(headers!.get("x-missing")).to.equal(undefined);
    expect(headers!.getList("x-missing")).to.deep.equal([]);
    const copy = headers!.copy();
    expect(headers!.get("SET-COOKIE")).to.equal("a=1,b=2");
    headers!.add("Set-Cookie", "c=3");
    headers!.delete("Content-Length");
    expect([...headers!]).to.deep.equal([
      ["Set-Cookie", "a=1"],
      ["Set-Cookie", "b=2"],
      ["Set-Cookie", "c=3"],
    ]);
    expect(copy.getList("set-cookie")).to.deep.equal(["a=1", "b=2"]);
    expect(copy.has("content-length")).to.equal(true);
  });

  it("looks up headers of heads with many fields", () => {
    let headers: HTTPHeaders | undefined;
    const parser = new HTTP1Parser({
      onHeaders: (head) => (headers = head.headers),
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    const many = Array.from({ length: 40 }, (_, i) => `X-${i % 20}: v${i}\r\n`).join("");
    parser.feed(Buffer.from(`${OK}${many}Content-Length: 0\r\n\r\n`));
    expect(headers!.get("x-3")).to.equal("v3,v23");
    expect(headers!.getList("X-19")).to.deep.equal(["v19", "v39"]);
    expect(headers!.has("x-20")).to.equal(false);
    expect(headers!.size).to.equal(21);
  });

  it("checks names through its cache without confusing similar ones", () => {
    const result = parseEveryWay(
      `${OK}Content-Type: a\r\nContent-Tipe: b\r\ncontent-type: c\r\nContent-Length: 0\r\n\r\n` +
        `${OK}Content-Tipe: d\r\nContent-Length: 0\r\n\r\n`,
      { expect: [{}, {}] },
    );
    // Values of one name are grouped, in the order names first appeared (as Tornado's get_all).
    expect(result.events[0]).to.deep.include([
      ["Content-Type", "a"],
      ["Content-Type", "c"],
      ["Content-Tipe", "b"],
      ["Content-Length", "0"],
    ]);
    expect(result.events[2]).to.deep.include([
      ["Content-Tipe", "d"],
      ["Content-Length", "0"],
    ]);
  });
});

describe("HTTP1ParserChunkedTest", () => {
  const CHUNKED = `${OK}Transfer-Encoding: chunked\r\n\r\n`;

  it("refuses a chunk size that is not hex (RFC 9112 §7.1)", () => {
    expectFailure(`${CHUNKED}zz\r\n`, /Invalid chunk size/);
    expectFailure(`${CHUNKED};ext\r\n`, /Invalid chunk size/);
    expectFailure(`${CHUNKED}-1\r\n`, /Invalid chunk size/);
  });

  it("refuses an overflowing chunk size", () => {
    expectFailure(`${CHUNKED}fffffffffffffffff\r\n`, /Chunk size too large/);
  });

  it("refuses a chunk size line that is too long", () => {
    expectFailure(`${CHUNKED}1;${"x".repeat(5000)}\r\n`, /Chunk size line longer than 4096 bytes/);
  });

  it("refuses whitespace after the size without an extension (RFC 9112 §7.1.1)", () => {
    expectFailure(`${CHUNKED}5 \r\nhello\r\n0\r\n\r\n`, /whitespace after the size/);
    expectFailure(`${CHUNKED}5x\r\n`, /Invalid chunk size: 0x78 after the size/);
  });

  it("refuses control characters in chunk extensions", () => {
    expectFailure(`${CHUNKED}5;a=\x00\r\nhello\r\n0\r\n\r\n`, /Invalid character 0x00/);
  });

  it("refuses a size line ended by a bare LF (RFC 9112 §7.1)", () => {
    expectFailure(`${CHUNKED}5\nhello\r\n0\r\n\r\n`, /Invalid character 0x0a in a chunk size line/);
    expectFailure(`${CHUNKED}5\rhello`, /CR followed by 0x68, not LF/);
  });

  it("refuses chunk data not followed by CRLF (RFC 9112 §7.1)", () => {
    const result = expectFailure(`${CHUNKED}5\r\nhelloX\r\n0\r\n\r\n`, /Bad chunk terminator/);
    expect(result.events[1]).to.deep.equal(["body", "hello"]);
    expectFailure(`${CHUNKED}5\r\nhello\n0\r\n\r\n`, /Bad chunk terminator/);
    expectFailure(`${CHUNKED}5\r\nhello\r0\r\n\r\n`, /Bad chunk terminator/);
  });

  it("refuses malformed and oversized trailer sections (RFC 9112 §7.1.2)", () => {
    expectFailure(`${CHUNKED}0\r\nbad trailer\r\n\r\n`, /no colon in header line/);
    expectFailure(`${CHUNKED}0\r\nX: a\x01\r\n\r\n`, /Invalid header value/);
    expectFailure(`${CHUNKED}0\r\nX: ${"a".repeat(100)}\r\n\r\n`, /Header section too large/, {
      options: { maxHeaderSize: 64 },
    });
  });

  it("accepts LF-only trailer lines like header lines (RFC 9112 §2.2)", () => {
    const result = parseEveryWay(`${CHUNKED}0\r\nA: 1\nB: 2\n\n`);
    expect(result.events[1]).to.deep.equal([
      "end",
      [
        ["A", "1"],
        ["B", "2"],
      ],
      true,
    ]);
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
