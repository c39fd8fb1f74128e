/**
 * Finds a byte that may not appear in a message head, scanning a Buffer four bytes at a
 * time. This is the parser's hot path: a regular expression or a byte loop costs about a
 * nanosecond per byte, several times what the rest of head parsing costs per byte.
 *
 * Forbidden (RFC 9110 §5.5, RFC 9112 §2.2): control characters other than HTAB, CR and
 * LF; DEL; and a CR not followed by LF. Bytes 0x80 to 0xFF (obs-text) are allowed.
 */

let viewedBuffer: ArrayBufferLike | null = null;
let words: Int32Array<ArrayBufferLike> = new Int32Array(0);

/** A 32-bit view over `buffer`, cached for the Buffer last scanned (reads come in runs). */
function wordsOf(buffer: ArrayBufferLike): Int32Array<ArrayBufferLike> {
  if (buffer !== viewedBuffer) {
    words = new Int32Array(buffer, 0, buffer.byteLength >> 2);
    viewedBuffer = buffer;
  }
  return words;
}

/** True if `buf[i]` is forbidden in a head, `end` being where the head's bytes stop. */
function forbiddenAt(buf: Buffer, i: number, end: number): boolean {
  const byte = buf[i]!;
  if (byte >= 0x20) return byte === 0x7f;
  if (byte === 0x0d) return i + 1 >= end || buf[i + 1] !== 0x0a;
  return byte !== 0x09 && byte !== 0x0a;
}

/** 0x80 in each byte of `z` that is zero, exactly (no false positives). */
function zeroBytes(z: number): number {
  return ~(((z & 0x7f7f7f7f) + 0x7f7f7f7f) | z) & 0x80808080;
}

/** True where bytes are numbered from the low end of a word (all platforms Node runs on). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * The index of the first forbidden byte in `buf[start, end)`, or -1.
 *
 * @example
 * findForbiddenByte(Buffer.from("X: a\x01b\r\n"), 0, 9); // 4
 */
export function findForbiddenByte(buf: Buffer, start: number, end: number): number {
  const base = buf.byteOffset;
  let i = start;
  while (i < end && ((base + i) & 3) !== 0) {
    if (forbiddenAt(buf, i, end)) return i;
    i++;
  }
  const view = wordsOf(buf.buffer);
  const lastWord = (base + end) >> 2;
  for (let w = (base + i) >> 2; w < lastWord; w++) {
    const x = view[w]!;
    const del = x ^ 0x7f7f7f7f;
    // Classic "has a byte less than n" / "has a zero byte" tests: nonzero if some byte
    // (below 0x80) is under 0x20, or is 0x7f. CR, LF and HTAB also trip the first test,
    // so a word that trips it is checked byte by byte.
    if ((((x - 0x20202020) & ~x) | ((del - 0x01010101) & ~del)) & 0x80808080) {
      const first = w * 4 - base;
      if (LITTLE_ENDIAN) {
        // Exact masks, to pass the usual CRLF word without looking at its bytes: bytes
        // under 0x20 other than HTAB, LF and CR, any DEL, and any CR whose next byte is
        // not LF (a CR in the top byte has its LF in the next word: checked on its own).
        const below = ~((x & 0x7f7f7f7f) + 0x60606060) & ~x & 0x80808080;
        const lf = zeroBytes(x ^ 0x0a0a0a0a);
        const cr = zeroBytes(x ^ 0x0d0d0d0d);
        const loneCr = cr & ~(lf >>> 8);
        if (
          ((below & ~(lf | cr | zeroBytes(x ^ 0x09090909))) |
            zeroBytes(del) |
            (loneCr & 0x00808080)) ===
          0
        ) {
          if (loneCr !== 0 && forbiddenAt(buf, first + 3, end)) return first + 3;
          continue;
        }
      }
      for (let k = first; k < first + 4; k++) if (forbiddenAt(buf, k, end)) return k;
    }
  }
  for (i = Math.max(i, lastWord * 4 - base); i < end; i++) {
    if (forbiddenAt(buf, i, end)) return i;
  }
  return -1;
}
