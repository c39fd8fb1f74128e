/**
 * Tests of `readUntilClose` on large bodies against real 127.0.0.1 servers, and of the
 * socket reads under it (`SlabReader`).
 *
 * On a stream that made its own TCP socket, a pending `readUntilClose` whose body passes
 * 8 MiB reads on into one region sized for `maxBufferSize` (capped at 1 GiB) and returns
 * a view of it instead of joining chunks; if the body outgrows the region, reads spill
 * back into slabs. TLS streams and streams over a given socket keep joining chunks. Each
 * body is a deterministic pattern in which every 4-byte word differs, checked by SHA-1,
 * so a lost, repeated or misplaced piece fails. Whether a result is a view of a region
 * shows in `result.buffer.byteLength`: a region has room for `maxBufferSize` bytes, a
 * joined body for itself only.
 *
 * The region has room for `maxBufferSize` bytes plus two reads and a body fails once it
 * passes `maxBufferSize`, so no body below 1 GiB spills by itself; the spill tests make
 * `SlabReader.collect` reserve less than it is asked for.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import * as net from "node:net";
import * as tls from "node:tls";
import { sleep } from "../src/gen";
import {
  IOStream,
  SSLIOStream,
  StreamBufferFullError,
  StreamClosedError,
  type IOStreamOptions,
} from "../src/iostream";
import { SlabReader } from "../src/iostream/_slab_reader";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import {
  expectBufferFull,
  serverContext,
  useStreamFixtures,
  type StreamFixtures,
} from "./helpers/tls";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
/** `maxBufferSize` by default. */
const DEFAULT_MAX = 100 * MiB;
/** The body size past which a `readUntilClose` reads into a region. */
const COLLECT_AFTER = 8 * MiB;
/** The largest region reserved for one body. */
const MAX_COLLECT = GiB;
/** How much room beyond what it was sized for a region may have (a read or two). */
const REGION_SLACK = MiB;

let pattern: Buffer | null = null;

/** The first `n` bytes (n <= 50 MiB + 64) of a pattern whose 4-byte words all differ. */
function body(n: number): Buffer {
  if (pattern === null) {
    const words = new Uint32Array((50 * MiB + 64) / 4);
    for (let i = 0; i < words.length; i++) words[i] = Math.imul(i + 1, 0x9e3779b1);
    pattern = Buffer.from(words.buffer);
  }
  if (n > pattern.length) throw new RangeError(`body() makes at most ${pattern.length} bytes`);
  return pattern.subarray(0, n);
}

function sha1(data: Uint8Array): string {
  return createHash("sha1").update(data).digest("hex");
}

/** Checks that `got` is the first `n` bytes of the pattern. */
function expectBody(got: Buffer, n: number, label = ""): void {
  expect(got.length, `${label} length`).to.equal(n);
  expect(sha1(got), `${label} SHA-1`).to.equal(sha1(body(n)));
}

/** How the stream under test reaches the server. */
type Kind = "own" | "given" | "tls";
const KIND_NAMES: Record<Kind, string> = {
  own: "a stream that made its own TCP socket",
  given: "a stream over a given socket",
  tls: "a TLS stream",
};

/**
 * Serves `data` to each connection (over TLS for "tls") and closes it; `onSocket` sees
 * each accepted raw socket.
 */
async function serve(
  fixtures: StreamFixtures,
  data: Buffer,
  kind: Kind,
  onSocket?: (socket: net.Socket) => void,
): Promise<number> {
  const { port } = await fixtures.listen((raw) => {
    onSocket?.(raw);
    if (kind === "tls") {
      const secure = new tls.TLSSocket(raw, { isServer: true, secureContext: serverContext() });
      secure.on("error", () => {});
      secure.end(data);
    } else {
      raw.end(data);
    }
  });
  return port;
}

/** A stream of `kind` connected to 127.0.0.1:`port`, closed after the test. */
async function open(
  fixtures: StreamFixtures,
  kind: Kind,
  port: number,
  options: IOStreamOptions = {},
): Promise<IOStream> {
  if (kind === "given") {
    return fixtures.track(new IOStream(net.connect({ host: "127.0.0.1", port }), options));
  }
  const stream = fixtures.track(
    kind === "tls"
      ? new SSLIOStream(undefined, { ...options, sslOptions: { verifyMode: "CERT_NONE" } })
      : new IOStream(undefined, options),
  );
  await stream.connect({ host: "127.0.0.1", port });
  return stream;
}

