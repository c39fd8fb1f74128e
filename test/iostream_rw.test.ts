/**
 * Tests of `iostream` where one stream reads and the other writes, named after Tornado's
 * `TestReadWriteMixin`/`TestIOStreamMixin` in iostream_test.py. The same suite runs over
 * TCP (`TestIOStream`) and over TLS (`TestIOStreamSSL`), as in Tornado.
 *
 * Streams come in pairs `[rs, ws]`: `rs` wraps the accepted socket, `ws` connected to it.
 * Every test runs on a fresh IOLoop that must be empty afterwards, and the fixtures fail a
 * test that leaves a connection open.
 */
import { expect } from "chai";
import { createHash } from "node:crypto";
import { type IOStream, StreamClosedError, UnsatisfiableReadError } from "../src/iostream";
import { Event } from "../src/locks";
import { multi, sleep } from "../src/gen";
import { genLog } from "../src/log";
import { ExpectLog, genTest, setupAsyncTest } from "../src/testing";
import { bufferedBytes, useStreamFixtures, type PairOptions } from "./helpers/tls";
import { rejection } from "./helpers/assertions";
import { prng } from "./helpers/prng";

function readWriteSuite(name: string, kind: "tcp" | "tls"): void {
  describe(name, () => {
    setupAsyncTest();
    const fixtures = useStreamFixtures();
    const pair = (options: PairOptions = {}): Promise<[IOStream, IOStream]> =>
      fixtures.current.pair({ kind, ...options });

    it(
      "resolves a write of no bytes (test_write_zero_bytes)",
      genTest(async () => {
        const [rs, ws] = await pair();
        await ws.write(Buffer.alloc(0));
        await ws.write("");
        ws.close();
        rs.close();
      }),
    );

    it(
      "reads what was buffered before the peer closed (test_future_delayed_close_callback)",
      genTest(async () => {
        const [rs, ws] = await pair();
        await ws.write("12");
        const chunks = [await rs.readBytes(1)];
        ws.close();
        chunks.push(await rs.readBytes(1));
        expect(Buffer.concat(chunks).toString()).to.equal("12");
        rs.close();
      }),
    );

    it(
      "serves buffered data after the close arrives (test_close_buffered_data)",
      genTest(async () => {
        const [rs, ws] = await pair({ readChunkSize: 256 });
        await ws.write(Buffer.alloc(512, "A"));
        expect((await rs.readBytes(256)).equals(Buffer.alloc(256, "A"))).to.equal(true);
        ws.close();
        await sleep(0.01);
        expect((await rs.readBytes(256)).equals(Buffer.alloc(256, "A"))).to.equal(true);
        rs.close();
      }),
    );

    it(
      "readUntilClose after the close gives the rest (test_read_until_close_after_close)",
      genTest(async () => {
        const [rs, ws] = await pair();
        await ws.write("1234");
        const first = await rs.readBytes(1);
        ws.close();
        expect(first.toString()).to.equal("1");
        expect((await rs.readUntilClose()).toString()).to.equal("234");
        rs.close();
      }),
    );

    it(
      "finds a delimiter after 4 MB in one read (test_large_read_until)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const block = Buffer.alloc(1024, "A");
        for (let i = 0; i < 4096; i++) void ws.write(block);
        void ws.write("\r\n");
        const data = await rs.readUntil("\r\n");
        expect(data.length).to.equal(4096 * 1024 + 2);
        ws.close();
        rs.close();
      }),
    );

    it(
      "finds a delimiter in a packet that comes with the close (test_read_until_with_close_after_second_packet)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const read = rs.readUntil("done");
        await sleep(0.05);
        await ws.write(Buffer.alloc(2048, "x"));
        void ws.write("done");
        ws.close();
        expect((await read).length).to.equal(2052);
        rs.close();
      }),
    );

    it(
      "readUntilRegex finds a match in a small packet after a large one, the peer still open",
      genTest(async () => {
        const [rs, ws] = await pair();
        const read = rs.readUntilRegex(/\r?\n\r?\n/);
        await ws.write(Buffer.alloc(2048, "x"));
        while (bufferedBytes(rs) < 2048) await sleep(0.002);
        await ws.write("\r\n\r\n");
        expect((await read).length).to.equal(2052);
        ws.close();
        rs.close();
      }),
    );

    it(
      "readUntilRegex finds a match after 4 MB",
      genTest(async () => {
        const [rs, ws] = await pair();
        const block = Buffer.alloc(1024, "A");
        for (let i = 0; i < 4096; i++) void ws.write(block);
        void ws.write("\r\n\r\n");
        expect((await rs.readUntilRegex(/\r?\n\r?\n/)).length).to.equal(4096 * 1024 + 4);
        ws.close();
        rs.close();
      }),
    );

    it(
      "fails with StreamClosedError, not Unsatisfiable, when closed first (test_read_until_unsatisfied_after_close)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const read = rs.readUntil("done");
        await ws.write(Buffer.alloc(2048, "x"));
        void ws.write("foo");
        ws.close();
        const error = await rejection(read);
        expect(error).to.be.instanceOf(StreamClosedError);
        expect((error as StreamClosedError).realError).to.equal(undefined);
        rs.close();
      }),
    );

    it(
      "runs the close callback with a read pending (test_close_callback_with_pending_read)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const closed = new Event();
        rs.setCloseCallback(() => closed.set());
        await ws.write("OK\r\n");
        expect((await rs.readUntil("\r\n")).toString()).to.equal("OK\r\n");
        ws.close();
        const pending = rs.readUntil("\r\n");
        await closed.wait();
        expect(await rejection(pending)).to.be.instanceOf(StreamClosedError);
        rs.close();
      }),
    );

    it(
      "runs the close callback once the peer closes (test_future_close_callback)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const closed = new Event();
        rs.setCloseCallback(() => closed.set());
        await ws.write("a");
        expect((await rs.readBytes(1)).toString()).to.equal("a");
        expect(closed.isSet()).to.equal(false);
        ws.close();
        await closed.wait();
        expect(rs.closed()).to.equal(true);
      }),
    );

    it(
      "writes a typed-array view (test_write_memoryview)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const read = rs.readBytes(4);
        const backing = new Uint8Array(Buffer.from("xxhelloxx"));
        void ws.write(backing.subarray(2, 7));
        expect((await read).toString()).to.equal("hell");
        ws.close();
        rs.close();
      }),
    );

    it(
      "returns what is there with partial (test_read_bytes_partial)",
      genTest(async () => {
        const [rs, ws] = await pair();
        let read = rs.readBytes(50, { partial: true });
        void ws.write("hello");
        expect((await read).toString()).to.equal("hello");
        read = rs.readBytes(3, { partial: true });
        void ws.write("world");
        expect((await read).toString()).to.equal("wor");
        expect((await rs.readBytes(0, { partial: true })).length).to.equal(0);
        ws.close();
        rs.close();
      }),
    );

    for (const method of ["readUntil", "readUntilRegex"] as const) {
      const read = (s: IOStream, maxBytes: number) =>
        method === "readUntil"
          ? s.readUntil("def", { maxBytes })
          : s.readUntilRegex(/def/, { maxBytes });
      const tornado = method === "readUntil" ? "read_until" : "read_until_regex";

      it(
        `${method}: honours maxBytes under, at and over the limit (test_${tornado}_max_bytes)`,
        genTest(async () => {
          const [rs, ws] = await pair();
          const closed = new Event();
          rs.setCloseCallback(() => closed.set());
          let future = read(rs, 50);
          void ws.write("abcdef");
          expect((await future).toString()).to.equal("abcdef");
          future = read(rs, 6);
          void ws.write("abcdef");
          expect((await future).toString()).to.equal("abcdef");
          await new ExpectLog(genLog, /Unsatisfiable read/, { level: "info" }).run(async () => {
            future = read(rs, 5);
            void ws.write("123456");
            await closed.wait();
          });
          const error = (await rejection(future)) as StreamClosedError;
          expect(error).to.be.instanceOf(StreamClosedError);
          expect(error.realError).to.be.instanceOf(UnsatisfiableReadError);
          expect(rs.error).to.equal(error.realError);
          ws.close();
        }),
      );

      it(
        `${method}: fails through the Future when the buffer is over the limit already (test_${tornado}_max_bytes_inline)`,
        genTest(async () => {
          const [rs, ws] = await pair();
          const closed = new Event();
          rs.setCloseCallback(() => closed.set());
          await ws.write("123456");
          // Let the bytes reach rs's buffer, so the read is decided inside the call.
          while (bufferedBytes(rs) < 6) await sleep(0.005);
          await new ExpectLog(genLog, /Unsatisfiable read/, { level: "info" }).run(async () => {
            const future = read(rs, 5);
            // Not thrown: it fails through the Future, as the out-of-line case does.
            expect(future.done()).to.equal(true);
            expect(await rejection(future)).to.be.instanceOf(StreamClosedError);
          });
          await closed.wait();
          ws.close();
        }),
      );

      it(
        `${method}: fails when the match ends past the limit (test_${tornado}_max_bytes_ignores_extra)`,
        genTest(async () => {
          const [rs, ws] = await pair();
          const closed = new Event();
          rs.setCloseCallback(() => closed.set());
          void ws.write("abcdef");
          await new ExpectLog(genLog, /Unsatisfiable read/, { level: "info" }).run(async () => {
            const future = read(rs, 5);
            await closed.wait();
            expect(await rejection(future)).to.be.instanceOf(StreamClosedError);
          });
          ws.close();
        }),
      );
    }

    it(
      "reads small pieces from a buffer larger than maxBufferSize (test_small_reads_from_large_buffer)",
      genTest(async () => {
        const [rs, ws] = await pair({ maxBufferSize: 10 * 1024 });
        void ws.write(Buffer.alloc(100 * 1024, "a"));
        for (let i = 0; i < 100; i++) {
          expect((await rs.readBytes(1024)).equals(Buffer.alloc(1024, "a"))).to.equal(true);
        }
        ws.close();
        rs.close();
      }),
    );

    it(
      "reads small lines from a buffer larger than maxBufferSize (test_small_read_untils_from_large_buffer)",
      genTest(async () => {
        const [rs, ws] = await pair({ maxBufferSize: 10 * 1024 });
        const line = Buffer.concat([Buffer.alloc(1023, "a"), Buffer.from("\n")]);
        void ws.write(Buffer.concat(Array.from({ length: 100 }, () => line)));
        for (let i = 0; i < 100; i++) {
          expect((await rs.readUntil("\n", { maxBytes: 4096 })).equals(line)).to.equal(true);
        }
        ws.close();
        rs.close();
      }),
    );

    it(
      "holds the writer back while the reader is slow (test_flow_control)",
      genTest({ timeout: 20 }, async () => {
        const MB = 1024 * 1024;
        const [rs, ws] = await pair({ maxBufferSize: 5 * MB });
        // Tornado writes 10 MB; loopback here may buffer more than that in the kernel
        // (tcp_rmem grows to 32 MiB), which would let the write finish while the reader
        // is paused. 64 MiB cannot all fit.
        const total = 64;
        const written = ws.write(Buffer.alloc(total * MB, "a"));
        await rs.readBytes(MB);
        // The reader pauses once it holds its read-ahead (1 MiB) plus at most a chunk; the
        // rest waits in the kernel and on the writer's side. Reads start small and grow,
        // so on a loaded machine filling the read-ahead can take a while: wait up to 2 s.
        for (let i = 0; i < 40 && !rs.socket.isPaused(); i++) await sleep(0.05);
        expect(rs.socket.isPaused()).to.equal(true);
        expect(bufferedBytes(rs)).to.be.at.most(MB + 64 * 1024);
        expect(written.done()).to.equal(false);
        for (let i = 1; i < total; i++) expect((await rs.readBytes(MB)).length).to.equal(MB);
        await written;
        expect(ws.writing()).to.equal(false);
        ws.close();
        rs.close();
      }),
    );

    it(
      "reads into a caller's buffer (test_read_into)",
      genTest(async () => {
        const [rs, ws] = await pair();
        let buf = new Uint8Array(10);
        let future = rs.readInto(buf);
        void ws.write("hello");
        await sleep(0.05);
        expect(rs.reading()).to.equal(true);
        void ws.write("world!!");
        expect(await future).to.equal(10);
        expect(rs.reading()).to.equal(false);
        expect(Buffer.from(buf).toString()).to.equal("helloworld");
        future = rs.readInto(buf);
        await sleep(0.05);
        expect(rs.reading()).to.equal(true);
        void ws.write("1234567890");
        expect(await future).to.equal(10);
        expect(Buffer.from(buf).toString()).to.equal("!!12345678");
        buf = new Uint8Array(4);
        void ws.write("abcdefghi");
        expect(await rs.readInto(buf)).to.equal(4);
        expect(Buffer.from(buf).toString()).to.equal("90ab");
        expect((await rs.readBytes(7)).toString()).to.equal("cdefghi");
        ws.close();
        rs.close();
      }),
    );

    it(
      "reads into a caller's buffer with partial (test_read_into_partial)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const buf = new Uint8Array(10);
        const future = rs.readInto(buf, { partial: true });
        void ws.write("hello");
        expect(await future).to.equal(5);
        expect(rs.reading()).to.equal(false);
        expect(Buffer.from(buf).toString("latin1")).to.equal("hello\0\0\0\0\0");
        await ws.write("world!1234567890");
        await sleep(0.02);
        expect(await rs.readInto(buf, { partial: true })).to.equal(10);
        expect(Buffer.from(buf).toString()).to.equal("world!1234");
        expect(await rs.readInto(buf, { partial: true })).to.equal(6);
        expect(Buffer.from(buf).toString()).to.equal("5678901234");
        ws.close();
        rs.close();
      }),
    );

    it(
      "resolves a read into an empty buffer at once (test_read_into_zero_bytes)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const future = rs.readInto(new Uint8Array(0));
        expect(future.done()).to.equal(true);
        expect(future.result()).to.equal(0);
        ws.close();
        rs.close();
      }),
    );

    it(
      "keeps every byte through mixed readBytes/readInto (test_many_mixed_reads)",
      genTest({ timeout: 20 }, async () => {
        const random = prng(42);
        const nbytes = 1_000_000;
        const [rs, ws] = await pair();
        const produced = createHash("sha1");
        const consumed = createHash("sha1");
        const produce = async (): Promise<void> => {
          let remaining = nbytes;
          while (remaining > 0) {
            const size = 1 + Math.floor(random() * Math.min(1000, remaining));
            const data = Buffer.alloc(size);
            for (let i = 0; i < size; i++) data[i] = (random() * 256) | 0;
            produced.update(data);
            await ws.write(data);
            remaining -= size;
          }
        };
        const consume = async (): Promise<void> => {
          let remaining = nbytes;
          while (remaining > 0) {
            const size = 1 + Math.floor(random() * Math.min(1000, remaining));
            if (random() > 0.5) {
              consumed.update(await rs.readBytes(size));
            } else {
              const buf = new Uint8Array(size);
              expect(await rs.readInto(buf)).to.equal(size);
              consumed.update(buf);
            }
            remaining -= size;
          }
        };
        await multi([produce(), consume()]);
        expect(consumed.digest("hex")).to.equal(produced.digest("hex"));
        ws.close();
        rs.close();
      }),
    );

    it(
      "resolves every write Future in order under load (test_future_write)",
      genTest({ timeout: 20 }, async () => {
        const m = 5000;
        const n = 200;
        const producers = 10;
        const total = m * n * producers;
        const [server, client] = await pair({ maxBufferSize: total });
        const order: number[] = [];
        let sequence = 0;
        const produce = async (): Promise<void> => {
          const data = Buffer.alloc(m, "x");
          for (let i = 0; i < n; i++) {
            const seq = sequence++;
            await server.write(data).then(() => order.push(seq));
          }
        };
        const consume = async (): Promise<void> => {
          let read = 0;
          while (read < total) read += (await client.readBytes(m)).length;
        };
        await multi([...Array.from({ length: producers }, produce), consume()]);
        expect(order.length).to.equal(n * producers);
        expect(order).to.deep.equal([...order].sort((a, b) => a - b));
        server.close();
        client.close();
      }),
    );

    it(
      "rejects a second read while one is pending (Already reading)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const first = rs.readBytes(1);
        expect(() => rs.readUntil("\n")).to.throw("Already reading");
        void ws.write("z");
        expect((await first).toString()).to.equal("z");
        ws.close();
        rs.close();
      }),
    );

    it(
      "logs a socket error on read once and keeps it as .error (test_async_read_error_logging)",
      genTest(async () => {
        const [rs, ws] = await pair();
        const closed = new Event();
        rs.setCloseCallback(() => closed.set());
        const read = rs.readBytes(1);
        const boom = Object.assign(new Error("boom"), { syscall: "read", code: "EIO" });
        const expected = new ExpectLog(genLog, /error on read: boom/).start();
        rs.socket.destroy(boom);
        await closed.wait();
        expected.finish();
        expect(expected.matched).to.equal(1);
        expect(rs.error).to.equal(boom);
        expect(((await rejection(read)) as StreamClosedError).realError).to.equal(boom);
        ws.close();
      }),
    );
  });
}

readWriteSuite("TestIOStream", "tcp");
readWriteSuite("TestIOStreamSSL", "tls");
