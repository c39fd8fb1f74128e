/**
 * Tests of `tryReadUntil` and `tryReadBytes`, the reads that never wait: they return what
 * the buffer already holds, or null. Tornado has no counterpart (Python's `await` does not
 * suspend on a done future, so its `read_until` needs none). Over TCP (the stream's own
 * socket, read through slabs) and TLS (`data` events), against a real peer stream.
 *
 * Streams come in pairs `[rs, ws]`: `rs` wraps the accepted socket, `ws` connected to it.
 */
import { expect } from "chai";
import {
  type IOStream,
  StreamBufferFullError,
  StreamClosedError,
  UnsatisfiableReadError,
} from "../src/iostream";
import { Event } from "../src/locks";
import { sleep } from "../src/gen";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { RuntimeError } from "../src/util";
import { bufferedBytes, useStreamFixtures, type PairOptions } from "./helpers/tls";
import { prng } from "./helpers/prng";
import { thrown } from "./helpers/assertions";

/** Waits until `stream` has buffered at least `n` bytes. */
async function buffered(stream: IOStream, n: number): Promise<void> {
  while (bufferedBytes(stream) < n) await sleep(0.002);
}

function tryReadSuite(name: string, kind: "tcp" | "tls"): void {
  describe(name, () => {
    setupAsyncTest();
    const fixtures = useStreamFixtures();
    const pair = (options: PairOptions = {}): Promise<[IOStream, IOStream]> =>
      fixtures.current.pair({ kind, ...options });

    it(
      "tryReadUntil gives null until the line is buffered, then the line; no read is left pending",
      genTest(async () => {
        const [rs, ws] = await pair();
        expect(rs.tryReadUntil("\r\n")).to.equal(null);
        expect(rs.reading()).to.equal(false);
        await ws.write("GET / HT");
        await buffered(rs, 8);
        expect(rs.tryReadUntil("\r\n")).to.equal(null);
        expect(bufferedBytes(rs)).to.equal(8);
        await ws.write("TP/1.1\r\nHost: a\r\n\r\nrest");
        await buffered(rs, 31);
        expect(rs.tryReadUntil("\r\n")?.toString()).to.equal("GET / HTTP/1.1\r\n");
        expect(rs.tryReadUntil("\r\n")?.toString()).to.equal("Host: a\r\n");
        expect(rs.tryReadUntil("\r\n")?.toString()).to.equal("\r\n");
        expect(rs.tryReadUntil("\r\n")).to.equal(null);
        expect(rs.reading()).to.equal(false);
        // What is left is still there for an ordinary read.
        expect((await rs.readBytes(4)).toString()).to.equal("rest");
        ws.close();
        rs.close();
      }),
    );

    it(
      "tryReadUntil finds a delimiter split between two writes",
      genTest(async () => {
        const [rs, ws] = await pair();
        await ws.write("abc\r");
        await buffered(rs, 4);
        expect(rs.tryReadUntil("\r\n")).to.equal(null);
        await ws.write("\ndef");
        await buffered(rs, 8);
        expect(rs.tryReadUntil("\r\n")?.toString()).to.equal("abc\r\n");
        expect(rs.tryReadUntil(Buffer.from("ef"))?.toString()).to.equal("def");
        ws.close();
        rs.close();
      }),
    );

    it(
      "tryReadUntil with maxBytes: null while the limit may still hold, then closes as readUntil does",
      genTest(async () => {
        const [rs, ws] = await pair();
        const closed = new Event();
        rs.setCloseCallback(() => closed.set());
        await ws.write("abcdef");
        await buffered(rs, 6);
        expect(rs.tryReadUntil("def", { maxBytes: 6 })?.toString()).to.equal("abcdef");
        await ws.write("1234");
        await buffered(rs, 4);
        // Four bytes and no delimiter: it may still come within ten.
        expect(rs.tryReadUntil("def", { maxBytes: 10 })).to.equal(null);
        expect(rs.closed()).to.equal(false);
        await ws.write("56def");
        await buffered(rs, 9);
        await new ExpectLog(genLog, /Unsatisfiable read/, { level: "info" }).run(async () => {
          const error = thrown(() => rs.tryReadUntil("def", { maxBytes: 5 })) as StreamClosedError;
          expect(error).to.be.instanceOf(StreamClosedError);
          expect(error.realError).to.be.instanceOf(UnsatisfiableReadError);
          expect(rs.error).to.equal(error.realError);
          await closed.wait();
        });
        ws.close();
      }),
    );

    it(
      "tryReadUntil refuses to run beside a pending read, which then gets the line",
      genTest(async () => {
        const [rs, ws] = await pair();
        const pending = rs.readUntil("\n");
        expect(thrown(() => rs.tryReadUntil("\n"))).to.be.instanceOf(RuntimeError);
        expect(thrown(() => rs.tryReadBytes(1))).to.be.instanceOf(RuntimeError);
        await ws.write("line\n");
        expect((await pending).toString()).to.equal("line\n");
        ws.close();
        rs.close();
      }),
    );

    it(
      "after the peer closes: buffered lines still come, then StreamClosedError, not null",
      genTest(async () => {
        const [rs, ws] = await pair();
        const closed = new Event();
        rs.setCloseCallback(() => closed.set());
        await ws.write("one\ntwo\npartial");
        ws.close();
        await closed.wait();
        expect(rs.tryReadUntil("\n")?.toString()).to.equal("one\n");
        expect(rs.tryReadUntil("\n")?.toString()).to.equal("two\n");
        expect(thrown(() => rs.tryReadUntil("\n"))).to.be.instanceOf(StreamClosedError);
        expect(thrown(() => rs.tryReadBytes(8))).to.be.instanceOf(StreamClosedError);
        expect(rs.tryReadBytes(7)?.toString()).to.equal("partial");
        expect(rs.tryReadBytes(0)?.length).to.equal(0);
      }),
    );

    it(
      "tryReadBytes: null while short, the bytes once there, TypeError for a bad count",
      genTest(async () => {
        const [rs, ws] = await pair();
        expect(rs.tryReadBytes(0)?.length).to.equal(0);
        expect(rs.tryReadBytes(3)).to.equal(null);
        await ws.write("ab");
        await buffered(rs, 2);
        expect(rs.tryReadBytes(3)).to.equal(null);
        await ws.write("cdef");
        await buffered(rs, 6);
        expect(rs.tryReadBytes(3)?.toString()).to.equal("abc");
        expect(rs.tryReadBytes(3)?.toString()).to.equal("def");
        expect(thrown(() => rs.tryReadBytes(-1))).to.be.instanceOf(TypeError);
        expect(thrown(() => rs.tryReadBytes(1.5))).to.be.instanceOf(TypeError);
        ws.close();
        rs.close();
      }),
    );

    it(
      "a caller that polls instead of awaiting still gets every line: null lets the socket flow",
      genTest(async () => {
        // A read-ahead far below the data: the stream pauses the socket many times over,
        // and only the null answers resume it.
        const [rs, ws] = await pair({ readAhead: 16 * 1024 });
        const count = 20_000;
        const text = Array.from({ length: count }, (_, i) => `${i} ${"y".repeat(40)}\n`).join("");
        const writing = ws.write(text);
        let seen = 0;
        let polls = 0;
        while (seen < count) {
          const line = rs.tryReadUntil("\n");
          if (line === null) {
            polls++;
            await sleep(0.001);
            continue;
          }
          if (!line.toString().startsWith(`${seen} `)) {
            expect.fail(`line ${seen} came as ${JSON.stringify(line.toString())}`);
          }
          seen++;
        }
        await writing;
        expect(polls).to.be.greaterThan(0);
        ws.close();
        rs.close();
      }),
    );

    it(
      "a caller that polls cannot grow the buffer past maxBufferSize: the stream closes",
      genTest(async () => {
        const maxBufferSize = 64 * 1024;
        const [rs, ws] = await pair({ maxBufferSize });
        // Far more than the limit, and no newline in it.
        const writing = ws.write(Buffer.alloc(1024 * 1024, "z")).then(
          () => "written",
          () => "failed",
        );
        let error: StreamClosedError | null = null;
        await new ExpectLog(genLog, /Reached maximum read buffer size/).run(async () => {
          while (error === null) {
            try {
              if (rs.tryReadUntil("\n") !== null) expect.fail("no newline was sent");
            } catch (e) {
              error = e as StreamClosedError;
              break;
            }
            expect(bufferedBytes(rs)).to.be.at.most(2 * maxBufferSize);
            await sleep(0.001);
          }
        });
        expect(error).to.be.instanceOf(StreamClosedError);
        expect(error!.realError).to.be.instanceOf(StreamBufferFullError);
        expect(rs.closed()).to.equal(true);
        ws.close();
        await writing;
      }),
    );

    it(
      "a line loop (tryReadUntil, else await readUntil) gets every line once, in order",
      genTest(async () => {
        const [rs, ws] = await pair();
        const random = prng(kind === "tcp" ? 4 : 5);
        const lines: string[] = [];
        for (let i = 0; i < 20_000; i++) lines.push(`${i}:${"x".repeat(random() * 40)}\r\n`);
        const data = Buffer.from(lines.join(""));
        // The writer sends the text in random pieces, pausing now and then, so that lines
        // arrive split at every kind of place and the reader both finds and waits.
        const writer = (async () => {
          for (let pos = 0; pos < data.length;) {
            const end = Math.min(data.length, pos + 1 + Math.floor(random() * 3000));
            await ws.write(data.subarray(pos, end));
            if (random() < 0.1) await sleep(0.001);
            pos = end;
          }
        })();
        let fromBuffer = 0;
        let waited = 0;
        for (const expected of lines) {
          let line = rs.tryReadUntil("\r\n");
          if (line !== null) fromBuffer++;
          else {
            waited++;
            line = await rs.readUntil("\r\n");
          }
          if (line.toString() !== expected) {
            expect(line.toString()).to.equal(expected);
          }
        }
        await writer;
        expect(fromBuffer).to.be.greaterThan(0);
        expect(waited).to.be.greaterThan(0);
        expect(rs.tryReadUntil("\r\n")).to.equal(null);
        ws.close();
        rs.close();
      }),
    );
  });
}

tryReadSuite("TestIOStream tryRead (TCP)", "tcp");
tryReadSuite("TestIOStream tryRead (TLS)", "tls");
