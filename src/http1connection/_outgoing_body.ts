/**
 * `OutgoingBody`: the framing of the body a connection writes, for both sides: bytes owed
 * under a Content-Length, the chunked coding (RFC 9112 §7.1), or none at all; and
 * `writePieces`, which hands framed pieces to the stream in order.
 */
import { Future } from "../concurrent";
import { HTTPOutputError } from "../httputil";
import type { IOStream } from "../iostream";
import { CHUNK_END, chunkSizeLine } from "./_encode";

/** The body of one outgoing message, as its head declared it. */
export class OutgoingBody {
  /** Body bytes still owed under a Content-Length (0 for a message with no body), or null. */
  remaining: number | null = null;
  /** Whether pieces are sent in the chunked coding. */
  chunking = false;
  /** Why the message can have no body ("a response to HEAD"), or null if it may have one. */
  noBody: string | null = null;
  /** Whether raw bytes may go out without either framing (a close-delimited response). */
  closeDelimited = false;
  /** Set by `finish()`: no more body follows. */
  finished = false;

  /** Starts a new message. */
  reset(remaining: number | null, chunking: boolean): void {
    this.remaining = remaining;
    this.chunking = chunking;
    this.noBody = null;
    this.closeDelimited = false;
    this.finished = false;
  }

  /**
   * Checks a piece of `size` bytes (size > 0) against the framing. On overflow the stream
   * is closed first, as Tornado does, to stop further framing errors.
   *
   * @throws {HTTPOutputError} for more bytes than Content-Length, any byte of a message
   *   that has no body, or a body with no framing to carry it.
   */
  check(size: number, stream: IOStream | null, what: string): void {
    if (this.noBody !== null) {
      stream?.close();
      throw new HTTPOutputError(`Cannot write a body: ${this.noBody} has none`);
    }
    if (this.remaining !== null) {
      if (size > this.remaining) {
        stream?.close();
        throw new HTTPOutputError("Tried to write more data than Content-Length");
      }
      this.remaining -= size;
    } else if (!this.chunking && !this.closeDelimited) {
      throw new HTTPOutputError(
        `Cannot write a body: the ${what} has neither Content-Length nor chunked framing`,
      );
    }
  }

  /** The pieces to write for `chunk` (non-empty): itself, or a chunk of the chunked coding. */
  frame(chunk: Buffer): Buffer[] {
    return this.chunking ? [chunkSizeLine(chunk.length), chunk, CHUNK_END] : [chunk];
  }

  /**
   * Throws unless the whole Content-Length was written; closes the stream first.
   *
   * @throws {HTTPOutputError} "Tried to write N bytes less than Content-Length".
   */
  checkComplete(stream: IOStream | null): void {
    if (this.noBody === null && this.remaining !== null && this.remaining > 0) {
      const missing = this.remaining;
      stream?.close();
      throw new HTTPOutputError(`Tried to write ${missing} bytes less than Content-Length`);
    }
  }
}

/**
 * Writes `pieces` in order and returns the Future of the last one: resolved at once for
 * none, failed (not thrown) when the stream is closed.
 */
export function writePieces(stream: IOStream, pieces: Buffer[]): Future<void> {
  try {
    let last: Future<void> | null = null;
    for (const piece of pieces) {
      last?.catch(() => undefined);
      last = stream.write(piece);
    }
    if (last !== null) return last;
    const done = new Future<void>();
    done.setResult(undefined);
    return done;
  } catch (error) {
    const failed = new Future<void>();
    failed.setException(error);
    return failed;
  }
}