/** Resolves once `stream` holds at least `n` unread bytes. */
async function buffered(stream: IOStream, n: number): Promise<void> {
  while (stream.bufferedBytes < n) await sleep(0.001);
}

/** Replaces `SlabReader.prototype.collect` while `fn` runs; returns the calls' arguments. */
async function withCollect(
  replacement: (original: SlabReader["collect"], reader: SlabReader) => SlabReader["collect"],
  fn: () => Promise<void>,
): Promise<Array<[number, number]>> {
  const original = SlabReader.prototype.collect;
  const calls: Array<[number, number]> = [];
  SlabReader.prototype.collect = function (this: SlabReader, capacity, prefixLength) {
    calls.push([capacity, prefixLength]);
    return replacement(original, this).call(this, capacity, prefixLength);
  };
  try {
    await fn();
  } finally {
    SlabReader.prototype.collect = original;
  }
  return calls;
}

const SIZES: Array<[string, number]> = [
  ["7 MiB", 7 * MiB],
  ["exactly 8 MiB", 8 * MiB],
  ["8 MiB + 1", 8 * MiB + 1],
  ["50 MiB", 50 * MiB],
];

describe("TestIOStreamReadUntilClose (large bodies)", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();

  for (const kind of ["own", "given", "tls"] as Kind[]) {
    describe(KIND_NAMES[kind], () => {
      for (const [label, size] of SIZES) {
        const region = kind === "own" && size > COLLECT_AFTER;
        it(
          `reads a body of ${label} whole` +
            (region ? ", as a view of one region" : ", without reserving a region"),
          genTest({ timeout: 20 }, async () => {
            const port = await serve(fixtures.current, body(size), kind);
            const stream = await open(fixtures.current, kind, port);
            const got = await stream.readUntilClose();
            expectBody(got, size);
            if (region) {
              expect(got.byteOffset).to.equal(0);
              expect(got.buffer.byteLength).to.be.within(DEFAULT_MAX, DEFAULT_MAX + REGION_SLACK);
            } else {
              // A joined copy, not a region of maxBufferSize.
              expect(got.buffer.byteLength).to.equal(size);
            }
          }),
        );
      }

      it(
        "reads a body of exactly maxBufferSize, and fails one a byte longer " +
          "(StreamClosedError, realError StreamBufferFullError)",
        genTest({ timeout: 20 }, async () => {
          const maxBufferSize = 12 * MiB;
          let port = await serve(fixtures.current, body(maxBufferSize), kind);
          let stream = await open(fixtures.current, kind, port, { maxBufferSize });
          expectBody(await stream.readUntilClose(), maxBufferSize);

          port = await serve(fixtures.current, body(maxBufferSize + 1), kind);
          stream = await open(fixtures.current, kind, port, { maxBufferSize });
          await expectBufferFull(stream, () => stream.readUntilClose());
        }),
      );

      it(
        "returns what a read left buffered before it, followed by the rest of the body",
        genTest({ timeout: 20 }, async () => {
          const size = 50 * MiB;
          const port = await serve(fixtures.current, body(size), kind);
          const stream = await open(fixtures.current, kind, port);
          const head = await stream.readBytes(10);
          // The read-ahead (1 MiB) fills and the socket pauses.
          await buffered(stream, MiB);
          const rest = await stream.readUntilClose();
          expectBody(Buffer.concat([head, rest]), size);
          if (kind === "own") expect(rest.buffer.byteLength).to.be.at.least(DEFAULT_MAX);
        }),
      );

      it(
        "returns a body that arrived whole, and the close, before the call",
        genTest({ timeout: 20 }, async () => {
          const size = 20 * MiB;
          const port = await serve(fixtures.current, body(size), kind);
          const stream = await open(fixtures.current, kind, port, { readAhead: 64 * MiB });
          while (!stream.closed()) await sleep(0.001);
          const read = stream.readUntilClose();
          expect(read.done()).to.equal(true);
          expectBody(await read, size);
        }),
      );
    });
  }

  describe(KIND_NAMES.own, () => {
    it(
      "sizes the region for maxBufferSize",
      genTest({ timeout: 20 }, async () => {
        const maxBufferSize = 24 * MiB;
        const port = await serve(fixtures.current, body(20 * MiB), "own");
        const stream = await open(fixtures.current, "own", port, { maxBufferSize });
        const got = await stream.readUntilClose();
        expectBody(got, 20 * MiB);
        expect(got.buffer.byteLength).to.be.within(maxBufferSize, maxBufferSize + REGION_SLACK);
      }),
    );

    it(
      "caps the region at 1 GiB when maxBufferSize is larger",
      genTest({ timeout: 20 }, async () => {
        // Past Node's largest Buffer (4 GiB): an uncapped region could not be made at all.
        const maxBufferSize = 8 * GiB;
        const port = await serve(fixtures.current, body(9 * MiB), "own");
        const stream = await open(fixtures.current, "own", port, { maxBufferSize });
        const got = await stream.readUntilClose();
        expectBody(got, 9 * MiB);
        expect(got.buffer.byteLength).to.be.within(MAX_COLLECT, MAX_COLLECT + REGION_SLACK);
      }),
    );

    it(
      "carries more than 8 MiB buffered before the call into the region",
      genTest({ timeout: 20 }, async () => {
        const size = 30 * MiB;
        const port = await serve(fixtures.current, body(size), "own");
        const stream = await open(fixtures.current, "own", port, { readAhead: 16 * MiB });
        await buffered(stream, 16 * MiB);
        const calls = await withCollect(
          (original) => original,
          async () => {
            const got = await stream.readUntilClose();
            expectBody(got, size);
            expect(got.buffer.byteLength).to.be.within(DEFAULT_MAX, DEFAULT_MAX + REGION_SLACK);
          },
        );
        expect(calls).to.have.length(1);
        expect(calls[0]![0]).to.equal(DEFAULT_MAX);
        expect(calls[0]![1]).to.be.at.least(16 * MiB);
      }),
    );

    it(
      "asks for one region once the body passes 8 MiB, and none for 8 MiB or less",
      genTest({ timeout: 20 }, async () => {
        for (const [size, expected] of [
          [COLLECT_AFTER - 1, 0],
          [COLLECT_AFTER, 0],
          [COLLECT_AFTER + 1, 1],
          [20 * MiB, 1],
        ]) {
          const port = await serve(fixtures.current, body(size!), "own");
          const stream = await open(fixtures.current, "own", port);
          const calls = await withCollect(
            (original) => original,
            async () => expectBody(await stream.readUntilClose(), size!),
          );
          expect(calls, `calls for a body of ${size} bytes`).to.have.length(expected!);
          for (const [capacity, prefix] of calls) {
            expect(capacity).to.equal(DEFAULT_MAX);
            // Asked as soon as the buffer passed 8 MiB: within one read of it.
            expect(prefix).to.be.within(COLLECT_AFTER, COLLECT_AFTER + 256 * KiB);
          }
        }
      }),
    );

    for (const [label, capacity] of [
      ["a region smaller than the body", 9 * MiB],
      ["a region with no room past what was buffered", 0],
    ] as Array<[string, number]>) {
      it(
        `spills into slabs when the body outgrows ${label}`,
        genTest({ timeout: 20 }, async () => {
          const size = 30 * MiB;
          const port = await serve(fixtures.current, body(size), "own");
          const stream = await open(fixtures.current, "own", port);
          const regions: Array<Buffer | null> = [];
          const calls = await withCollect(
            (original, reader) => (_capacity, prefix) => {
              const region = original.call(reader, capacity, prefix);
              regions.push(region);
              return region;
            },
            async () => {
              const got = await stream.readUntilClose();
              expectBody(got, size);
              // Joined from the region and the slabs after it: a copy of its own.
              expect(got.buffer.byteLength).to.equal(size);
            },
          );
          expect(calls).to.have.length(1);
          expect(regions[0]).to.be.instanceOf(Buffer);
          expect(regions[0]!.length).to.be.below(size);
        }),
      );
    }

    it(
      "keeps reading into slabs when the region cannot be allocated",
      genTest({ timeout: 20 }, async () => {
        const size = 20 * MiB;
        const port = await serve(fixtures.current, body(size), "own");
        const stream = await open(fixtures.current, "own", port);
        const calls = await withCollect(
          () => () => null,
          async () => {
            const got = await stream.readUntilClose();
            expectBody(got, size);
            expect(got.buffer.byteLength).to.equal(size);
          },
        );
        expect(calls).to.have.length(1);
      }),
    );

    it(
      "fails a body that outgrows maxBufferSize after the region was reserved",
      genTest({ timeout: 20 }, async () => {
        const maxBufferSize = 20 * MiB;
        const port = await serve(fixtures.current, body(30 * MiB), "own");
        const stream = await open(fixtures.current, "own", port, { maxBufferSize });
        const calls = await withCollect(
          (original) => original,
          async () => {
            const read = stream.readUntilClose();
            await new ExpectLog(genLog, /Reached maximum read buffer size/).run(async () => {
              const error = (await rejection(read)) as StreamClosedError;
              expect(error).to.be.instanceOf(StreamClosedError);
              expect(error.realError).to.be.instanceOf(StreamBufferFullError);
            });
          },
        );
        expect(calls).to.deep.equal([[maxBufferSize, calls[0]![1]]]);
        expect(stream.closed()).to.equal(true);
      }),
    );
  });
});

