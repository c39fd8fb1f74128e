/**
 * `ChunkSizeLine`: reads the line that starts each chunk of a chunked body (RFC 9112
 * §7.1), `1*HEXDIG [ chunk-ext ] CRLF`, byte by byte so that it can stop and resume at
 * any split of the input. These are the only bytes the parser looks at one at a time.
 */
import { HTTPInputError } from "./errors";

/** Longest chunk-size line, extensions included (Tornado allows 64 bytes and no extensions). */
export const MAX_CHUNK_LINE = 4096;

const CR = 0x0d;
const LF = 0x0a;
const SEMICOLON = 0x3b;

const IN_SIZE = 0;
const IN_EXTENSIONS = 1;
const AFTER_CR = 2;

/** Hex digit values by byte, -1 for others. */
const HEX = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX[i.toString(16).charCodeAt(0)] = i;
  HEX[i.toString(16).toUpperCase().charCodeAt(0)] = i;
}

/** A byte for an error message: `0x0a`. */
export function describeByte(byte: number): string {
  return `0x${byte.toString(16).padStart(2, "0")}`;
}

/**
 * One chunk-size line being read. Extensions (`*( BWS ";" BWS name [ BWS "=" BWS value ] )`)
 * are checked for forbidden characters and otherwise ignored (RFC 9112 §7.1.1). The line
 * must end in CRLF: a bare LF here is where request-smuggling payloads make parsers
 * disagree.
 */
export class ChunkSizeLine {
  /** The chunk size, once `read` has returned a position. */
  size = 0;
  private _state = IN_SIZE;
  private _digits = 0;
  private _length = 0;
  private _extensionStarted = false;

  /** Prepares for the next line. */
  reset(): void {
    this.size = 0;
    this._state = IN_SIZE;
    this._digits = 0;
    this._length = 0;
    this._extensionStarted = false;
  }

  /**
   * Reads from `buf[pos]` on. Returns the position just past the line's LF, or -1 if the
   * line goes on past `buf`.
   *
   * @throws {HTTPInputError} for a size that is not hex or overflows, a line over
   *   {@link MAX_CHUNK_LINE} bytes, a bad extension or line ending.
   */
  read(buf: Buffer, pos: number): number {
    const length = buf.length;
    while (pos < length) {
      const byte = buf[pos++]!;
      if (++this._length > MAX_CHUNK_LINE) {
        throw new HTTPInputError(`Chunk size line longer than ${MAX_CHUNK_LINE} bytes`);
      }
      if (this._state === IN_SIZE) {
        const digit = HEX[byte]!;
        if (digit >= 0) {
          this.size = this.size * 16 + digit;
          this._digits++;
          if (this.size > Number.MAX_SAFE_INTEGER) {
            throw new HTTPInputError("Chunk size too large: over 2^53 - 1");
          }
        } else if (this._digits === 0) {
          throw new HTTPInputError(
            `Invalid chunk size: expected a hex digit, received ${describeByte(byte)}`,
          );
        } else if (byte === CR) {
          this._state = AFTER_CR;
        } else {
          this._state = IN_EXTENSIONS;
          this._readExtensionByte(byte);
        }
      } else if (this._state === IN_EXTENSIONS) {
        if (byte !== CR) this._readExtensionByte(byte);
        else if (this._extensionStarted) this._state = AFTER_CR;
        else throw new HTTPInputError("Invalid chunk size: whitespace after the size");
      } else if (byte === LF) {
        return pos;
      } else {
        throw new HTTPInputError(
          `Invalid chunk size line: CR followed by ${describeByte(byte)}, not LF`,
        );
      }
    }
    return -1;
  }

  /** One byte after the size: BWS, then `;` and extension text. */
  private _readExtensionByte(byte: number): void {
    if (byte === SEMICOLON) {
      this._extensionStarted = true;
    } else if ((byte < 0x20 && byte !== 0x09) || byte === 0x7f) {
      throw new HTTPInputError(`Invalid character ${describeByte(byte)} in a chunk size line`);
    } else if (!this._extensionStarted && byte !== 0x20 && byte !== 0x09) {
      throw new HTTPInputError(`Invalid chunk size: ${describeByte(byte)} after the size`);
    }
  }
}
