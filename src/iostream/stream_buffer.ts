/**
 * `StreamBuffer`: the read buffer of a stream, a queue of the chunks the socket delivered
 * (the role of Tornado's `_StreamBuffer`, used here for reading where Tornado uses it for
 * writing).
 *
 * Chunks are kept as they arrived, with an offset into the first one, so appending is
 * O(1) and nothing is copied until a read takes bytes out: a result that lies inside one
 * chunk is a `subarray` of it (no copy), one that spans chunks is copied once into a new
 * Buffer. Searches (`indexOf`, `latin1`) start from a caller-given position and remember
 * where the last one ended, so a caller that resumes a search after more data arrived
 * never rescans what it already scanned, and a delimiter split across two chunks is found.
 * One- and two-byte delimiters are searched for as numbers, which Node does about four
 * times faster than a Buffer needle (see `chunkIndexOf`).
 *
 * Aliasing: a Buffer returned by `consume` or `consumeThrough` may share memory with a
 * chunk from the socket. Node gives each `data` event memory of its own, and `SlabReader`
 * hands each part of a slab to the kernel once; nothing writes to either afterwards, so
 * the result stays valid. But a small result keeps its whole chunk (up to 64 KiB) or slab
 * (up to 512 KiB) alive for as long as it is referenced. Copy it (`Buffer.from(result)`)
 * to keep it for long.
 * Chunks that are adjacent views of one ArrayBuffer (consecutive slab reads) are joined.
 *
 * Not exported from the package: `IOStream` uses it, tests reach it by file.
 */

const EMPTY = Buffer.alloc(0);

/** Compact the chunk array once this many consumed slots sit at its front. */
const COMPACT_AFTER = 64;

/**
 * How many false starts (first byte found, second byte not) a two-byte search takes
 * before it hands the rest of the chunk to `Buffer#indexOf` with the whole needle.
 */
const MAX_FALSE_STARTS = 8;

/**
 * The first occurrence of `needle` lying wholly inside `chunk`, at or after `from`, or -1.
 *
 * `Buffer#indexOf` with a Buffer needle is a C++ call costing about four times one with a
 * number (about 55 ns against 13 ns on the bench machine), which is most of the cost of
 * finding a short line. So one- and two-byte needles (`"\n"`, `"\r\n"`) are found by
 * searching for their first byte as a number and checking the second; longer needles,
 * and data where the first byte keeps turning up alone, go to the Buffer search.
 */
function chunkIndexOf(chunk: Buffer, needle: Uint8Array, from: number): number {
  const n = needle.length;
  if (n > 2) return chunk.indexOf(needle, from);
  const head = needle[0];
  if (n === 1) return chunk.indexOf(head, from);
  const second = needle[1];
  const last = chunk.length - 1;
  for (let tries = 0; tries < MAX_FALSE_STARTS; tries++) {
    const i = chunk.indexOf(head, from);
    if (i === -1 || i >= last) return -1;
    if (chunk[i + 1] === second) return i;
    from = i + 1;
  }
  return chunk.indexOf(needle, from);
}

/**
 * A byte queue made of chunks, with O(1) append and copy-on-read.
 *
 * Positions given to and returned by its methods count from the first unread byte.
 *
 * @example
 * const buf = new StreamBuffer();
 * buf.append(Buffer.from("GET / HT"));
 * buf.append(Buffer.from("TP/1.1\r\n"));
 * const end = buf.indexOf(Buffer.from("\r\n"), 0) + 2; // 16
 * buf.consume(end).toString(); // "GET / HTTP/1.1\r\n"
 */
export class StreamBuffer {
  private _chunks: Buffer[] = [];
  /** Index in `_chunks` of the first chunk with unread bytes. */
  private _head = 0;
  /** Bytes of `_chunks[_head]` already read. */
  private _offset = 0;
  private _size = 0;
  /** Bytes read since the buffer was made: the absolute position of the first unread byte. */
  private _consumed = 0;
  /** Where the last search stopped: a chunk index and that chunk's absolute start. */
  private _cursorIndex = 0;
  private _cursorStart = 0;

  /** Unread bytes held. */
  get length(): number {
    return this._size;
  }

  /** How many chunks hold unread bytes (for tests of the chunk bookkeeping). */
  get chunkCount(): number {
    return this._chunks.length - this._head;
  }

