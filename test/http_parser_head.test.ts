/**
 * Tests of `HTTP1Parser`'s reading of message heads (RFC 9112 §2-§5): start lines, field
 * lines, folding, forbidden characters, size limits and the header-name cache.
 * Every case is fed whole, split at every byte boundary, and byte by byte, and must give
 * the same transcript each way; tests name the RFC 9112 (or 9110) section whose rule
 * decides the case.
 */
import { expect } from "chai";
import { HTTP1Parser, HTTPHeaders } from "../src/httputil";
import { OK, expectFailure, parseEveryWay } from "./helpers/http_parser";

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

  /** The headers the parser hands over for the response `text`, fed in one piece. */
  function headersOf(text: string): HTTPHeaders {
    let headers: HTTPHeaders | undefined;
    const parser = new HTTP1Parser({
      onHeaders: (head) => (headers = head.headers),
      onData() {},
      onComplete() {},
    });
    parser.readResponse();
    parser.feed(Buffer.from(text));
    expect(headers, "no head parsed").to.not.equal(undefined);
    return headers!;
  }

  it("hands over headers that work like any other HTTPHeaders", () => {
    const headers = headersOf(
      `${OK}Set-Cookie: a=1\r\nset-cookie: b=2\r\nContent-Length: 0\r\n\r\n`,
    );
    expect(headers.getList("set-COOKIE")).to.deep.equal(["a=1", "b=2"]);
    expect(headers.has("content-length")).to.equal(true);
    expect(headers.has("x-missing")).to.equal(false);
    expect(headers.get("x-missing")).to.equal(undefined);
    expect(headers.getList("x-missing")).to.deep.equal([]);
    const copy = headers.copy();
    expect(headers.get("SET-COOKIE")).to.equal("a=1,b=2");
    headers.add("Set-Cookie", "c=3");
    headers.delete("Content-Length");
    expect([...headers]).to.deep.equal([
      ["Set-Cookie", "a=1"],
      ["Set-Cookie", "b=2"],
      ["Set-Cookie", "c=3"],
    ]);
    expect(copy.getList("set-cookie")).to.deep.equal(["a=1", "b=2"]);
    expect(copy.has("content-length")).to.equal(true);
  });

  it("looks up headers of heads with many fields", () => {
    const many = Array.from({ length: 40 }, (_, i) => `X-${i % 20}: v${i}\r\n`).join("");
    const headers = headersOf(`${OK}${many}Content-Length: 0\r\n\r\n`);
    expect(headers.get("x-3")).to.equal("v3,v23");
    expect(headers.getList("X-19")).to.deep.equal(["v19", "v39"]);
    expect(headers.has("x-20")).to.equal(false);
    expect(headers.size).to.equal(21);
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
