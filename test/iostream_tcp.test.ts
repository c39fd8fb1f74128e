/**
 * Tests of `IOStream` over TCP against scripted raw servers and a node:http server: every
 * read method with the data split at every boundary, limits, closes during each kind of
 * read, resets, half-closes, large writes, connecting. Named after Tornado's
 * `TestIOStreamWebMixin` and `TestIOStreamMixin` where they have a counterpart.
 */
import { expect } from "chai";
import * as http from "node:http";
import type * as net from "node:net";
import { Future } from "../src/concurrent";
import { IOLoop } from "../src/ioloop";
import {
  IOStream,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from "../src/iostream";
import { Event } from "../src/locks";
import { sleep, WaitIterator } from "../src/gen";
import { genLog, type LogRecord } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { bufferedBytes, expectBufferFull, useStreamFixtures } from "./helpers/tls";
import { rejection } from "./helpers/assertions";

/** Resolves once `socket` has received at least `n` bytes in total. */
async function receivedAtLeast(socket: net.Socket, n: number): Promise<void> {
  while (socket.bytesRead < n) await sleep(0.001);
}

/** Records what `genLog` emits at any level while `fn` runs. */
async function genLogRecords(fn: () => Promise<void>): Promise<LogRecord[]> {
  const records: LogRecord[] = [];
  const handler = (record: LogRecord): void => {
    records.push(record);
  };
  const level = genLog.level;
  genLog.level = 1;
  genLog.addHandler(handler);
  try {
    await fn();
  } finally {
    genLog.removeHandler(handler);
    genLog.level = level;
  }
  return records;
}

const MESSAGE = Buffer.from("HTTP/1.1 200 OK\r\nA: b\r\n\r\nbody!");
const HEAD = "HTTP/1.1 200 OK\r\nA: b\r\n\r\n";

describe("TestIOStream (scripted servers)", () => {
  const ctx = setupAsyncTest();
  const fixtures = useStreamFixtures();

  /**
   * Connects a stream to a raw server that sends MESSAGE in two pieces split at `split`:
   * the second piece goes only once the client has received the first, then the server
   * closes. `read` runs the read under test; the rest is read until close and checked.
   */
  async function deliverSplit(
    split: number,
    read: (stream: IOStream) => Promise<Buffer>,
  ): Promise<Buffer> {
    let accept!: (socket: net.Socket) => void;
    const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
    const { port } = await fixtures.current.listen((socket) => accept(socket));
    const stream = fixtures.current.track(new IOStream());
    await stream.connect({ host: "127.0.0.1", port });
    const raw = await accepted;
    raw.setNoDelay(true);
    const result = read(stream);
    raw.write(MESSAGE.subarray(0, split));
    await receivedAtLeast(stream.socket, split);
    raw.end(MESSAGE.subarray(split));
    const first = await result;
    const rest = await stream.readUntilClose();
    expect(Buffer.concat([first, rest]).equals(MESSAGE), `split at ${split}`).to.equal(true);
    return first;
  }

  const splits = Array.from({ length: MESSAGE.length - 1 }, (_, i) => i + 1);

  it(
    "never overwrites a result that is a view of the read slab (several slabs' worth)",
    genTest({ timeout: 20 }, async () => {
      // Streams that connect themselves read into slabs they own (onread); every result
      // handed out must keep its bytes while many more reads land in later slabs.
      const lines = Array.from({ length: 40000 }, (_, i) => `line ${i} ${"x".repeat(i % 97)}\n`);
      const payload = Buffer.from(lines.join(""));
      expect(payload.length).to.be.above(3 * 512 * 1024);
      const { port } = await fixtures.current.listen((socket) => {
        // Odd-sized writes, so reads end mid-line and results straddle reads and slabs.
        let offset = 0;
        const pump = (): void => {
          while (offset < payload.length) {
            const end = Math.min(payload.length, offset + 7919);
            const more = socket.write(payload.subarray(offset, end));
            offset = end;
            if (!more) {
              socket.once("drain", pump);
              return;
            }
          }
          socket.end();
        };
        pump();
      });
      const stream = fixtures.current.track(new IOStream());
      await stream.connect({ host: "127.0.0.1", port });
      const results: Buffer[] = [];
      for (let i = 0; i < lines.length; i++) results.push(await stream.readUntil("\n"));
      expect((await stream.readUntilClose()).length).to.equal(0);
      for (let i = 0; i < lines.length; i++) {
        expect(results[i].toString(), `line ${i}`).to.equal(lines[i]);
      }
    }),
  );

  it(
    "readUntil finds a delimiter split at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const head = await deliverSplit(split, (s) => s.readUntil("\r\n\r\n"));
        expect(head.toString(), `split at ${split}`).to.equal(HEAD);
      }
    }),
  );

  it(
    "readUntilRegex finds a match split at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const head = await deliverSplit(split, (s) => s.readUntilRegex(/\r?\n\r?\n/));
        expect(head.toString(), `split at ${split}`).to.equal(HEAD);
      }
    }),
  );

  it(
    "readBytes waits for both pieces at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const all = await deliverSplit(split, (s) => s.readBytes(MESSAGE.length));
        expect(all.length).to.equal(MESSAGE.length);
      }
    }),
  );

  it(
    "readBytes with partial returns the first piece at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const first = await deliverSplit(split, (s) =>
          s.readBytes(MESSAGE.length, { partial: true }),
        );
        expect(first.length, `split at ${split}`).to.be.within(
          1,
          split === MESSAGE.length ? split : MESSAGE.length,
        );
        expect(first.length, `split at ${split}`).to.be.at.least(Math.min(split, 1));
      }
    }),
  );

  it(
    "readInto fills the caller's buffer at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const target = Buffer.alloc(MESSAGE.length);
        await deliverSplit(split, async (s) => {
          expect(await s.readInto(target)).to.equal(MESSAGE.length);
          return target;
        });
      }
    }),
  );

  it(
    "readUntilClose gets both pieces at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const all = await deliverSplit(split, (s) => s.readUntilClose());
        expect(all.equals(MESSAGE)).to.equal(true);
      }
    }),
  );

  it(
    "tryReadUntil and tryReadBytes answer null until the piece that completes them, at every boundary",
    genTest({ timeout: 20 }, async () => {
      for (const split of splits) {
        const [stream, raw] = await rawPair();
        raw.setNoDelay(true);
        raw.write(MESSAGE.subarray(0, split));
        while (bufferedBytes(stream) < split) await sleep(0.001);
        expect(stream.tryReadBytes(MESSAGE.length), `split at ${split}`).to.equal(null);
        const early = stream.tryReadUntil("\r\n\r\n");
        expect(early === null, `split at ${split}`).to.equal(split < HEAD.length);
        raw.end(MESSAGE.subarray(split));
        while (!stream.closed()) await sleep(0.001);
        const head = early ?? stream.tryReadUntil("\r\n\r\n");
        expect(head?.toString(), `split at ${split}`).to.equal(HEAD);
        expect(stream.tryReadBytes(5)?.toString(), `split at ${split}`).to.equal("body!");
      }
    }),
  );

  /** A stream connected to a raw server socket, which the test drives. */
  async function rawPair(
    options: ConstructorParameters<typeof IOStream>[1] = {},
  ): Promise<[IOStream, net.Socket]> {
    let accept!: (socket: net.Socket) => void;
    const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
    const { port } = await fixtures.current.listen((socket) => accept(socket));
    const stream = fixtures.current.track(new IOStream(undefined, options));
    await stream.connect({ host: "127.0.0.1", port });
    return [stream, await accepted];
  }

  const pendingReads: [string, (s: IOStream) => Future<unknown>][] = [
    ["readUntil", (s) => s.readUntil("\r\n")],
    ["readUntilRegex", (s) => s.readUntilRegex(/\r\n/)],
    ["readBytes", (s) => s.readBytes(100)],
    ["readBytes partial", (s) => s.readBytes(100, { partial: true })],
    ["readInto", (s) => s.readInto(new Uint8Array(100))],
  ];

  for (const [name, start] of pendingReads) {
    it(
      `${name} fails with StreamClosedError when the peer closes first`,
      genTest(async () => {
        const [stream, raw] = await rawPair();
        const read = start(stream);
        if (name !== "readBytes partial") raw.write("abc");
        raw.end();
        const error = (await rejection(read)) as StreamClosedError;
        expect(error).to.be.instanceOf(StreamClosedError);
        expect(error.message).to.equal("Stream is closed");
        expect(error.realError).to.equal(undefined);
        expect(stream.closed()).to.equal(true);
      }),
    );

    it(
      `${name} fails with StreamClosedError when this side closes`,
      genTest(async () => {
        const [stream] = await rawPair();
        const read = start(stream);
        stream.close();
        expect(await rejection(read)).to.be.instanceOf(StreamClosedError);
        expect(stream.reading()).to.equal(false);
      }),
    );
  }

  it(
    "readUntilClose resolves with the data when either side closes",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      let read = stream.readUntilClose();
      raw.write("some data");
      await receivedAtLeast(stream.socket, 9);
      stream.close();
      expect((await read).toString()).to.equal("some data");
      const [other, raw2] = await rawPair();
      read = other.readUntilClose();
      raw2.end("more data");
      expect((await read).toString()).to.equal("more data");
    }),
  );

  it(
    "throws StreamClosedError at once for a read the closed buffer cannot satisfy (test_future_read_until_close)",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      raw.end("abc");
      expect((await stream.readUntilClose()).toString()).to.equal("abc");
      expect(() => stream.readBytes(1)).to.throw(StreamClosedError);
      expect(() => stream.readUntil("x")).to.throw(StreamClosedError);
      expect((await stream.readBytes(0)).length).to.equal(0);
      expect((await stream.readUntilClose()).length).to.equal(0);
      expect(() => stream.write("x")).to.throw(StreamClosedError);
    }),
  );

  it(
    "closes with 'Reached maximum read buffer size' when a delimiter needs more",
    genTest(async () => {
      const [stream, raw] = await rawPair({ maxBufferSize: 64 * 1024 });
      await expectBufferFull(stream, () => {
        const read = stream.readUntil("\r\n");
        raw.write(Buffer.alloc(200 * 1024, "x"));
        return read;
      });
    }),
  );

  it(
    "fails readBytes and readUntilClose that outgrow maxBufferSize",
    genTest(async () => {
      for (const start of [
        (s: IOStream) => s.readBytes(100 * 1024),
        (s: IOStream) => s.readUntilClose(),
      ]) {
        const [stream, raw] = await rawPair({ maxBufferSize: 32 * 1024 });
        await new ExpectLog(genLog, /Reached maximum read buffer size/).run(async () => {
          const read = start(stream);
          raw.end(Buffer.alloc(100 * 1024, "y"));
          expect(((await rejection(read)) as StreamClosedError).realError).to.be.instanceOf(
            StreamBufferFullError,
          );
        });
      }
    }),
  );

  it(
    "throws StreamBufferFullError past maxWriteBufferSize",
    genTest(async () => {
      const [stream] = await rawPair({ maxWriteBufferSize: 10 });
      const pending: Future<void>[] = [];
      // Writes hand bytes to the kernel at once; the limit counts those not yet handed over.
      expect(() => stream.write(Buffer.alloc(11))).to.throw(
        StreamBufferFullError,
        "Reached maximum write buffer size",
      );
      pending.push(stream.write(Buffer.alloc(10)));
      await Promise.all(pending);
      expect(stream.writing()).to.equal(false);
    }),
  );

  it(
    "closes quietly on a reset and keeps the error",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      const closed = new Event();
      stream.setCloseCallback(() => closed.set());
      const records = await genLogRecords(async () => {
        const read = stream.readBytes(10);
        raw.write("abc");
        await receivedAtLeast(stream.socket, 3);
        raw.resetAndDestroy();
        const error = (await rejection(read)) as StreamClosedError;
        expect(error).to.be.instanceOf(StreamClosedError);
        expect((error.realError as NodeJS.ErrnoException).code).to.equal("ECONNRESET");
        await closed.wait();
      });
      expect(records.map((r) => r.message)).to.deep.equal([]);
      expect((stream.error as NodeJS.ErrnoException).code).to.equal("ECONNRESET");
      // What had arrived stays readable.
      expect((await stream.readBytes(3)).toString()).to.equal("abc");
    }),
  );

  it(
    "reads the rest after the peer half-closes, then counts as closed",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      const closed = new Event();
      stream.setCloseCallback(() => closed.set());
      raw.end("line one\r\nline two\r\npartial");
      expect((await stream.readUntil("\r\n")).toString()).to.equal("line one\r\n");
      await closed.wait();
      expect(stream.closed()).to.equal(true);
      expect(stream.error).to.equal(null);
      expect((await stream.readUntil("\r\n")).toString()).to.equal("line two\r\n");
      expect(() => stream.readUntil("\r\n")).to.throw(StreamClosedError);
      expect(() => stream.write("too late")).to.throw(StreamClosedError);
    }),
  );

  it(
    "writes 50 MB with back-pressure, resolving the write Futures in order",
    genTest({ timeout: 30 }, async () => {
      const [stream, raw] = await rawPair();
      const MB = 1024 * 1024;
      let received = 0;
      let done!: () => void;
      const all = new Promise<void>((resolve) => (done = resolve));
      // A slow reader: pauses after every megabyte for a moment.
      raw.on("data", (chunk: Buffer) => {
        const before = received;
        received += chunk.length;
        if (received === 50 * MB) done();
        else if (Math.floor(received / MB) !== Math.floor(before / MB)) {
          raw.pause();
          setTimeout(() => raw.resume(), 1);
        }
      });
      const order: number[] = [];
      const writes = Array.from({ length: 5 }, (_, i) =>
        stream.write(Buffer.alloc(10 * MB, i)).then(() => order.push(i)),
      );
      expect(stream.writing()).to.equal(true);
      await Promise.all(writes);
      await all;
      expect(order).to.deep.equal([0, 1, 2, 3, 4]);
      expect(stream.writing()).to.equal(false);
    }),
  );

  it(
    "fails pending writes with StreamClosedError when closed",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      raw.pause();
      const big = stream.write(Buffer.alloc(32 * 1024 * 1024));
      const empty = stream.write("");
      stream.close();
      expect(await rejection(big)).to.be.instanceOf(StreamClosedError);
      expect(await rejection(empty)).to.be.instanceOf(StreamClosedError);
      raw.destroy();
    }),
  );

  it(
    "queues the close callback on the loop rather than calling it inside close()",
    genTest(async () => {
      const [stream] = await rawPair();
      let called = 0;
      stream.setCloseCallback(() => called++);
      stream.close();
      stream.close();
      expect(called).to.equal(0);
      await new Promise<void>((resolve) => ctx.ioLoop.addCallback(() => resolve()));
      expect(called).to.equal(1);
    }),
  );

  it("is closed by its loop's close({ allFds: true })", async () => {
    const { port } = await fixtures.current.listen();
    const other = new IOLoop();
    try {
      const stream = new IOStream();
      await other.runSync(() => stream.connect({ host: "127.0.0.1", port }));
      expect(stream.closed()).to.equal(false);
      other.close({ allFds: true });
      expect(stream.closed()).to.equal(true);
      expect(stream.socket.destroyed).to.equal(true);
    } finally {
      other.close();
      ctx.ioLoop.makeCurrent();
    }
  });

  it(
    "sets .error with ECONNREFUSED when the connection is refused (test_connection_refused)",
    genTest(async () => {
      const { server, port } = await fixtures.current.listen();
      await new Promise((resolve) => server.close(resolve));
      const stream = new IOStream();
      const closed = new Event();
      stream.setCloseCallback(() => closed.set());
      const error = (await rejection(
        stream.connect({ host: "127.0.0.1", port }),
      )) as StreamClosedError;
      expect(error).to.be.instanceOf(StreamClosedError);
      expect(error.realError).to.equal(stream.error);
      expect((stream.error as NodeJS.ErrnoException).code).to.equal("ECONNREFUSED");
      expect(stream.error?.message).to.contain("ECONNREFUSED");
      expect(error.cause).to.equal(stream.error);
      await closed.wait();
      expect(stream.closed()).to.equal(true);
    }),
  );

  it(
    "sets .error when the host cannot be resolved (test_gaierror)",
    genTest(async () => {
      const stream = new IOStream();
      const error = (await rejection(
        stream.connect({ host: "nonexistent.invalid", port: 80 }),
      )) as StreamClosedError;
      expect(error).to.be.instanceOf(StreamClosedError);
      expect((stream.error as NodeJS.ErrnoException).code).to.match(/ENOTFOUND|EAI_AGAIN/);
    }),
  );

  it("connects over IPv6 to ::1", async function () {
    let listening: { port: number };
    try {
      listening = await fixtures.current.listen((socket) => socket.end("over v6"), "::1");
    } catch (error) {
      // The machine has no IPv6 loopback: nothing to test here.
      this.skip();
      throw error;
    }
    await genTest(async () => {
      const stream = fixtures.current.track(new IOStream());
      await stream.connect({ host: "::1", port: listening.port, family: 6 });
      expect(stream.socket.remoteFamily).to.equal("IPv6");
      expect((await stream.readUntilClose()).toString()).to.equal("over v6");
    }).call(this);
  });

  it(
    "binds the local address and port it is given",
    genTest(async () => {
      const { port } = await fixtures.current.listen((socket) => socket.end("bound"));
      const probe = await fixtures.current.listen();
      const localPort = probe.port;
      await new Promise((resolve) => probe.server.close(resolve));
      const stream = fixtures.current.track(new IOStream());
      await stream.connect({ host: "127.0.0.1", port, localAddress: "127.0.0.1", localPort });
      expect(stream.socket.localAddress).to.equal("127.0.0.1");
      expect(stream.socket.localPort).to.equal(localPort);
      expect((await stream.readUntilClose()).toString()).to.equal("bound");
    }),
  );

  it(
    "readUntilRegex ignores the g and y flags of the regex",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      raw.write("a1b22c333\n");
      await receivedAtLeast(stream.socket, 10);
      const digits = /\d+/g;
      expect((await stream.readUntilRegex(digits)).toString()).to.equal("a1");
      expect((await stream.readUntilRegex(digits)).toString()).to.equal("b22");
      expect((await stream.readUntilRegex(/c/y)).toString()).to.equal("c");
      expect(digits.lastIndex).to.equal(0);
      stream.close();
    }),
  );

  it(
    "rejects bad readBytes counts and unsatisfiable state errors at the call",
    genTest(async () => {
      const [stream] = await rawPair();
      expect(() => stream.readBytes(-1)).to.throw(TypeError);
      expect(() => stream.readBytes(1.5)).to.throw(TypeError);
      expect(stream.reading()).to.equal(false);
      stream.close();
    }),
  );

  it(
    "reports UnsatisfiableReadError as the cause of the close",
    genTest(async () => {
      const [stream, raw] = await rawPair();
      raw.write("0123456789");
      await receivedAtLeast(stream.socket, 10);
      await new ExpectLog(
        genLog,
        /Unsatisfiable read, closing connection: delimiter "\\r\\n" not found within 4 bytes/,
        {
          level: "info",
        },
      ).run(async () => {
        const error = (await rejection(
          stream.readUntil("\r\n", { maxBytes: 4 }),
        )) as StreamClosedError;
        expect(error.realError).to.be.instanceOf(UnsatisfiableReadError);
      });
      expect(bufferedBytes(stream)).to.equal(10);
    }),
  );

  describe("_readSome (the HTTP reader's read, without a Future)", () => {
    /** A sink that records its calls, and whether each came inside `inside()`. */
    function recordingSink(): {
      calls: string[];
      data: Buffer[];
      errors: unknown[];
      sink: { readDone(data: Buffer): void; readFailed(error: unknown): void };
    } {
      const calls: string[] = [];
      const data: Buffer[] = [];
      const errors: unknown[] = [];
      return {
        calls,
        data,
        errors,
        sink: {
          readDone: (d) => {
            calls.push("done");
            data.push(d);
          },
          readFailed: (e) => {
            calls.push("failed");
            errors.push(e);
          },
        },
      };
    }

    /** A stream connected to a raw server; returns both ends. */
    async function connected(): Promise<{ stream: IOStream; raw: net.Socket }> {
      let accept!: (socket: net.Socket) => void;
      const accepted = new Promise<net.Socket>((resolve) => (accept = resolve));
      const { port } = await fixtures.current.listen((socket) => accept(socket));
      const stream = fixtures.current.track(new IOStream());
      await stream.connect({ host: "127.0.0.1", port });
      return { stream, raw: await accepted };
    }

    it(
      "returns buffered bytes at once, at most maxBytes, and calls no sink",
      genTest(async () => {
        const { stream, raw } = await connected();
        raw.write("0123456789");
        // A read that completes once all ten bytes are here leaves nothing buffered...
        expect((await stream.readBytes(2)).toString()).to.equal("01");
        await receivedAtLeast(stream.socket, 10);
        // ...and the other eight wait in the buffer.
        const r = recordingSink();
        expect(stream._readSome(5, r.sink)!.toString()).to.equal("23456");
        expect(stream._readSome(100, r.sink)!.toString()).to.equal("789");
        expect(stream.reading()).to.equal(false);
        await sleep(0.01);
        expect(r.calls).to.deep.equal([]);
      }),
    );

    it(
      "returns null with nothing buffered, and the sink hears the next bytes once",
      genTest(async () => {
        const { stream, raw } = await connected();
        const r = recordingSink();
        expect(stream._readSome(4, r.sink)).to.equal(null);
        expect(stream.reading()).to.equal(true);
        raw.write("abcdef");
        await receivedAtLeast(stream.socket, 6);
        await sleep(0.01);
        expect(r.calls).to.deep.equal(["done"]);
        expect(r.data[0]!.toString()).to.equal("abcd");
        expect(stream.reading()).to.equal(false);
        expect((await stream.readBytes(2)).toString()).to.equal("ef");
      }),
    );

    it(
      "tells the sink of a close in a microtask, never from inside close()",
      genTest(async () => {
        const { stream } = await connected();
        const r = recordingSink();
        expect(stream._readSome(4, r.sink)).to.equal(null);
        stream.close();
        expect(r.calls, "called from inside close()").to.deep.equal([]);
        await Promise.resolve();
        expect(r.calls).to.deep.equal(["failed"]);
        expect(r.errors[0]).to.be.instanceOf(StreamClosedError);
        expect(stream.reading()).to.equal(false);
      }),
    );

    it(
      "gives what is buffered after a close, then throws StreamClosedError",
      genTest(async () => {
        const { stream, raw } = await connected();
        raw.end("last");
        await stream.readBytes(0);
        while (!stream.closed()) await sleep(0.001);
        const r = recordingSink();
        expect(stream._readSome(100, r.sink)!.toString()).to.equal("last");
        expect(() => stream._readSome(100, r.sink)).to.throw(StreamClosedError);
        expect(r.calls).to.deep.equal([]);
      }),
    );

    it(
      "refuses while another read is pending",
      genTest(async () => {
        const { stream } = await connected();
        const pending = stream.readBytes(1);
        expect(() => stream._readSome(1, recordingSink().sink)).to.throw("Already reading");
        stream.close();
        await rejection(pending);
      }),
    );
  });
});

