/**
 * Unit tests of the delimiter fast paths of `StreamBuffer`: one- and two-byte delimiters
 * searched for as numbers (with a fall back to a Buffer search after 8 false starts), and
 * `consumeThrough`, the shortcut `readUntil` takes for a line already in the first chunk.
 * No sockets. Every chunk here is a Buffer of its own (see `own`), because `append` joins
 * adjacent views of one ArrayBuffer into one chunk, which would hide the chunk boundaries
 * these tests are about. The randomised tests compare against a naive byte-by-byte search
 * and run from fixed seeds.
 */
import { expect } from "chai";
import fc from "fast-check";
import { StreamBuffer } from "../src/iostream/stream_buffer";
import { prng } from "./helpers/prng";

/** A copy of `bytes` in an ArrayBuffer of its own: never joined to its neighbours. */
function own(bytes: string | Uint8Array): Buffer {
  const source = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
  const copy = Buffer.allocUnsafeSlow(source.length);
  copy.set(source);
  return copy;
}

/** A buffer holding `pieces` as separate chunks. */
function bufferOf(...pieces: string[]): StreamBuffer {
  const buf = new StreamBuffer();
  for (const piece of pieces) buf.append(own(piece));
  expect(buf.chunkCount).to.equal(pieces.filter((p) => p.length > 0).length);
  return buf;
}

