/**
 * `transientChunks` (beyond Tornado): `streamingCallback` chunks valid only during the
 * call, so that the stream may read the next bytes into the same memory. Over HTTP and
 * HTTPS against the test application: every byte arrives, in order, to a callback that
 * uses each chunk during the call; memory is really reused on plain HTTP (seen by keeping
 * chunks against the contract); and the option never touches what it must not: a body
 * collected without a callback, an async callback's chunks before its promise settles,
 * and a decoded body.
 */
import { expect } from "chai";
import * as zlib from "node:zlib";
import { sleep } from "../src/gen";
import { SimpleAsyncHTTPClient } from "../src/simple_httpclient";
import { patterned, type Protocol } from "./helpers/http_apps";
import { useClientEnv } from "./helpers/http_client_env";

const MiB = 1024 * 1024;

/**
 * What a `streamingCallback` saw: a copy of each chunk made during the call, and the
 * chunk itself (kept against the contract, to see whether its memory was reused).
 */
class Seen {
  readonly copies: Buffer[] = [];
  readonly chunks: Buffer[] = [];
  readonly callback = (chunk: Buffer): void => {
    this.copies.push(Buffer.from(chunk));
    this.chunks.push(chunk);
  };

  get body(): Buffer {
    return Buffer.concat(this.copies);
  }

  /** Chunks that lie in memory an earlier chunk of this body lay in. */
  get reused(): number {
    let count = 0;
    for (let i = 1; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      const earlier = this.chunks
        .slice(0, i)
        .some(
          (e) =>
            e.buffer === c.buffer &&
            e.byteOffset < c.byteOffset + c.length &&
            c.byteOffset < e.byteOffset + e.length,
        );
      if (earlier) count++;
    }
    return count;
  }

  /** Whether every kept chunk still holds what it held during its call. */
  get intact(): boolean {
    return this.chunks.every((chunk, i) => chunk.equals(this.copies[i]!));
  }
}

for (const protocol of ["http", "https"] as Protocol[]) {
  describe(`transientChunks over ${protocol}`, () => {
    const { test } = useClientEnv(protocol, (options) => new SimpleAsyncHTTPClient(options));
    const size = 4 * MiB;

    it(
      "hands every byte over, in order, to a callback that copies each chunk",
      test(async ({ fetch }) => {
        for (const chunked of ["0", "1"]) {
          const seen = new Seen();
          const response = await fetch(`/big?size=${size}&pattern=1&chunked=${chunked}`, {
            streamingCallback: seen.callback,
            transientChunks: true,
          });
          expect(response.code).to.equal(200);
          expect(response.body.length).to.equal(0);
          expect(seen.copies.length, "several chunks").to.be.above(4);
          expect(seen.body.equals(patterned(size)), `chunked=${chunked}`).to.equal(true);
        }
      }),
    );

    if (protocol === "http") {
      it(
        "reads later bytes into the memory of chunks already handed over",
        test(async ({ fetch }) => {
          const seen = new Seen();
          await fetch(`/big?size=${size}&pattern=1`, {
            streamingCallback: seen.callback,
            transientChunks: true,
          });
          expect(seen.body.equals(patterned(size))).to.equal(true);
          // Most reads reuse the memory of the one before; a kept chunk was overwritten.
          expect(seen.reused).to.be.above(seen.chunks.length / 2);
          expect(seen.intact).to.equal(false);
          // Without the option, the same download hands out memory of its own each time.
          const owned = new Seen();
          await fetch(`/big?size=${size}&pattern=1`, { streamingCallback: owned.callback });
          expect(owned.reused).to.equal(0);
          expect(owned.intact).to.equal(true);
        }),
      );

      it(
        "is taken from the client's defaults",
        test(async ({ url, options, track }) => {
          const client = track(
            new SimpleAsyncHTTPClient(options({ defaults: { transientChunks: true } })),
          );
          const seen = new Seen();
          await client.fetch(url(`/big?size=${size}&pattern=1`), {
            streamingCallback: seen.callback,
          });
          expect(seen.body.equals(patterned(size))).to.equal(true);
          expect(seen.reused).to.be.above(0);
        }),
      );

      it(
        "decodes a gzip body intact (the decoder holds its input: no reuse)",
        test(async ({ fetch, servers }) => {
          const plain = patterned(2 * MiB);
          const gzipped = zlib.gzipSync(plain, { level: 1 });
          const raw = await servers.raw((socket) => {
            socket.write(
              "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n" +
                `Content-Length: ${gzipped.length}\r\n\r\n`,
            );
            socket.write(gzipped);
          });
          const seen = new Seen();
          const response = await fetch(raw.url("/"), {
            streamingCallback: seen.callback,
            transientChunks: true,
          });
          expect(response.headers.get("X-Consumed-Content-Encoding")).to.equal("gzip");
          expect(seen.body.equals(plain)).to.equal(true);
        }),
      );

      it(
        "keeps an async callback's chunk intact while later reads arrive",
        test(
          async ({ fetch, servers }) => {
            // Pieces come in pairs, 2 ms apart, every 25 ms. The first of a pair finds the
            // client waiting, so it goes whole to the callback within its socket read:
            // the case where the read's memory would be free for the second at once if
            // an async callback's chunk were given back before its promise settled.
            const piece = 16 * 1024;
            const body = patterned(16 * piece);
            const raw = await servers.raw((socket) => {
              socket.write(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n`);
              let sent = 0;
              const send = (): void => {
                if (sent >= body.length || socket.destroyed) return;
                socket.write(body.subarray(sent, sent + piece));
                sent += piece;
                setTimeout(send, sent % (2 * piece) === 0 ? 25 : 2);
              };
              setTimeout(send, 25);
            });
            let changed = 0;
            const copies: Buffer[] = [];
            await fetch(raw.url("/"), {
              transientChunks: true,
              async streamingCallback(chunk) {
                const copy = Buffer.from(chunk);
                copies.push(copy);
                await sleep(0.008);
                if (!chunk.equals(copy)) changed++;
              },
            });
            expect(Buffer.concat(copies).equals(body)).to.equal(true);
            expect(copies.length, "pieces read one by one").to.be.at.least(8);
            expect(changed).to.equal(0);
          },
          { timeout: 10 },
        ),
      );
    }

    it(
      "leaves a body collected without streamingCallback intact",
      test(async ({ fetch }) => {
        const response = await fetch(`/big?size=${size}&pattern=1`, { transientChunks: true });
        expect(response.code).to.equal(200);
        expect(response.body.equals(patterned(size))).to.equal(true);
      }),
    );

    it(
      "keeps an async callback's chunk intact until its promise settles",
      test(async ({ fetch }) => {
        let changed = 0;
        let total = 0;
        const response = await fetch(`/big?size=${size}&pattern=1`, {
          transientChunks: true,
          async streamingCallback(chunk) {
            const copy = Buffer.from(chunk);
            // The socket goes on reading meanwhile, up to the stream's read-ahead.
            await sleep(0.001);
            if (!chunk.equals(copy)) changed++;
            total += chunk.length;
          },
        });
        expect(response.code).to.equal(200);
        expect(total).to.equal(size);
        expect(changed).to.equal(0);
      }),
    );
  });
}