  /**
   * Adds `chunk` at the end. The buffer keeps a reference: do not modify the chunk after.
   * Empty chunks are ignored.
   */
  append(chunk: Buffer): void {
    const n = chunk.length;
    if (n === 0) return;
    const chunks = this._chunks;
    const last = chunks.length - 1;
    if (last >= this._head) {
      const prev = chunks[last];
      if (prev.buffer === chunk.buffer && prev.byteOffset + prev.length === chunk.byteOffset) {
        // Read into the memory right after the previous chunk (SlabReader): one chunk, so
        // a result across both is a view rather than a copy.
        chunks[last] = Buffer.from(prev.buffer, prev.byteOffset, prev.length + n);
        this._size += n;
        return;
      }
    }
    chunks.push(chunk);
    this._size += n;
  }

  /**
   * Removes the first `n` bytes and returns them: a view of one chunk when they lie in
   * one (see the aliasing note of the module), otherwise a new Buffer.
   *
   * @throws `RangeError` when fewer than `n` bytes are held.
   */
  consume(n: number): Buffer {
    this._checkLength(n);
    if (n === 0) return EMPTY;
    const first = this._chunks[this._head];
    const offset = this._offset;
    if (n <= first.length - offset) {
      const result =
        offset === 0 && n === first.length ? first : first.subarray(offset, offset + n);
      this._advance(n);
      return result;
    }
    const result = Buffer.allocUnsafe(n);
    this._copyOut(result, n);
    this._advance(n);
    return result;
  }

  /**
   * Removes and returns up to `max` bytes from the front, but no more than the first chunk
   * holds: always a view, never a copy (empty when the buffer is). For a consumer that
   * takes bytes as they come and does not mind how they are split.
   */
  consumeSome(max: number): Buffer {
    if (this._size === 0 || max <= 0) return EMPTY;
    const first = this._chunks[this._head];
    const offset = this._offset;
    const n = Math.min(max, first.length - offset);
    const result = offset === 0 && n === first.length ? first : first.subarray(offset, offset + n);
    this._advance(n);
    return result;
  }

  /**
   * Removes and returns the bytes up to and including the first `needle` when they lie
   * in the first chunk and number at most `maxBytes` (a view of the chunk); otherwise
   * returns null and changes nothing. `readUntil`'s fast path: one short search and no
   * bookkeeping for a line that is already buffered, the usual case.
   */
  consumeThrough(needle: Uint8Array, maxBytes: number): Buffer | null {
    if (this._size === 0 || needle.length === 0) return null;
    const first = this._chunks[this._head];
    const offset = this._offset;
    const found = chunkIndexOf(first, needle, offset);
    if (found === -1) return null;
    const end = found + needle.length;
    const n = end - offset;
    if (n > maxBytes) return null;
    if (end === first.length) {
      const result = offset === 0 ? first : first.subarray(offset, end);
      this._advance(n);
      return result;
    }
    this._offset = end;
    this._size -= n;
    this._consumed += n;
    return first.subarray(offset, end);
  }

  /**
   * Copies the first `n` bytes into `target` (from its start) and removes them.
   *
   * @throws `RangeError` when fewer than `n` bytes are held or `target` is too small.
   */
  consumeInto(target: Uint8Array, n: number): void {
    this._checkLength(n);
    if (target.length < n) {
      throw new RangeError(`consumeInto needs a target of ${n} bytes; got ${target.length}`);
    }
    this._copyOut(target, n);
    this._advance(n);
  }

  /**
   * Drops the first `n` bytes.
   *
   * @throws `RangeError` when fewer than `n` bytes are held.
   */
  advance(n: number): void {
    this._checkLength(n);
    this._advance(n);
  }

  /**
   * At most `n` bytes from the front, without removing them: a view of the first chunk,
   * so possibly fewer than `n` (Tornado's `peek`). Empty when the buffer is.
   */
  peek(n: number): Buffer {
    if (this._size === 0 || n <= 0) return EMPTY;
    const first = this._chunks[this._head];
    return first.subarray(this._offset, Math.min(first.length, this._offset + n));
  }

