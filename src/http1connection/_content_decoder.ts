/**
 * Streaming decoding of a `Content-Encoding` through `node:zlib`, for
 * `HTTP1Connection`'s `decompress` option (Tornado's `_GzipMessageDelegate`, extended to
 * x-gzip, deflate and br).
 *
 * Differences from Tornado: a stream cut before its end (a gzip member without its
 * trailer, say) is an error rather than a short body, and the decoded size is checked
 * while zlib produces it, so a bomb stops at the limit instead of after a 64 KiB step.
 */
import * as zlib from "node:zlib";
import { HTTPInputError } from "../httputil";

type Decoder = zlib.Gunzip | zlib.Inflate | zlib.InflateRaw | zlib.BrotliDecompress;

/** The codings decoded, lower-case. */
export const DECODED_CODINGS: ReadonlySet<string> = new Set(["gzip", "x-gzip", "deflate", "br"]);

/**
 * RFC 9110 §8.4.1.2: "deflate" is the zlib format, but servers have long sent raw
 * deflate; a zlib header is a CMF byte with method 8 and a check that makes the first
 * two bytes a multiple of 31 (RFC 1950 §2.2).
 */
function isZlibHeader(b0: number, b1: number): boolean {
  return (b0 & 0x0f) === 8 && ((b0 << 8) | b1) % 31 === 0;
}

/**
 * Decodes one body. `write` and `end` return the decoded pieces produced so far; both
 * reject with `HTTPInputError` for a corrupt or truncated stream, or when the decoded
 * size passes `limit()`.
 */
export class ContentDecoder {
  private _decoder: Decoder | null = null;
  /** The first byte of a deflate body, held until the second tells zlib from raw. */
  private _held: Buffer | null = null;
  private _out: Buffer[] = [];
  private _outBytes = 0;
  private _failure: Error | null = null;
  private _wake: (() => void) | null = null;
  private _ended = false;

  constructor(
    readonly coding: string,
    private readonly _limit: () => number,
  ) {}

  /** Feeds compressed bytes; resolves with the decoded pieces they produced. */
  async write(chunk: Buffer): Promise<Buffer[]> {
    if (chunk.length === 0) return [];
    if (this._decoder === null) {
      if (this.coding === "deflate") {
        const bytes: Buffer = this._held === null ? chunk : Buffer.concat([this._held, chunk]);
        if (bytes.length < 2) {
          this._held = Buffer.from(bytes);
          return [];
        }
        this._held = null;
        chunk = bytes;
        this._start(
          isZlibHeader(bytes[0]!, bytes[1]!) ? zlib.createInflate() : zlib.createInflateRaw(),
        );
      } else if (this.coding === "br") {
        this._start(zlib.createBrotliDecompress());
      } else {
        this._start(zlib.createGunzip());
      }
    }
    const decoder = this._decoder!;
    await this._until((done) => decoder.write(chunk, () => done()));
    return this._take();
  }

  /** Ends the body; resolves with the last decoded pieces, or rejects if it was cut short. */
  async end(): Promise<Buffer[]> {
    if (this._held !== null) {
      throw new HTTPInputError(`Cannot decode the ${this.coding} body: it ended after one byte`);
    }
    const decoder = this._decoder;
    // No body at all (HEAD, 204, 304, or an empty 200) has nothing to decode.
    if (decoder === null) return [];
    // zlib ends a gzip stream on its own when bytes follow a complete member that are not
    // another member (it drops them); its "end" has then fired already.
    if (this._ended) return this._take();
    await this._until((done) => {
      decoder.once("end", done);
      decoder.end();
    });
    return this._take();
  }

  /** Stops decoding (the message was abandoned). */
  destroy(): void {
    this._decoder?.destroy();
    this._fail(new HTTPInputError(`Decoding of the ${this.coding} body was abandoned`));
  }

  private _start(decoder: Decoder): void {
    this._decoder = decoder;
    decoder.on("data", (piece: Buffer) => {
      this._outBytes += piece.length;
      const limit = this._limit();
      if (this._outBytes > limit) {
        // Stop zlib at once: a bomb must not inflate past the limit in memory.
        decoder.destroy();
        this._fail(
          new HTTPInputError(`Decompressed body too large: over maxBodySize (${limit} bytes)`),
        );
        return;
      }
      this._out.push(piece);
    });
    decoder.on("end", () => {
      this._ended = true;
    });
    decoder.on("error", (error: Error) => {
      this._fail(
        new HTTPInputError(`Cannot decode the ${this.coding} body: ${error.message}`, {
          cause: error,
        }),
      );
    });
  }

  private _fail(error: Error): void {
    if (this._failure === null) this._failure = error;
    this._wake?.();
  }

  /** Runs `start` and waits for its `done` or a failure, whichever comes first. */
  private async _until(start: (done: () => void) => void): Promise<void> {
    if (this._failure !== null) throw this._failure;
    await new Promise<void>((resolve) => {
      this._wake = resolve;
      start(resolve);
    });
    this._wake = null;
    if (this._failure !== null) throw this._failure;
  }

  private _take(): Buffer[] {
    const out = this._out;
    this._out = [];
    return out;
  }

  /** True once zlib reported the end of the decoded stream. */
  get ended(): boolean {
    return this._ended;
  }
}
