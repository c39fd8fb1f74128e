/**
 * `ChunkedBody`: decodes one body in the chunked transfer coding (RFC 9112 §7.1) for the
 * HTTP/1.1 parser: chunk-size lines (with extensions, read by `ChunkSizeLine`), chunk
 * data handed on as views of the input, the CRLF after each chunk, the last chunk and
 * the trailer section. It works a step at a time, so that the parser can stop between
 * any two deliveries (a `pause()` from the handler) and resume at any split of the input.
 */
import { ChunkSizeLine, describeByte } from "./_chunk_size";
import { FORBIDDEN_IN_HEAD } from "./_abnf";
import { parseTrailers } from "./_head";
import { FieldSection } from "./_section";
import { HTTPInputError } from "./errors";
import type { HTTPHeaders } from "./headers";

const SIZE = 0;
const DATA = 1;
const DATA_CR = 2;
const DATA_LF = 3;
const TRAILERS = 4;
const DONE = 5;

const CR = 0x0d;
const LF = 0x0a;

/** Where the decoded body goes, and its limits (the parser itself). */
export interface ChunkedSink {
  readonly maxBodySize: number;
  readonly maxHeaderSize: number;
  /** Most bytes of one piece of chunk data. */
  readonly maxChunk: number;
  /** Receives each piece of chunk data: bytes `start` to `end` of `buf`. */
  deliver(buf: Buffer, start: number, end: number): void;
}

/** The chunked body being read. */
export class ChunkedBody {
  /** The trailer fields, once `done` (null if there were none). */
  trailers: HTTPHeaders | null = null;
  private _state = DONE;
  /** Bytes left in the current chunk's data. */
  private _remaining = 0;
  /** Body bytes so far (chunk sizes as declared). */
  private _bodyBytes = 0;
  private readonly _sizeLine = new ChunkSizeLine();
  private readonly _section = new FieldSection();

  /** True once the last chunk and the trailer section have been read. */
  get done(): boolean {
    return this._state === DONE;
  }

  /** Starts a new body. */
  start(): void {
    this.trailers = null;
    this._bodyBytes = 0;
    this._startChunk();
  }

  /**
   * Takes one step from `buf[pos]` (pos < buf.length): reads a size line, hands a piece of
   * chunk data to `sink.deliver`, checks the CRLF after it, or reads trailers. Returns
   * where parsing goes on.
   *
   * @throws {HTTPInputError} for a malformed size line, CRLF or trailer section, a body
   *   over `sink.maxBodySize`, or a trailer section over `sink.maxHeaderSize`.
   */
  read(buf: Buffer, pos: number, sink: ChunkedSink): number {
    switch (this._state) {
      case SIZE:
        return this._readSize(buf, pos, sink);
      case DATA:
        return this._readData(buf, pos, sink);
      case DATA_CR:
      case DATA_LF:
        return this._readChunkEnd(buf, pos);
      case TRAILERS:
        return this._readTrailers(buf, pos, sink);
      default:
        return pos;
    }
  }

  /** The error for a close before the body ended (RFC 9112 §8). */
  eofError(): HTTPInputError {
    return new HTTPInputError(
      this._state === TRAILERS
        ? "Connection closed in the trailer section of a chunked body"
        : "Connection closed before the last chunk of a chunked body",
    );
  }

  private _startChunk(): void {
    this._state = SIZE;
    this._sizeLine.reset();
  }

  private _readSize(buf: Buffer, pos: number, sink: ChunkedSink): number {
    const end = this._sizeLine.read(buf, pos);
    if (end < 0) return buf.length;
    const size = this._sizeLine.size;
    if (size === 0) {
      this._state = TRAILERS;
      return end;
    }
    this._bodyBytes += size;
    if (this._bodyBytes > sink.maxBodySize) {
      throw new HTTPInputError(
        `Chunked body too large: over maxBodySize (${sink.maxBodySize} bytes)`,
      );
    }
    this._remaining = size;
    this._state = DATA;
    return end;
  }

  /**
   * Hands on the chunk's next bytes as a view of `buf` (no copy), at most `maxChunk` at
   * a time (`read` calls again for the rest).
   */
  private _readData(buf: Buffer, pos: number, sink: ChunkedSink): number {
    const n = Math.min(buf.length - pos, sink.maxChunk, this._remaining);
    this._remaining -= n;
    if (this._remaining === 0) this._state = DATA_CR;
    sink.deliver(buf, pos, pos + n);
    return pos + n;
  }

  /** RFC 9112 §7.1: chunk data is followed by exactly CRLF. */
  private _readChunkEnd(buf: Buffer, pos: number): number {
    const byte = buf[pos]!;
    const expected = this._state === DATA_CR ? CR : LF;
    if (byte !== expected) {
      throw new HTTPInputError(
        `Bad chunk terminator: expected CRLF after the chunk data, received ${describeByte(byte)}`,
      );
    }
    if (expected === CR) {
      if (pos + 1 < buf.length && buf[pos + 1] === LF) {
        this._startChunk();
        return pos + 2;
      }
      this._state = DATA_LF;
    } else {
      this._startChunk();
    }
    return pos + 1;
  }

  /** RFC 9112 §7.1.2: the trailer section, then the empty line that ends the body. */
  private _readTrailers(buf: Buffer, pos: number, sink: ChunkedSink): number {
    const section = this._section;
    if (section.text === "" && buf[pos] === CR && pos + 1 < buf.length && buf[pos + 1] === LF) {
      this._state = DONE;
      return pos + 2;
    }
    const before = section.text.length;
    const text = section.read(buf, pos, sink.maxHeaderSize);
    if (text === null) return buf.length;
    if (text !== "") this.trailers = parseTrailers(text, text.search(FORBIDDEN_IN_HEAD));
    this._state = DONE;
    return pos + section.end - before;
  }
}