describe("IOStream read sizes", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();

  /**
   * The bytes one socket read brings, on a stream that made its own socket: after 4 MiB
   * have passed (so the kernel's receive window has grown) and the socket has sat paused
   * with more waiting, a partial read resolves with exactly what the next read brought.
   */
  async function oneRead(maxBufferSize: number): Promise<number> {
    const port = await serve(fixtures.current, Buffer.alloc(16 * MiB, 0x61), "own");
    // readAhead 1: the stream pauses after every read nobody asked for.
    const stream = await open(fixtures.current, "own", port, { maxBufferSize, readAhead: 1 });
    for (let i = 0; i < 64; i++) await stream.readBytes(64 * KiB);
    await sleep(0.02);
    if (stream.bufferedBytes > 0) await stream.readBytes(stream.bufferedBytes);
    await sleep(0.02);
    return (await stream.readBytes(4 * MiB, { partial: true })).length;
  }

  it(
    "reads 256 KiB at a time by default",
    genTest({ timeout: 20 }, async () => {
      expect(await oneRead(DEFAULT_MAX)).to.equal(256 * KiB);
    }),
  );

  it(
    "reads at most half of maxBufferSize at a time",
    genTest({ timeout: 20 }, async () => {
      expect(await oneRead(160 * KiB)).to.equal(80 * KiB);
    }),
  );

  it(
    "reads never less than 64 KiB at a time",
    genTest({ timeout: 20 }, async () => {
      expect(await oneRead(100 * KiB)).to.equal(64 * KiB);
    }),
  );

  it(
    "fails a delimiter beyond a small maxBufferSize even when one read could bring it all",
    genTest({ timeout: 20 }, async () => {
      // The line starts after 4 MiB (so that the kernel's receive window has grown) and
      // runs 400 KiB. With reads of half of maxBufferSize (64 KiB at least), read-ahead and
      // reads take the buffer past maxBufferSize by 228 KiB at most, short of the
      // delimiter, so the read fails as Tornado's does. With 256 KiB reads, read-ahead and
      // one read reach the delimiter, which is searched for before the limit is checked.
      const maxBufferSize = 100 * KiB;
      const data = Buffer.concat([
        Buffer.alloc(4 * MiB, 0x61),
        Buffer.alloc(400 * KiB, 0x62),
        Buffer.from("\n"),
        Buffer.alloc(MiB, 0x63),
      ]);
      const port = await serve(fixtures.current, data, "own");
      const stream = await open(fixtures.current, "own", port, { maxBufferSize });
      for (let i = 0; i < 64; i++) await stream.readBytes(64 * KiB);
      await sleep(0.02);
      await new ExpectLog(genLog, /Reached maximum read buffer size/).run(async () => {
        const error = (await rejection(stream.readUntil("\n"))) as StreamClosedError;
        expect(error.realError).to.be.instanceOf(StreamBufferFullError);
      });
    }),
  );
  it(
    "keeps every small response intact and one slab over a long ping-pong exchange",
    genTest({ timeout: 20 }, async () => {
      // Each 200-byte answer comes in a read of its own, which the stream copies out of
      // its slab (SlabReader reuses that memory for the next read): none may change.
      const rounds = 2000;
      const answer = (i: number): Buffer => Buffer.from(`${i}:`.padEnd(200, "abcdefgh"), "latin1");
      const { port } = await fixtures.current.listen((socket) => {
        let asked = 0;
        socket.on("data", (data) => {
          for (let k = 0; k < data.length; k++) socket.write(answer(asked++));
        });
      });
      const stream = await open(fixtures.current, "own", port);
      const kept: Buffer[] = [];
      for (let i = 0; i < rounds; i++) {
        await stream.write("p");
        kept.push(await stream.readBytes(200));
      }
      for (let i = 0; i < rounds; i++) {
        expect(kept[i]!.equals(answer(i)), `answer ${i}`).to.equal(true);
      }
      // 400 KB of views would have used seven 64 KiB slabs.
      const reader = (stream as unknown as { _reader: SlabReader })._reader;
      expect(reader.slabsMade).to.equal(1);
    }),
  );
});

