/**
 * `FieldSection`: a head or trailer section that arrives in pieces, gathered as Latin-1
 * text until the empty line that ends it; and `latin1`, the one way the parser turns
 * bytes into text.
 */
import { HTTPInputError } from "./errors";

type Latin1Sliceable = Buffer & { latin1Slice(start: number, end: number): string };

/**
 * `buf.toString("latin1", start, end)` without its argument checks and encoding switch.
 * Latin-1 maps each byte to the character with the same code, so text offsets are byte
 * offsets and nothing is lost.
 */
export function latin1(buf: Buffer, start: number, end: number): string {
  return (buf as Latin1Sliceable).latin1Slice(start, end);
}

const CRLFCRLF = Buffer.from("\r\n\r\n", "latin1");
/** The end of a field section: an empty line, first or after a line's LF. */
const SECTION_END = /(?:^|\n)\r?\n/g;

/** A field section being gathered across Buffers. */
export class FieldSection {
  /** The text gathered so far; empty before the first byte. */
  text = "";
  /**
   * Once `read` returned a section: the offset, in the text gathered before plus the
   * bytes taken by that call, just past the empty line that ended it.
   */
  end = 0;

  /**
   * Takes bytes from `buf[pos]` on and looks for the end of the section. Returns the
   * section's text (each line ending in LF, without the empty line) once complete, and
   * starts over; else null (all of `buf` from `pos` was taken).
   *
   * @throws {HTTPInputError} when the section grows past `maxSize` bytes without ending.
   */
  read(buf: Buffer, pos: number, maxSize: number): string | null {
    const before = this.text;
    const room = maxSize - before.length;
    let take = Math.min(buf.length - pos, room);
    // Decode no further than the first CRLF CRLF: any end of the section (also one
    // straddling the previous Buffer, or LF-only) lies at or before it.
    const crlf = take > 4 ? buf.indexOf(CRLFCRLF, pos) : -1;
    if (crlf >= 0 && crlf + 4 - pos < take) take = crlf + 4 - pos;
    const text = before + latin1(buf, pos, pos + take);
    SECTION_END.lastIndex = Math.max(0, before.length - 2);
    const match = SECTION_END.exec(text);
    if (match === null) {
      if (take === room) {
        throw new HTTPInputError(
          `Header section too large: no end within maxHeaderSize (${maxSize} bytes)`,
        );
      }
      this.text = text;
      return null;
    }
    this.text = "";
    this.end = match.index + match[0].length;
    return match.index === 0 ? "" : text.slice(0, match.index + 1);
  }
}
