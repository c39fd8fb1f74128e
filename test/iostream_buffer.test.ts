/**
 * Unit tests of `StreamBuffer`, the read buffer of the streams (Tornado's `TestStreamBuffer`
 * tests its `_StreamBuffer`): no sockets, just chunks in and bytes out.
 */
import { expect } from "chai";
import { StreamBuffer } from "../src/iostream/stream_buffer";
import { prng } from "./helpers/prng";

/** Peeks at growing sizes and checks each view is a non-empty prefix of `expected`. */
function checkPeek(buf: StreamBuffer, expected: Buffer): void {
  for (let size = 1; size < 2 * expected.length; size = Math.floor((size * 3 + 1) / 2)) {
    const got = buf.peek(size);
    expect(got.length).to.be.above(0);
    expect(got.length).to.be.at.most(size);
    expect(expected.subarray(0, got.length).equals(got)).to.equal(true);
  }
}

/** Appends every piece, then takes random amounts until empty, checking as it goes. */
function appendAllThenSkipAll(pieces: Buffer[], random: () => number): void {
  const buf = new StreamBuffer();
  expect(buf.length).to.equal(0);
  let expected = Buffer.alloc(0);
  for (const piece of pieces) {
    expected = Buffer.concat([expected, piece]);
    buf.append(piece);
    expect(buf.length).to.equal(expected.length);
    checkPeek(buf, expected);
  }
  while (expected.length > 0) {
    const n = 1 + Math.floor(random() * expected.length);
    expected = expected.subarray(n);
    buf.advance(n);
    expect(buf.length).to.equal(expected.length);
    if (expected.length > 0) checkPeek(buf, expected);
  }
  expect(buf.length).to.equal(0);
  expect(buf.peek(10).length).to.equal(0);
}