  /**
   * The position of the first occurrence of `needle` at or after `from`, or -1. An
   * occurrence split across chunks is found. An empty needle is found at `from`.
   */
  indexOf(needle: Uint8Array, from: number): number {
    const n = needle.length;
    if (from < 0) from = 0;
    if (n === 0) return from <= this._size ? from : -1;
    if (from + n > this._size) return -1;
    const chunks = this._chunks;
    if (from === 0) {
      // The usual case, a new search: try the first chunk before any bookkeeping.
      const first = chunks[this._head];
      const found = chunkIndexOf(first, needle, this._offset);
      if (found !== -1) return found - this._offset;
      if (this._head + 1 === chunks.length) return -1;
    }
    const base = this._consumed;
    let index = this._locate(base + from);
    let start = this._cursorStart;
    let local = base + from - start;
    const last = chunks.length;
    while (index < last) {
      const chunk = chunks[index];
      const len = chunk.length;
      const found = chunkIndexOf(chunk, needle, local);
      if (found !== -1) {
        this._cursorIndex = index;
        this._cursorStart = start;
        return start + found - base;
      }
      if (n > 1 && index + 1 < last) {
        for (let s = Math.max(local, len - n + 1); s < len; s++) {
          if (this._matchesAt(needle, index, s)) {
            this._cursorIndex = index;
            this._cursorStart = start;
            return start + s - base;
          }
        }
      }
      if (index + 1 === last) break;
      start += len;
      local = 0;
      index++;
    }
    this._cursorIndex = index;
    this._cursorStart = start;
    return -1;
  }

  /**
   * The bytes from `start` to `end` (exclusive) as a latin1 string: one character per
   * byte, so string indexes are byte positions (how `readUntilRegex` searches bytes).
   */
  latin1(start: number, end: number): string {
    end = Math.min(end, this._size);
    if (start >= end) return "";
    const chunks = this._chunks;
    const base = this._consumed;
    let index = this._locate(base + start);
    let chunkStart = this._cursorStart;
    let text = "";
    let pos = base + start;
    const stop = base + end;
    while (pos < stop) {
      const chunk = chunks[index];
      const from = pos - chunkStart;
      const to = Math.min(chunk.length, stop - chunkStart);
      text += chunk.toString("latin1", from, to);
      pos = chunkStart + to;
      if (to === chunk.length && index + 1 < chunks.length) {
        chunkStart += chunk.length;
        index++;
      }
    }
    this._cursorIndex = index;
    this._cursorStart = chunkStart;
    return text;
  }

  private _checkLength(n: number): void {
    if (!(n >= 0 && n <= this._size)) {
      throw new RangeError(`StreamBuffer holds ${this._size} bytes; cannot take ${n}`);
    }
  }

  /** Finds the chunk that holds absolute position `abs`, from the cursor when it can. */
  private _locate(abs: number): number {
    const chunks = this._chunks;
    let index = this._cursorIndex;
    let start = this._cursorStart;
    if (index < this._head || index >= chunks.length || abs < start) {
      index = this._head;
      start = this._consumed - this._offset;
    }
    while (index + 1 < chunks.length && abs >= start + chunks[index].length) {
      start += chunks[index].length;
      index++;
    }
    this._cursorIndex = index;
    this._cursorStart = start;
    return index;
  }

  /** True if `needle` starts at byte `at` of chunk `index` (it may run into later chunks). */
  private _matchesAt(needle: Uint8Array, index: number, at: number): boolean {
    const chunks = this._chunks;
    let chunk = chunks[index];
    let pos = at;
    for (let k = 0; k < needle.length; k++) {
      while (pos >= chunk.length) {
        index++;
        if (index >= chunks.length) return false;
        chunk = chunks[index];
        pos = 0;
      }
      if (chunk[pos] !== needle[k]) return false;
      pos++;
    }
    return true;
  }

  /** Copies the first `n` bytes (n <= size) into `target` without removing them. */
  private _copyOut(target: Uint8Array, n: number): void {
    const chunks = this._chunks;
    let index = this._head;
    let from = this._offset;
    let copied = 0;
    while (copied < n) {
      const chunk = chunks[index];
      const take = Math.min(chunk.length - from, n - copied);
      chunk.copy(target, copied, from, from + take);
      copied += take;
      index++;
      from = 0;
    }
  }

  /** Drops the first `n` bytes (n <= size), releasing chunks that are fully read. */
  private _advance(n: number): void {
    if (n === 0) return;
    this._size -= n;
    this._consumed += n;
    const chunks = this._chunks;
    if (this._size === 0) {
      chunks.length = 0;
      this._head = 0;
      this._offset = 0;
      this._cursorIndex = 0;
      this._cursorStart = this._consumed;
      return;
    }
    let offset = this._offset + n;
    let head = this._head;
    while (offset >= chunks[head].length) {
      offset -= chunks[head].length;
      chunks[head] = EMPTY;
      head++;
    }
    this._head = head;
    this._offset = offset;
    if (head >= COMPACT_AFTER && head * 2 >= chunks.length) {
      chunks.splice(0, head);
      this._cursorIndex -= head;
      this._head = 0;
    }
  }
}