/** The first `needle` in `haystack` at or after `from`, by comparing byte by byte. */
function naiveIndexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = Math.max(0, from); i + needle.length <= haystack.length; i++) {
    for (let k = 0; k < needle.length; k++) if (haystack[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

const text = (b: Buffer | null): string | null => (b === null ? null : b.toString("latin1"));
const CRLF = Buffer.from("\r\n");
const LF = Buffer.from("\n");

describe("TestStreamBuffer (delimiter fast paths)", () => {
  describe("consumeThrough", () => {
    it("takes a line from the first chunk as a view of it, and leaves the rest", () => {
      const first = own("abc\ndef\nxy");
      const buf = new StreamBuffer();
      buf.append(first);
      buf.append(own("z\n"));
      const line = buf.consumeThrough(LF, Infinity);
      expect(text(line)).to.equal("abc\n");
      expect(line!.buffer).to.equal(first.buffer);
      expect(line!.byteOffset).to.equal(first.byteOffset);
      expect(buf.length).to.equal(8);
      const second = buf.consumeThrough(LF, Infinity);
      expect(text(second)).to.equal("def\n");
      expect(second!.buffer).to.equal(first.buffer);
      expect(second!.byteOffset).to.equal(first.byteOffset + 4);
      // "xy" + "z\n" spans two chunks: not the fast path's business.
      expect(buf.consumeThrough(LF, Infinity)).to.equal(null);
      expect(buf.length).to.equal(4);
      expect(buf.indexOf(LF, 0)).to.equal(3);
      expect(buf.consume(4).toString()).to.equal("xyz\n");
      expect(buf.length).to.equal(0);
    });

    it("returns the chunk itself when the line is the whole chunk, and moves to the next", () => {
      const first = own("GET / HTTP/1.1\r\n");
      const buf = new StreamBuffer();
      buf.append(first);
      buf.append(own("Host: x\r\n"));
      expect(buf.consumeThrough(CRLF, Infinity)).to.equal(first);
      expect(buf.chunkCount).to.equal(1);
      expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("Host: x\r\n");
      expect(buf.length).to.equal(0);
      expect(buf.chunkCount).to.equal(0);
      expect(buf.consumeThrough(CRLF, Infinity)).to.equal(null);
    });

    it("takes the tail of a partly read chunk through its end", () => {
      const buf = bufferOf("abc\r\ndef\r\n", "ghi");
      buf.advance(2);
      expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("c\r\n");
      expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("def\r\n");
      expect(buf.chunkCount).to.equal(1);
      expect(buf.consume(3).toString()).to.equal("ghi");
    });

    it("returns null on an empty buffer or an empty needle, changing nothing", () => {
      expect(new StreamBuffer().consumeThrough(LF, Infinity)).to.equal(null);
      const buf = bufferOf("a\n");
      expect(buf.consumeThrough(Buffer.alloc(0), Infinity)).to.equal(null);
      expect(buf.length).to.equal(2);
    });

    it("takes a line of exactly maxBytes and refuses one a byte longer", () => {
      const buf = bufferOf("abc\r\ndefg\r\nrest");
      const before = buf.peek(100).toString();
      // Over: null, and the buffer is as it was.
      expect(buf.consumeThrough(CRLF, 4)).to.equal(null);
      expect(buf.length).to.equal(before.length);
      expect(buf.peek(100).toString()).to.equal(before);
      expect(buf.consumeThrough(CRLF, 0)).to.equal(null);
      // Exact: the delimiter counts.
      expect(text(buf.consumeThrough(CRLF, 5))).to.equal("abc\r\n");
      // maxBytes counts from the first unread byte, not from the chunk's start.
      expect(buf.consumeThrough(CRLF, 5)).to.equal(null);
      expect(text(buf.consumeThrough(CRLF, 6))).to.equal("defg\r\n");
      expect(buf.length).to.equal(4);
    });

    it("takes a line of exactly maxBytes when it ends the chunk, and refuses one over", () => {
      const buf = bufferOf("abcdef\n", "x\n");
      expect(buf.consumeThrough(LF, 6)).to.equal(null);
      expect(buf.length).to.equal(9);
      expect(text(buf.consumeThrough(LF, 7))).to.equal("abcdef\n");
      expect(text(buf.consumeThrough(LF, 2))).to.equal("x\n");
    });

    it("judges maxBytes by the first delimiter, not a later one that would fit", () => {
      // The first "\n" is past maxBytes; taking a shorter line would skip it.
      const buf = bufferOf("abcdef\ngh\n");
      expect(buf.consumeThrough(LF, 3)).to.equal(null);
      expect(buf.length).to.equal(10);
    });
  });

  describe('"\\r\\n" and lone "\\r"', () => {
    const message = "HTTP/1.1 200 OK\r\nA: b\rc\r\n\r\nbody\r";

    it('finds "\\r\\n" split at every position across two and three chunks', () => {
      const expected = message.indexOf("\r\n");
      for (let a = 1; a < message.length; a++) {
        for (let b = a; b < message.length; b++) {
          const pieces = [message.slice(0, a), message.slice(a, b), message.slice(b)];
          const buf = bufferOf(...pieces);
          const where = `split at ${a},${b}`;
          expect(buf.indexOf(CRLF, 0), where).to.equal(expected);
          for (let from = 0; from < message.length; from += 7) {
            expect(buf.indexOf(CRLF, from), `${where} from ${from}`).to.equal(
              message.indexOf("\r\n", from),
            );
          }
          const line = buf.consumeThrough(CRLF, Infinity);
          if (expected + 2 <= a) expect(text(line), where).to.equal(message.slice(0, expected + 2));
          else expect(line, where).to.equal(null);
        }
      }
    });

    it('skips a lone "\\r" and finds the "\\r\\n" after it', () => {
      const buf = bufferOf("a\rb\r\nc");
      expect(buf.indexOf(CRLF, 0)).to.equal(3);
      expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("a\rb\r\n");
      expect(buf.consume(1).toString()).to.equal("c");
    });

    it('does not match a "\\r" that ends the data or is followed by another byte', () => {
      expect(bufferOf("abc\r").indexOf(CRLF, 0)).to.equal(-1);
      expect(bufferOf("abc\r").consumeThrough(CRLF, Infinity)).to.equal(null);
      expect(bufferOf("\r").indexOf(CRLF, 0)).to.equal(-1);
      expect(bufferOf("\r", "x", "\r").indexOf(CRLF, 0)).to.equal(-1);
      expect(bufferOf("\n\r").indexOf(CRLF, 0)).to.equal(-1);
    });

    it('finds "\\r\\n" whose "\\r" ends one chunk, and no match in the next chunk alone', () => {
      const buf = bufferOf("abc\r", "\nxyz\r\n");
      expect(buf.consumeThrough(CRLF, Infinity)).to.equal(null);
      expect(buf.indexOf(CRLF, 0)).to.equal(3);
      expect(buf.indexOf(CRLF, 4)).to.equal(8);
      expect(buf.consume(5).toString()).to.equal("abc\r\n");
      expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("xyz\r\n");
    });

    it('finds "\\r\\n" whose "\\r" ends a chunk after the chunk had a lone "\\r"', () => {
      const buf = bufferOf("a\rb\r", "\n");
      expect(buf.consumeThrough(CRLF, Infinity)).to.equal(null);
      expect(buf.indexOf(CRLF, 0)).to.equal(3);
    });

    it("finds two-byte needles whose bytes are equal, and overlapping candidates", () => {
      const rr = Buffer.from("\r\r");
      expect(bufferOf("x\r\r").indexOf(rr, 0)).to.equal(1);
      expect(bufferOf("\rx\r\r").indexOf(rr, 0)).to.equal(2);
      expect(bufferOf("\rx\r", "\ry").indexOf(rr, 0)).to.equal(2);
      expect(text(bufferOf("\rx\r\r\r").consumeThrough(rr, Infinity))).to.equal("\rx\r\r");
      const nn = Buffer.from("\n\n");
      expect(text(bufferOf("a\nb\n\nc").consumeThrough(nn, Infinity))).to.equal("a\nb\n\n");
    });
  });

  describe("false starts past the fallback threshold", () => {
    /** `k` lone "\r"s (each followed by "x"), then `tail`. */
    const falseStarts = (k: number, tail: string): string => "\rx".repeat(k) + tail;

    it('finds "\\r\\n" after any number of false starts, from the start or mid-chunk', () => {
      for (const k of [0, 1, 7, 8, 9, 10, 15, 16, 17, 40, 1000]) {
        for (const lead of ["", "ab"]) {
          const data = lead + falseStarts(k, "\r\nrest\r\n");
          const expected = data.indexOf("\r\n");
          const buf = bufferOf(data);
          expect(buf.indexOf(CRLF, 0), `k=${k} lead=${lead}`).to.equal(expected);
          buf.advance(lead.length);
          const line = buf.consumeThrough(CRLF, Infinity);
          expect(text(line), `k=${k} lead=${lead}`).to.equal(data.slice(lead.length, expected + 2));
          expect(text(buf.consumeThrough(CRLF, Infinity))).to.equal("rest\r\n");
        }
      }
    });

    it("reports no match after many false starts, whether or not a '\\r' ends the chunk", () => {
      for (const k of [8, 9, 12, 100]) {
        for (const tail of ["", "\r", "\rx", "\n"]) {
          const data = falseStarts(k, tail);
          const buf = bufferOf(data);
          expect(buf.indexOf(CRLF, 0), `k=${k} tail=${JSON.stringify(tail)}`).to.equal(-1);
          expect(buf.consumeThrough(CRLF, Infinity)).to.equal(null);
          expect(buf.length).to.equal(data.length);
        }
      }
    });

    it("finds the seam match after many false starts in the earlier chunk", () => {
      for (const k of [7, 8, 9, 30]) {
        const buf = bufferOf(falseStarts(k, "\r"), "\nnext\r\n");
        expect(buf.consumeThrough(CRLF, Infinity)).to.equal(null);
        expect(buf.indexOf(CRLF, 0), `k=${k}`).to.equal(2 * k);
        // And a search that starts past the seam finds the later one.
        expect(buf.indexOf(CRLF, 2 * k + 1)).to.equal(2 * k + 6);
      }
    });

    it("finds a match in a later chunk after many false starts in each", () => {
      const pieces = [falseStarts(20, ""), falseStarts(9, ""), falseStarts(9, "\r\n")];
      const all = pieces.join("");
      const buf = bufferOf(...pieces);
      expect(buf.indexOf(CRLF, 0)).to.equal(all.indexOf("\r\n"));
      expect(buf.indexOf(CRLF, 45)).to.equal(all.indexOf("\r\n", 45));
    });

    it("respects maxBytes when the match comes after the fallback", () => {
      const data = falseStarts(12, "\r\n");
      expect(bufferOf(data).consumeThrough(CRLF, data.length - 1)).to.equal(null);
      expect(text(bufferOf(data).consumeThrough(CRLF, data.length))).to.equal(data);
    });
  });

  describe("longer delimiters", () => {
    const message = "head\r\n\r\n--frontier\r\nA: b\r\n\r\npart\r\n--frontier--\r\n";

    it("finds each delimiter split at every position across chunks", () => {
      for (const delimiter of ["\r\n\r\n", "--frontier", "\r\n--frontier--\r\n", "rt\r"]) {
        const needle = Buffer.from(delimiter);
        for (let a = 1; a < message.length; a++) {
          for (const b of [a, a + 1, a + 3, message.length - 1]) {
            if (b < a) continue;
            const buf = bufferOf(message.slice(0, a), message.slice(a, b), message.slice(b));
            const where = `${JSON.stringify(delimiter)} split at ${a},${b}`;
            for (const from of [0, 1, 9, 20]) {
              expect(buf.indexOf(needle, from), `${where} from ${from}`).to.equal(
                message.indexOf(delimiter, from),
              );
            }
            const expected = message.indexOf(delimiter);
            const line = buf.consumeThrough(needle, Infinity);
            if (expected + needle.length <= a) {
              expect(text(line), where).to.equal(message.slice(0, expected + needle.length));
            } else {
              expect(line, where).to.equal(null);
              expect(buf.length, where).to.equal(message.length);
            }
          }
        }
      }
    });

    it("applies maxBytes to a longer delimiter exactly", () => {
      const data = "abc\r\n\r\nrest";
      const needle = Buffer.from("\r\n\r\n");
      expect(bufferOf(data).consumeThrough(needle, 6)).to.equal(null);
      expect(text(bufferOf(data).consumeThrough(needle, 7))).to.equal("abc\r\n\r\n");
    });
  });

  it("joins adjacent views of one ArrayBuffer, so a line across two reads is one view", () => {
    // As `SlabReader` hands out consecutive reads of one slab.
    const slab = own("abc\r\ndef\r\n");
    const buf = new StreamBuffer();
    buf.append(slab.subarray(0, 4));
    buf.append(slab.subarray(4, 7));
    expect(buf.chunkCount).to.equal(1);
    const line = buf.consumeThrough(CRLF, Infinity);
    expect(text(line)).to.equal("abc\r\n");
    expect(line!.buffer).to.equal(slab.buffer);
  });

  describe("against a naive search on random inputs (fixed seeds)", () => {
    /** Bytes weighted towards "\r" so that runs of false starts longer than 8 are common. */
    const ALPHABET = Buffer.from("\r\r\r\r\r\r\n\nab", "latin1");
    const NEEDLES = ["\n", "\r\n", "\r\r", "\n\n", "ab", "\r\n\r\n", "\rab\n", "\n\r\r"].map((s) =>
      Buffer.from(s, "latin1"),
    );

    type Op =
      | { kind: "through"; needle: number; maxBytes: number }
      | { kind: "indexOf"; needle: number; from: number }
      | { kind: "consume"; n: number }
      | { kind: "append"; size: number };

    const op: fc.Arbitrary<Op> = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          kind: fc.constant("through" as const),
          needle: fc.nat(NEEDLES.length - 1),
          maxBytes: fc.oneof(fc.nat(80), fc.constant(Infinity)),
        }),
      },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("indexOf" as const),
          needle: fc.nat(NEEDLES.length - 1),
          from: fc.nat(120),
        }),
      },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant("consume" as const), n: fc.nat(30) }) },
      {
        weight: 2,
        arbitrary: fc.record({
          kind: fc.constant("append" as const),
          size: fc.integer({ min: 1, max: 200 }),
        }),
      },
    );

    /** Counts of what the runs exercised, checked at the end. */
    const seen = { longFallbacks: 0, hits: 0, refusedByMax: 0, notInFirstChunk: 0 };

    /** False starts a number search takes in `chunk` before it finds `needle` (or ends). */
    function falseStartsBefore(chunk: Buffer, needle: Buffer): number {
      if (needle.length !== 2) return 0;
      let count = 0;
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== needle[0]) continue;
        if (i + 1 < chunk.length && chunk[i + 1] === needle[1]) break;
        count++;
      }
      return count;
    }

    function run(seed: number, ops: Op[]): void {
      const random = prng(seed);
      /** The next `size` bytes of the input, drawn from ALPHABET. */
      const next = (size: number): Buffer => {
        const piece = Buffer.allocUnsafeSlow(size);
        for (let i = 0; i < size; i++) piece[i] = ALPHABET[Math.floor(random() * ALPHABET.length)]!;
        return piece;
      };
      const buf = new StreamBuffer();
      /** The model: the unread bytes, as the chunks they arrived in. */
      const chunks: Buffer[] = [];
      const all = (): Buffer => Buffer.concat(chunks);
      const take = (n: number): void => {
        while (n > 0) {
          const first = chunks[0]!;
          if (n >= first.length) {
            n -= first.length;
            chunks.shift();
          } else {
            chunks[0] = first.subarray(n);
            n = 0;
          }
        }
      };
      for (const o of ops) {
        if (o.kind === "append") {
          const piece = next(o.size);
          buf.append(piece);
          chunks.push(piece);
        } else if (o.kind === "consume") {
          const n = Math.min(o.n, buf.length);
          const expected = all().subarray(0, n);
          expect(buf.consume(n).equals(expected)).to.equal(true);
          take(n);
        } else if (o.kind === "indexOf") {
          const needle = NEEDLES[o.needle]!;
          expect(buf.indexOf(needle, o.from)).to.equal(naiveIndexOf(all(), needle, o.from));
        } else {
          const needle = NEEDLES[o.needle]!;
          const first = chunks[0];
          const loc = first === undefined ? -1 : naiveIndexOf(first, needle);
          const n = loc + needle.length;
          const got = buf.consumeThrough(needle, o.maxBytes);
          if (loc === -1 || n > o.maxBytes) {
            expect(got).to.equal(null);
            if (loc !== -1) seen.refusedByMax++;
            else if (naiveIndexOf(all(), needle) !== -1) seen.notInFirstChunk++;
          } else {
            if (falseStartsBefore(first!, needle) > 8) seen.longFallbacks++;
            seen.hits++;
            expect(got).to.not.equal(null);
            expect(got!.equals(first!.subarray(0, n))).to.equal(true);
            // A view of the chunk, not a copy.
            expect(got!.buffer).to.equal(first!.buffer);
            take(n);
          }
        }
        expect(buf.length).to.equal(chunks.reduce((sum, c) => sum + c.length, 0));
        expect(buf.chunkCount).to.equal(chunks.length);
      }
      expect(buf.consume(buf.length).equals(all())).to.equal(true);
    }

    it("agrees with the reference for consumeThrough, indexOf and consume", () => {
      fc.assert(fc.property(fc.integer(), fc.array(op, { minLength: 1, maxLength: 60 }), run), {
        seed: 0x5eed,
        numRuns: 2500,
      });
      // The inputs reached the paths under test.
      expect(seen.longFallbacks, "hits after more than 8 false starts").to.be.above(30);
      expect(seen.hits).to.be.above(1000);
      expect(seen.refusedByMax).to.be.above(100);
      expect(seen.notInFirstChunk).to.be.above(100);
    });

    it("finds what a naive search finds in long runs of false starts, split anywhere", () => {
      // Deterministic: a linear congruential generator from a fixed seed.
      let state = 12345;
      const random = (): number => {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        return state / 2 ** 32;
      };
      for (let round = 0; round < 400; round++) {
        const length = 1 + Math.floor(random() * 300);
        const data = Buffer.allocUnsafeSlow(length);
        // Mostly "\r", so a search meets many false starts before any "\r\n".
        for (let i = 0; i < length; i++) data[i] = random() < 0.9 ? 0x0d : random() < 0.5 ? 10 : 97;
        const buf = new StreamBuffer();
        let offset = 0;
        while (offset < length) {
          const size = 1 + Math.floor(random() * 80);
          buf.append(own(data.subarray(offset, offset + size)));
          offset += size;
        }
        for (const needle of [CRLF, LF, Buffer.from("\r\r"), Buffer.from("\r\r\r\n")]) {
          for (const from of [0, 1, Math.floor(random() * length)]) {
            expect(buf.indexOf(needle, from), `round ${round}`).to.equal(
              naiveIndexOf(data, needle, from),
            );
          }
        }
      }
    });
  });
});