describe("SlabReader", () => {
  /** The memory the next socket read would go to. */
  function nextRead(reader: SlabReader): Buffer {
    return (reader.options.buffer as () => Buffer)();
  }

  /** Pretends the kernel read `bytes` into `memory` (the last `nextRead`). */
  function land(reader: SlabReader, memory: Buffer, bytes: number): void {
    (reader.options.callback as (n: number, b: Uint8Array) => boolean)(bytes, memory);
  }

  it("starts with 16 KiB reads and doubles them after each full read, up to 256 KiB", () => {
    const reader = new SlabReader();
    const sizes: number[] = [];
    for (let i = 0; i < 7; i++) {
      const memory = nextRead(reader);
      sizes.push(memory.length);
      land(reader, memory, memory.length);
    }
    expect(sizes.map((n) => n / KiB)).to.deep.equal([16, 32, 64, 128, 256, 256, 256]);
  });

  it("keeps reads of a grown reader between 64 KiB and 256 KiB, under readSize", () => {
    const reader = new SlabReader();
    for (let i = 0; i < 5; i++) land(reader, nextRead(reader), reader.currentReadSize);
    expect(nextRead(reader).length).to.equal(256 * KiB);
    for (const [readSize, expected] of [
      [MiB, 256 * KiB],
      [256 * KiB + 1, 256 * KiB],
      [100 * KiB, 100 * KiB],
      [64 * KiB, 64 * KiB],
      [10 * KiB, 64 * KiB],
      [0, 64 * KiB],
    ]) {
      reader.readSize = readSize!;
      expect(nextRead(reader).length, `readSize ${readSize}`).to.equal(expected);
    }
  });

  it("goes back to 16 KiB reads after a run of small reads", () => {
    const reader = new SlabReader();
    for (let i = 0; i < 5; i++) land(reader, nextRead(reader), reader.currentReadSize);
    expect(reader.currentReadSize).to.equal(256 * KiB);
    for (let i = 0; i < 16 * 5; i++) land(reader, nextRead(reader), 100);
    expect(nextRead(reader).length).to.equal(16 * KiB);
  });

  it("places consecutive reads next to each other and hands each to the sink", () => {
    const reader = new SlabReader();
    const seen: Buffer[] = [];
    // The first slab holds one read: fill it, and the next slab has room for several.
    const first = nextRead(reader);
    expect(first.buffer.byteLength).to.equal(16 * KiB);
    land(reader, first, first.length);
    reader.sink = (chunk) => seen.push(chunk);
    const a = nextRead(reader);
    land(reader, a, 5000);
    const b = nextRead(reader);
    expect(b.buffer).to.equal(a.buffer);
    expect(b.byteOffset).to.equal(a.byteOffset + 5000);
    land(reader, b, 4096);
    expect(seen.map((c) => [c.buffer, c.byteOffset, c.length])).to.deep.equal([
      [a.buffer, a.byteOffset, 5000],
      [a.buffer, a.byteOffset + 5000, 4096],
    ]);
  });

  it("copies a read under 4 KiB out of the slab and gives its memory to the next read", () => {
    const reader = new SlabReader();
    const seen: Buffer[] = [];
    reader.sink = (chunk) => seen.push(chunk);
    const a = nextRead(reader);
    a.write("first", "latin1");
    land(reader, a, 5);
    const b = nextRead(reader);
    expect(b.buffer).to.equal(a.buffer);
    expect(b.byteOffset).to.equal(a.byteOffset);
    // The kernel overwrites the memory; what was handed out must not change.
    b.fill(0x7a, 0, 4095);
    land(reader, b, 4095);
    expect(seen).to.have.length(2);
    expect(seen[0]!.toString("latin1")).to.equal("first");
    expect(seen[0]!.buffer).to.not.equal(a.buffer);
    expect(seen[1]!.equals(Buffer.alloc(4095, 0x7a))).to.equal(true);
    expect(seen[1]!.buffer).to.not.equal(a.buffer);
    expect(reader.slabsMade).to.equal(1);
  });

  it("keeps one slab for ever under a stream of small reads", () => {
    const reader = new SlabReader();
    let total = 0;
    reader.sink = (chunk) => (total += chunk.length);
    for (let i = 0; i < 10_000; i++) land(reader, nextRead(reader), 250);
    expect(total).to.equal(2_500_000);
    expect(reader.slabsMade).to.equal(1);
  });

  it("sends reads after collect into the region, after the prefix, until it is full", () => {
    const reader = new SlabReader();
    const seen: Buffer[] = [];
    reader.sink = (chunk) => seen.push(chunk);
    const prefix = 1000;
    const region = reader.collect(MiB, prefix)!;
    expect(region.length).to.be.at.least(MiB);
    let used = prefix;
    for (;;) {
      const memory = nextRead(reader);
      if (memory.buffer !== region.buffer) {
        // Less than a read was left: back to ordinary slabs.
        expect(region.length - used).to.be.below(256 * KiB);
        expect(used).to.be.at.least(MiB);
        break;
      }
      expect(memory.byteOffset).to.equal(region.byteOffset + used);
      land(reader, memory, memory.length);
      used += memory.length;
    }
    expect(
      seen.every(
        (c, i) => i === 0 || c.byteOffset === seen[i - 1]!.byteOffset + seen[i - 1]!.length,
      ),
    ).to.equal(true);
    // Full reads grow to 256 KiB.
    expect(seen.slice(0, 6).map((c) => c.length / KiB)).to.deep.equal([16, 32, 64, 128, 256, 256]);
    expect(seen[0]!.byteOffset).to.equal(region.byteOffset + prefix);
  });

  it("reserves room for a prefix longer than the capacity", () => {
    const reader = new SlabReader();
    const region = reader.collect(0, 3 * MiB)!;
    expect(region.length).to.be.at.least(3 * MiB);
    const memory = nextRead(reader);
    expect(memory.buffer).to.equal(region.buffer);
    expect(memory.byteOffset).to.equal(region.byteOffset + 3 * MiB);
  });

  it("moves a read that lands in the old slab after collect into the region", () => {
    const reader = new SlabReader();
    const seen: Buffer[] = [];
    reader.sink = (chunk) => seen.push(chunk);
    // Node asked for memory before the collect...
    const early = nextRead(reader);
    early.write("hello", "latin1");
    const region = reader.collect(MiB, 10)!;
    // ...and the read lands there after it.
    land(reader, early, 5);
    expect(seen).to.have.length(1);
    expect(seen[0]!.buffer).to.equal(region.buffer);
    expect(seen[0]!.byteOffset).to.equal(region.byteOffset + 10);
    expect(seen[0]!.toString("latin1")).to.equal("hello");
    // The next read follows it in the region.
    const next = nextRead(reader);
    expect(next.buffer).to.equal(region.buffer);
    expect(next.byteOffset).to.equal(region.byteOffset + 15);
  });

  /** True when `a` and `b` share memory. */
  function overlap(a: Uint8Array, b: Uint8Array): boolean {
    return (
      a.buffer === b.buffer &&
      a.byteOffset < b.byteOffset + b.length &&
      b.byteOffset < a.byteOffset + a.length
    );
  }

  /** A reader grown to 256 KiB reads, whose sink gives back what `giveBack` picks. */
  function releasingReader(giveBack: (chunk: Buffer) => Buffer[]): SlabReader {
    const reader = new SlabReader();
    for (let i = 0; i < 5; i++) land(reader, nextRead(reader), reader.currentReadSize);
    reader.sink = (chunk) => {
      for (const piece of giveBack(chunk)) reader.release(piece);
    };
    return reader;
  }

  it("gives the next read the same memory when the whole read came back during the sink", () => {
    // Given back in four pieces, as a body read in 64 KiB chunks is.
    const reader = releasingReader((chunk) =>
      [0, 1, 2, 3].map((i) => chunk.subarray((i * chunk.length) / 4, ((i + 1) * chunk.length) / 4)),
    );
    const first = nextRead(reader);
    const slabs = reader.slabsMade;
    for (let i = 0; i < 100; i++) {
      const memory = nextRead(reader);
      expect(memory.buffer, `read ${i}`).to.equal(first.buffer);
      expect(memory.byteOffset, `read ${i}`).to.equal(first.byteOffset);
      land(reader, memory, memory.length);
    }
    expect(reader.slabsMade).to.equal(slabs);
  });

  it("keeps a recycled read at 32 KiB while reads come back partial, then grows it after four full ones", () => {
    const reader = releasingReader((chunk) => [chunk]);
    const grown = nextRead(reader);
    expect(grown.length).to.equal(256 * KiB);
    land(reader, grown, 100 * KiB);
    const sizes: number[] = [];
    const partial = nextRead(reader);
    expect([partial.buffer, partial.byteOffset]).to.deep.equal([grown.buffer, grown.byteOffset]);
    sizes.push(partial.length);
    land(reader, partial, 10 * KiB);
    for (let i = 0; i < 4; i++) {
      const memory = nextRead(reader);
      sizes.push(memory.length);
      land(reader, memory, memory.length);
    }
    sizes.push(nextRead(reader).length);
    expect(sizes.map((n) => n / KiB)).to.deep.equal([32, 32, 32, 32, 32, 256]);
    // A partial read brings it down to 32 KiB again.
    const again = nextRead(reader);
    land(reader, again, 200 * KiB);
    expect(nextRead(reader).length).to.equal(32 * KiB);
  });

  it("does not keep a read small when the last one was kept, or went to a collect region", () => {
    let keep = true;
    const reader = releasingReader((chunk) => (keep ? [] : [chunk]));
    land(reader, nextRead(reader), 100 * KiB);
    expect(nextRead(reader).length).to.equal(256 * KiB);
    keep = false;
    land(reader, nextRead(reader), 100 * KiB);
    expect(nextRead(reader).length).to.equal(32 * KiB);
    reader.collect(MiB, 0);
    expect(nextRead(reader).length).to.equal(256 * KiB);
  });

  it("moves on when part of the read was kept, given back twice, or given back late", () => {
    const kept: Buffer[] = [];
    let mode = "part";
    const reader = releasingReader((chunk) => {
      if (mode === "part") return [chunk.subarray(0, chunk.length - 1)];
      if (mode === "twice")
        return [chunk.subarray(0, chunk.length / 2), chunk.subarray(0, chunk.length / 2)];
      kept.push(chunk);
      return [];
    });
    for (const m of ["part", "twice", "late"]) {
      mode = m;
      const memory = nextRead(reader);
      land(reader, memory, memory.length);
      expect(overlap(nextRead(reader), memory), m).to.equal(false);
    }
    // A release after the read was handed over changes nothing.
    const before = nextRead(reader);
    reader.release(kept[0]!);
    expect(nextRead(reader).byteOffset).to.equal(before.byteOffset);
  });

  it("ignores views of other memory and moves on after a small read it copied", () => {
    const other = Buffer.alloc(300 * KiB);
    let giveOther = true;
    const reader = releasingReader((chunk) =>
      giveOther ? [other.subarray(0, chunk.length)] : [chunk],
    );
    const memory = nextRead(reader);
    land(reader, memory, memory.length);
    expect(overlap(nextRead(reader), memory)).to.equal(false);
    // A read under 4 KiB reaches the sink as a copy: its slab memory is reused anyway.
    giveOther = false;
    const small = nextRead(reader);
    land(reader, small, 100);
    const next = nextRead(reader);
    expect([next.buffer, next.byteOffset]).to.deep.equal([small.buffer, small.byteOffset]);
  });

  it("does not take memory back from a collect region", () => {
    const reader = releasingReader((chunk) => [chunk]);
    const region = reader.collect(MiB, 0)!;
    const a = nextRead(reader);
    expect(a.buffer).to.equal(region.buffer);
    land(reader, a, a.length);
    expect(overlap(nextRead(reader), a)).to.equal(false);
  });
});
