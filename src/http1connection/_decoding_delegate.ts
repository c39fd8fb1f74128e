/**
 * The delegate wrapper that applies `decompress` (Tornado's `_GzipMessageDelegate`): it
 * renames a decoded `Content-Encoding` to `X-Consumed-Content-Encoding` and hands the
 * wrapped delegate decoded pieces.
 */
import type {
  HTTPHeaders,
  HTTPMessageDelegate,
  RequestStartLine,
  ResponseStartLine,
} from "../httputil";
import { ContentDecoder, DECODED_CODINGS } from "./_content_decoder";

/** A delegate whose `finish` may be asynchronous (the connection awaits it). */
export interface InternalDelegate extends Omit<HTTPMessageDelegate, "finish"> {
  finish(): void | PromiseLike<void>;
}

/** Wraps a delegate to decode the body's content coding, when it is one `node:zlib` knows. */
export class DecodingDelegate implements InternalDelegate {
  private _decoder: ContentDecoder | null = null;

  constructor(
    private readonly _inner: HTTPMessageDelegate,
    private readonly _limit: () => number,
  ) {}

  headersReceived(
    startLine: RequestStartLine | ResponseStartLine,
    headers: HTTPHeaders,
  ): void | PromiseLike<void> {
    const coding = headers.get("Content-Encoding");
    const name = coding?.trim().toLowerCase();
    if (coding !== undefined && name !== undefined && DECODED_CODINGS.has(name)) {
      this._decoder = new ContentDecoder(name, this._limit);
      // As Tornado does: the coding is reported as consumed, and Content-Length (which
      // counts the encoded bytes) is left alone.
      headers.add("X-Consumed-Content-Encoding", coding);
      headers.delete("Content-Encoding");
    }
    return this._inner.headersReceived(startLine, headers);
  }

  dataReceived(chunk: Buffer): void | PromiseLike<void> {
    if (this._decoder === null) return this._inner.dataReceived(chunk);
    return this._decoder.write(chunk).then((pieces) => this._deliver(pieces));
  }

  finish(): void | Promise<void> {
    // Synchronous for a body that was not encoded: no promise per response.
    if (this._decoder === null) return void this._inner.finish();
    return this._finishDecoding(this._decoder);
  }

  onConnectionClose(): void {
    this._decoder?.destroy();
    this._inner.onConnectionClose();
  }

  private async _finishDecoding(decoder: ContentDecoder): Promise<void> {
    let last: Buffer[];
    try {
      last = await decoder.end();
    } catch (error) {
      // The connection calls no onConnectionClose once finish() has begun, but the
      // wrapped delegate never got its finish(): tell it the message was lost.
      this._inner.onConnectionClose();
      throw error;
    }
    await this._deliver(last);
    this._inner.finish();
  }

  private async _deliver(pieces: Buffer[]): Promise<void> {
    for (const piece of pieces) await this._inner.dataReceived(piece);
  }
}