describe("TestStreamBuffer", () => {
  const small = ["12", "345", "67", "89a", "bcde", "fgh", "ijklmn"].map((s) => Buffer.from(s));
  const large = [
    ["12", 5],
    ["345", 2],
    ["67", 20],
    ["89a", 12],
    ["bcde", 1],
    ["fgh", 7],
    ["ijklmn", 2],
  ].map(([s, n]) => Buffer.from((s as string).repeat(n as number)));

  it("appends and skips small pieces (test_small)", () => {
    appendAllThenSkipAll(small, prng(42));
    const buf = new StreamBuffer();
    for (let i = 0; i < 9; i++) buf.append(Buffer.from("x"));
    expect(buf.chunkCount).to.equal(9);
    buf.advance(5);
    expect(buf.chunkCount).to.equal(4);
    buf.advance(4);
    expect(buf.chunkCount).to.equal(0);
    expect(buf.length).to.equal(0);
  });

  it("appends and skips large pieces (test_large)", () => {
    appendAllThenSkipAll(large, prng(43));
    const buf = new StreamBuffer();
    for (let i = 0; i < 3; i++) buf.append(Buffer.alloc(11, "x"));
    buf.append(Buffer.from("y"));
    buf.append(Buffer.from("z"));
    buf.append(Buffer.alloc(0));
    expect(buf.chunkCount).to.equal(5);
    buf.advance(33);
    expect(buf.chunkCount).to.equal(2);
    expect(buf.consume(2).toString()).to.equal("yz");
    expect(buf.chunkCount).to.equal(0);
  });

  it("returns a view for a result inside one chunk and a copy across chunks", () => {
    const first = Buffer.from("hello ");
    const second = Buffer.from("world");
    const buf = new StreamBuffer();
    buf.append(first);
    buf.append(second);
    const view = buf.consume(5);
    expect(view.toString()).to.equal("hello");
    first[0] = 0x48; // "H": the view shares the chunk's memory
    expect(view.toString()).to.equal("Hello");
    const copy = buf.consume(6);
    expect(copy.toString()).to.equal(" world");
    first[5] = 0x5f;
    second[0] = 0x57;
    expect(copy.toString()).to.equal(" world");
    expect(buf.consume(0).length).to.equal(0);
  });

  it("consumeSome takes at most what the first chunk holds, always as a view", () => {
    const first = Buffer.from("hello ");
    const second = Buffer.from("world");
    const buf = new StreamBuffer();
    expect(buf.consumeSome(10).length).to.equal(0);
    buf.append(first);
    buf.append(second);
    const a = buf.consumeSome(4);
    expect([a.toString(), a.buffer === first.buffer]).to.deep.equal(["hell", true]);
    const b = buf.consumeSome(100);
    expect([b.toString(), b.buffer === first.buffer]).to.deep.equal(["o ", true]);
    const c = buf.consumeSome(Number.MAX_SAFE_INTEGER);
    expect(c).to.equal(second);
    expect(buf.length).to.equal(0);
    expect(buf.consumeSome(1).length).to.equal(0);
  });

  it("copies into a caller's buffer across chunks", () => {
    const buf = new StreamBuffer();
    for (const s of ["ab", "cde", "f"]) buf.append(Buffer.from(s));
    const target = new Uint8Array(5);
    buf.consumeInto(target, 5);
    expect(Buffer.from(target).toString()).to.equal("abcde");
    expect(buf.consume(1).toString()).to.equal("f");
    expect(() => buf.consumeInto(new Uint8Array(1), 1)).to.throw(RangeError);
  });

  it("refuses to take more than it holds", () => {
    const buf = new StreamBuffer();
    buf.append(Buffer.from("abc"));
    expect(() => buf.consume(4)).to.throw(RangeError, "holds 3 bytes");
    expect(() => buf.advance(-1)).to.throw(RangeError);
    expect(buf.length).to.equal(3);
  });

  it("finds a delimiter split at every position across chunks", () => {
    const text = "GET / HTTP/1.1\r\nHost: x\r\n\r\nbody";
    const data = Buffer.from(text);
    const delimiters = ["\r\n\r\n", "\r\n", "Host", "y", "\n\r\nb"];
    for (const delimiter of delimiters) {
      const needle = Buffer.from(delimiter);
      const expected = text.indexOf(delimiter);
      for (let a = 1; a < data.length; a++) {
        for (let b = a; b < data.length; b++) {
          const buf = new StreamBuffer();
          buf.append(data.subarray(0, a));
          if (b > a) buf.append(data.subarray(a, b));
          buf.append(data.subarray(b));
          expect(
            buf.indexOf(needle, 0),
            `${JSON.stringify(delimiter)} split at ${a},${b}`,
          ).to.equal(expected);
        }
      }
    }
  });

  it("resumes a search as data arrives, without missing a delimiter at the seam", () => {
    const buf = new StreamBuffer();
    const needle = Buffer.from("\r\n\r\n");
    let scan = 0;
    for (const piece of ["abc\r", "\n", "\r", "\n"]) {
      buf.append(Buffer.from(piece));
      const found = buf.indexOf(needle, scan);
      if (found !== -1) {
        expect(found).to.equal(3);
        return;
      }
      scan = Math.max(scan, buf.length - needle.length + 1);
    }
    expect.fail("delimiter not found");
  });

  it("finds what a plain search finds, for random chunkings and starts", () => {
    const random = prng(7);
    const alphabet = "ab\r\n";
    for (let round = 0; round < 300; round++) {
      const length = 1 + Math.floor(random() * 60);
      const data = Buffer.from(
        Array.from({ length }, () => alphabet[Math.floor(random() * 4)]).join(""),
      );
      const buf = new StreamBuffer();
      let offset = 0;
      while (offset < length) {
        const size = 1 + Math.floor(random() * 6);
        buf.append(data.subarray(offset, offset + size));
        offset += size;
      }
      const skip = Math.floor(random() * Math.min(5, length));
      buf.advance(skip);
      const rest = data.subarray(skip);
      for (const delimiter of ["\r\n", "\r\n\r\n", "a", "ab\r"]) {
        const from = Math.floor(random() * (rest.length + 1));
        expect(buf.indexOf(Buffer.from(delimiter), from)).to.equal(rest.indexOf(delimiter, from));
      }
      expect(buf.latin1(0, rest.length)).to.equal(rest.toString("latin1"));
      const a = Math.floor(random() * rest.length);
      expect(buf.latin1(a, rest.length)).to.equal(rest.subarray(a).toString("latin1"));
    }
  });

  it("gives bytes as latin1, one character per byte", () => {
    const buf = new StreamBuffer();
    buf.append(Buffer.from([0xff, 0x41]));
    buf.append(Buffer.from([0x0d, 0x0a, 0xe9]));
    expect(buf.latin1(0, 5)).to.equal("\u00ffA\r\n\u00e9");
    expect(buf.latin1(1, 4)).to.equal("A\r\n");
    expect(buf.latin1(3, 100)).to.equal("\n\u00e9");
    expect(buf.latin1(4, 2)).to.equal("");
  });

  it("stays correct over many chunks while it compacts", () => {
    const buf = new StreamBuffer();
    const random = prng(11);
    let expected = "";
    for (let i = 0; i < 5000; i++) {
      const piece = String.fromCharCode(97 + (i % 26)).repeat(1 + (i % 3));
      buf.append(Buffer.from(piece));
      expected += piece;
      if (random() < 0.4) {
        const n = Math.floor(random() * Math.min(expected.length, 8));
        expect(buf.consume(n).toString()).to.equal(expected.slice(0, n));
        expected = expected.slice(n);
      }
    }
    expect(buf.length).to.equal(expected.length);
    expect(buf.chunkCount).to.be.below(5000);
    expect(buf.indexOf(Buffer.from("zza"), 0)).to.equal(expected.indexOf("zza"));
    expect(buf.consume(expected.length).toString()).to.equal(expected);
  });
});
