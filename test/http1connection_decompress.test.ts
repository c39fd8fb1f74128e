/**
 * Tests of `HTTP1Connection`'s `decompress` (client side): gzip, x-gzip, deflate (zlib
 * and raw) and br decoded in pieces through `node:zlib`, truncated and corrupt streams,
 * and the decompressed-size limit (decompression bombs). Named after Tornado's
 * `test_gzip` family.
 */
import { expect } from "chai";
import * as zlib from "node:zlib";
import { HTTPInputError } from "../src/httputil";
import { genTest, setupAsyncTest } from "../src/testing";
import { rejection } from "./helpers/assertions";
import { Recorder, useHttp1Client } from "./helpers/http1_client";

describe("HTTP1ConnectionTest", () => {
  setupAsyncTest();
  const { raw, answer, get, nodeServer, connectTo } = useHttp1Client();

  describe("decompression", () => {
    const TEXT = Buffer.from("The quick brown fox jumps over the lazy dog. ".repeat(200));
    const encoders: [string, string, (b: Buffer) => Buffer][] = [
      ["gzip", "gzip", (b) => zlib.gzipSync(b)],
      ["x-gzip", "x-gzip", (b) => zlib.gzipSync(b)],
      ["deflate", "deflate in the zlib format", (b) => zlib.deflateSync(b)],
      ["deflate", "raw deflate", (b) => zlib.deflateRawSync(b)],
      ["br", "br", (b) => zlib.brotliCompressSync(b)],
    ];
    for (const [coding, what, encode] of encoders) {
      it(
        `decodes ${what} in pieces and reports X-Consumed-Content-Encoding (test_gzip)`,
        genTest(async () => {
          const body = encode(TEXT);
          const { conn } = await raw(
            answer([
              `HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`,
              body.subarray(0, 1),
              body.subarray(1, 7),
              body.subarray(7),
            ]),
            { decompress: true },
          );
          await get(conn);
          const rec = new Recorder();
          expect(await conn.readResponse(rec)).to.equal(true);
          expect(rec.body).to.equal(TEXT.toString("latin1"));
          expect(rec.headers!.get("Content-Encoding")).to.equal(undefined);
          expect(rec.headers!.get("X-Consumed-Content-Encoding")).to.equal(coding);
          expect(rec.headers!.get("Content-Length")).to.equal(String(body.length));
        }),
      );
    }

    it(
      "decodes a chunked gzip body streamed by node:http",
      genTest(async () => {
        const port = await nodeServer((_req, res) => {
          res.setHeader("Content-Encoding", "gzip");
          const gz = zlib.createGzip();
          gz.pipe(res);
          gz.write(TEXT.subarray(0, 100));
          gz.flush(() => gz.end(TEXT.subarray(100)));
        });
        const conn = await connectTo(port, { decompress: true });
        await get(conn);
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.body).to.equal(TEXT.toString("latin1"));
      }),
    );

    it(
      "passes the body through when decompress is off",
      genTest(async () => {
        const body = zlib.gzipSync(TEXT);
        const { conn } = await raw(
          answer([
            `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`,
            body,
          ]),
        );
        await get(conn);
        const rec = new Recorder();
        await conn.readResponse(rec);
        expect(Buffer.concat(rec.chunks).equals(body)).to.equal(true);
        expect(rec.headers!.get("Content-Encoding")).to.equal("gzip");
      }),
    );

    it(
      "accepts HEAD and 304 responses that declare gzip but have no body",
      genTest(async () => {
        const { conn } = await raw(
          answer("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 40\r\n\r\n"),
          { decompress: true },
        );
        await get(conn, "HEAD");
        const rec = new Recorder();
        expect(await conn.readResponse(rec)).to.equal(true);
        expect(rec.events).to.deep.equal(["headers", "finish"]);
      }),
    );

    for (const [coding, what, encode] of encoders) {
      it(
        `fails on a truncated ${what} stream (Tornado misses this)`,
        genTest(async () => {
          const body = encode(TEXT).subarray(0, -6);
          const { conn } = await raw(
            answer([
              `HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`,
              body,
            ]),
            { decompress: true },
          );
          await get(conn);
          const rec = new Recorder();
          const error = await rejection(conn.readResponse(rec));
          expect(error).to.be.instanceOf(HTTPInputError);
          expect(rec.events).to.not.include("finish");
          expect(rec.events.at(-1)).to.equal("close");
        }),
      );
    }

    it(
      "fails on a corrupt gzip stream",
      genTest(async () => {
        const body = zlib.gzipSync(TEXT);
        body[20] ^= 0xff;
        body[21] ^= 0xff;
        const { conn } = await raw(
          answer([
            `HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: ${body.length}\r\n\r\n`,
            body,
          ]),
          { decompress: true },
        );
        await get(conn);
        const error = await rejection(conn.readResponse(new Recorder()));
        expect(error).to.be.instanceOf(HTTPInputError);
        expect(error.message).to.match(/^Cannot decode the gzip body/);
      }),
    );

    for (const [coding, , encode] of [encoders[0]!, encoders[4]!]) {
      it(
        `stops a ${coding} bomb at maxBodySize (test_gzip_bomb)`,
        genTest({ timeout: 10 }, async () => {
          const body = encode(Buffer.alloc(16 * 1024 * 1024));
          const { conn } = await raw(
            answer([
              `HTTP/1.1 200 OK\r\nContent-Encoding: ${coding}\r\nContent-Length: ${body.length}\r\n\r\n`,
              body,
            ]),
            { decompress: true, maxBodySize: 1024 * 1024 },
          );
          await get(conn);
          const rec = new Recorder();
          const error = await rejection(conn.readResponse(rec));
          expect(error).to.be.instanceOf(HTTPInputError);
          expect(error.message).to.equal(
            "Decompressed body too large: over maxBodySize (1048576 bytes)",
          );
          expect(Buffer.concat(rec.chunks).length).to.be.at.most(1024 * 1024);
        }),
      );
    }
  });
});