describe("TestIOStreamWebHTTP", () => {
  setupAsyncTest();
  const fixtures = useStreamFixtures();
  let server: http.Server;
  let port: number;

  beforeEach(async () => {
    server = http.createServer((_req, res) => {
      res.setHeader("Content-Type", "text/plain");
      res.setHeader("Content-Length", "5");
      res.end("Hello");
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  afterEach(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const connect = async (): Promise<IOStream> => {
    const stream = fixtures.current.track(new IOStream());
    const result = await stream.connect({ host: "127.0.0.1", port });
    expect(result).to.equal(stream);
    return stream;
  };

  it(
    "reads a whole response until close (test_read_until_close)",
    genTest(async () => {
      const stream = await connect();
      void stream.write("GET / HTTP/1.0\r\n\r\n");
      const data = (await stream.readUntilClose()).toString();
      expect(data.startsWith("HTTP/1.1 200")).to.equal(true);
      expect(data.endsWith("Hello")).to.equal(true);
    }),
  );

  it(
    "reads zero bytes between reads (test_read_zero_bytes)",
    genTest(async () => {
      const stream = await connect();
      void stream.write("GET / HTTP/1.0\r\n\r\n");
      expect((await stream.readBytes(9)).toString()).to.equal("HTTP/1.1 ");
      expect((await stream.readBytes(0)).toString()).to.equal("");
      expect((await stream.readBytes(3)).toString()).to.equal("200");
      stream.close();
    }),
  );

  it(
    "resolves connect before a write issued while connecting (test_write_while_connecting)",
    genTest(async () => {
      const stream = fixtures.current.track(new IOStream());
      const connected = stream.connect({ host: "127.0.0.1", port });
      const written = stream.write("GET / HTTP/1.0\r\nConnection: close\r\n\r\n");
      const emptyWrite = stream.write("");
      expect(connected.done()).to.equal(false);
      const order: unknown[] = [];
      const wait = new WaitIterator<unknown>([connected, written, emptyWrite]);
      while (!wait.done()) {
        await wait.next();
        order.push(wait.currentFuture);
      }
      expect(order).to.deep.equal([connected, written, emptyWrite]);
      expect((await stream.readUntilClose()).toString().endsWith("Hello")).to.equal(true);
    }),
  );

  it(
    "reads a response through Futures (test_future_interface)",
    genTest(async () => {
      const stream = await connect();
      await stream.write("GET / HTTP/1.0\r\n\r\n");
      expect((await stream.readUntil("\r\n")).toString()).to.equal("HTTP/1.1 200 OK\r\n");
      const headers = (await stream.readUntil("\r\n\r\n")).toString("latin1");
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1]);
      expect((await stream.readBytes(length)).toString()).to.equal("Hello");
      stream.close();
    }),
  );

  it(
    "fails a read longer than the response (test_future_close_while_reading)",
    genTest(async () => {
      const stream = await connect();
      await stream.write("GET / HTTP/1.0\r\n\r\n");
      expect(await rejection(stream.readBytes(1024 * 1024))).to.be.instanceOf(StreamClosedError);
    }),
  );
});
