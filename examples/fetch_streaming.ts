/**
 * fetch_streaming: a large body handled piece by piece with `streamingCallback`, the
 * port of Tornado's
 *
 * ```python
 * digest = hashlib.sha256()
 * await AsyncHTTPClient().fetch(url, streaming_callback=digest.update)
 * ```
 *
 * A server this program starts on 127.0.0.1 sends 32 MiB of random bytes. The body is
 * hashed as it arrives, never held whole: `response.body` stays empty. Two ways:
 * - `transientChunks: true`, for a callback that is done with each chunk when it
 *   returns (`hash.update` reads it then): the client reads the next bytes into the same
 *   memory instead of fresh memory per read, which is faster and leaner;
 * - an async callback that writes each chunk to a file: the client waits for its promise
 *   before reading on (flow control), and the chunk stays valid until then.
 * Run it: `npx ts-node examples/fetch_streaming.ts`.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { AsyncHTTPClient } from "../src/httpclient";
import { IOLoop } from "../src/ioloop";

const BODY_BYTES = 32 * 1024 * 1024;

function sha256(data: Buffer): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

/** Hashes the body at `url` as it streams in, one chunk per call. */
export async function hashDownload(url: string): Promise<{ digest: string; largest: number }> {
  const hash = crypto.createHash("sha256");
  let largest = 0;
  const response = await new AsyncHTTPClient().fetch(url, {
    // Called with each piece (at most 64 KiB, as in Tornado) as it arrives.
    streamingCallback: (chunk) => {
      hash.update(chunk); // reads the bytes now; keeps no reference
      largest = Math.max(largest, chunk.length);
    },
    // Each chunk is valid only during the call: keep one, and it may change under you.
    // Copy what you keep: `Buffer.from(chunk)`.
    transientChunks: true,
  });
  if (response.body.length !== 0) throw new Error("a streamed body is not collected");
  return { digest: hash.digest("hex"), largest };
}

/** Writes the body at `url` to `file` through an async callback; returns its hash. */
export async function saveDownload(url: string, file: string): Promise<string> {
  const out = await fs.promises.open(file, "w");
  try {
    await new AsyncHTTPClient().fetch(url, {
      // The client reads on only when the promise settles: a slow disk slows the
      // download instead of filling memory.
      streamingCallback: async (chunk) => {
        await out.write(chunk);
      },
      transientChunks: true, // the chunk stays valid until the promise settles
    });
  } finally {
    await out.close();
  }
  return sha256(await fs.promises.readFile(file));
}

/** Starts the server, streams its body both ways, checks both hashes, stops it. */
export async function main(): Promise<void> {
  const body = crypto.randomBytes(BODY_BYTES);
  const expected = sha256(body);
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { "Content-Length": body.length }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/file`;
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), "fetch-streaming-"));
  try {
    const { digest, largest } = await hashDownload(url);
    console.log(`sha256 of 32 MiB streamed: ${digest === expected ? "matches" : "DIFFERS"}`);
    console.log(`largest chunk: ${largest} bytes`);
    const saved = await saveDownload(url, path.join(dir, "file.bin"));
    console.log(
      `written to a file by an async callback: ${saved === expected ? "matches" : "DIFFERS"}`,
    );
  } finally {
    await fs.promises.rm(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

if (require.main === module) IOLoop.current().runSync(main);
