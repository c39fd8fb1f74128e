/**
 * Tests of `HTTP1Parser`'s chunked decoding (RFC 9112 §7.1): chunk sizes, extensions,
 * the CRLF after chunk data, and trailer sections.
 * Every case is fed whole, split at every byte boundary, and byte by byte, and must give
 * the same transcript each way; tests name the RFC 9112 (or 9110) section whose rule
 * decides the case.
 */
import { expect } from "chai";
import { OK, expectFailure, parseEveryWay } from "./helpers/http_parser";

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
