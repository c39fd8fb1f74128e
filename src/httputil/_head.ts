/**
 * Turns the text of a message head (start line and field lines) or of a trailer section
 * into a start line and `HTTPHeaders`. Used by the HTTP/1.1 parser, which hands over
 * Latin-1 text holding the section (a head may be followed by more text: the line loop
 * finds where it ends), and where in it the first forbidden character is (it scans the
 * bytes for those itself).
 *
 * Each line is cut with `indexOf`, never walked character by character. Field names are
 * looked up in a small direct-mapped cache of names already checked and normalised, so
 * a familiar name costs one string comparison and no regular expression.
 */
import { TOKEN, isOWS, quote, sliceTrimOWS } from "./_abnf";
import { HTTPInputError } from "./errors";
import { HTTPHeaders, type ParsedFields, normalizeHeaderName, parsedValue } from "./headers";
import {
  type RequestStartLine,
  type ResponseStartLine,
  parseRequestStartLine,
  parseStatusLine,
} from "./start_line";

/** The fields that decide framing (RFC 9112 §6), repeated lines joined with ",". */
export interface FramingFields {
  readonly contentLength: string | undefined;
  readonly transferEncoding: string | undefined;
  readonly connection: string | undefined;
}

/** A parsed message head, with the fields that decide its framing. */
export interface ParsedHead extends FramingFields {
  readonly startLine: RequestStartLine | ResponseStartLine;
  readonly headers: HTTPHeaders;
  /** The index just past the empty line that ended the head, or -1 if none came. */
  readonly end: number;
}

const KIND_OTHER = 0;
const KIND_CONTENT_LENGTH = 1;
const KIND_TRANSFER_ENCODING = 2;
const KIND_CONNECTION = 3;
const KINDS = new Map<string, number>([
  ["Content-Length", KIND_CONTENT_LENGTH],
  ["Transfer-Encoding", KIND_TRANSFER_ENCODING],
  ["Connection", KIND_CONNECTION],
]);
const KIND_NAMES = ["", "Content-Length", "Transfer-Encoding", "Connection"] as const;

interface CachedName {
  readonly raw: string;
  readonly normalized: string;
  readonly kind: number;
}

/** Checked names by a hash of their length and three of their characters. */
const CACHE_SIZE = 512;
const nameCache: Array<CachedName | undefined> = new Array<CachedName | undefined>(CACHE_SIZE);

function slotOf(text: string, start: number, length: number): number {
  return (
    (length * 31 +
      text.charCodeAt(start) * 7 +
      text.charCodeAt(start + length - 1) * 13 +
      text.charCodeAt(start + (length >> 1)) * 17) &
    (CACHE_SIZE - 1)
  );
}

/**
 * The cache entry for the name `text[start, start + length)`, checking and caching it on
 * a miss.
 *
 * @throws {HTTPInputError} if the name is not a token (RFC 9110 §5.1; this also rejects
 *   whitespace before the colon, RFC 9112 §5.1).
 */
function lookUpName(text: string, start: number, length: number): CachedName {
  const slot = slotOf(text, start, length);
  const cached = nameCache[slot];
  // Compared as a slice: V8 compares flat strings natively, faster than `startsWith` with a
  // position or a loop over char codes, and in time bounded by the name's length.
  if (cached !== undefined && cached.raw.length === length) {
    if (text.slice(start, start + length) === cached.raw) return cached;
  }
  const name = text.slice(start, start + length);
  if (!TOKEN.test(name)) throw new HTTPInputError(`Invalid header name ${quote(name)}`);
  const normalized = normalizeHeaderName(name);
  // A fresh copy: a slice may share (and so keep alive) the whole head it came from.
  const raw = Buffer.from(name, "latin1").toString("latin1");
  const entry: CachedName = { raw, normalized, kind: KINDS.get(normalized) ?? KIND_OTHER };
  nameCache[slot] = entry;
  return entry;
}

/** A framing field's value: `at` is its field index, or -2 if it appeared more than once. */
function fieldValue(parsed: ParsedFields, at: number, kind: number): string | undefined {
  if (at === -1) return undefined;
  if (at >= 0) return parsedValue(parsed, at);
  // RFC 9110 §5.3: repeated field lines combine into one comma-separated value.
  const values: string[] = [];
  for (let i = 0; i < parsed.names.length; i++) {
    if (parsed.names[i] === KIND_NAMES[kind]) values.push(parsedValue(parsed, i));
  }
  return values.join(",");
}

/**
 * What the last {@link parseFieldLines} call found besides the fields themselves (module
 * state rather than a result object: this runs once per message, and parsing is
 * synchronous).
 */
let foundEnd = -1;
let foundContentLength: string | undefined;
let foundTransferEncoding: string | undefined;
let foundConnection: string | undefined;

/**
 * Parses the field lines of `text` from `start` to `length`. Every line ends in LF (with
 * an optional CR before it), the last one just before `length`. `bad` is the index of the
 * first forbidden character, or -1. With `partial`, `text` is a guess at a window holding
 * the whole section: if it ends before the empty line that ends the section, the result
 * is null. Values are not cut out of `text` here: `HTTPHeaders` does it when first read.
 *
 * @throws {HTTPInputError} for a malformed line.
 */
function parseFieldLines(
  text: string,
  start: number,
  length: number,
  bad: number,
  partial: boolean,
): ParsedFields | null {
  const names: string[] = [];
  const spans: number[] = [];
  const parsed: ParsedFields = { text, names, spans, folded: null };
  let contentLength = -1;
  let transferEncoding = -1;
  let connection = -1;
  let end = -1;
  while (start < length) {
    let lf = text.indexOf("\n", start);
    if (lf < 0 || lf >= length) {
      if (partial) return null;
      lf = length;
    }
    let lineEnd = lf;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === 0x0d) lineEnd--;
    if (lineEnd === start) {
      end = lf + 1;
      break;
    }
    if (isOWS(text.charCodeAt(start))) {
      // RFC 9112 §5.2: obsolete line folding; the fold becomes one SP. With nothing to
      // continue it is an error (Tornado's "first header line cannot start with whitespace").
      const last = names.length - 1;
      if (last < 0) throw new HTTPInputError("first header line cannot start with whitespace");
      if (bad >= start && bad < lf) {
        throw new HTTPInputError(
          `Invalid header continuation ${quote(text.slice(start, lineEnd))}`,
        );
      }
      const folded = (parsed.folded ??= []);
      folded[last] = `${parsedValue(parsed, last)} ${sliceTrimOWS(text, start, lineEnd)}`;
    } else {
      const colon = text.indexOf(":", start);
      if (colon < 0 || colon >= lineEnd) throw new HTTPInputError("no colon in header line");
      const name = lookUpName(text, start, colon - start);
      if (bad >= start && bad < lf) {
        // RFC 9110 §5.5: field values are VCHAR, obs-text, SP and HTAB only; RFC 9112
        // §2.2: a bare CR is invalid.
        throw new HTTPInputError(`Invalid header value ${quote(text.slice(colon + 1, lineEnd))}`);
      }
      const kind = name.kind;
      if (kind !== KIND_OTHER) {
        const at = names.length;
        if (kind === KIND_CONTENT_LENGTH) contentLength = contentLength === -1 ? at : -2;
        else if (kind === KIND_TRANSFER_ENCODING) {
          transferEncoding = transferEncoding === -1 ? at : -2;
        } else connection = connection === -1 ? at : -2;
      }
      names.push(name.normalized);
      spans.push(colon + 1, lineEnd);
    }
    start = lf + 1;
  }
  if (partial && end < 0) return null;
  foundEnd = end;
  foundContentLength = fieldValue(parsed, contentLength, KIND_CONTENT_LENGTH);
  foundTransferEncoding = fieldValue(parsed, transferEncoding, KIND_TRANSFER_ENCODING);
  foundConnection = fieldValue(parsed, connection, KIND_CONNECTION);
  return parsed;
}

/**
 * Parses a message head from `text[0, length)`: a start line and field lines, each ending
 * in LF or CRLF, up to an empty line (`end` says where it stopped) or, if there is none,
 * to `length`. `bad` is the index of the first character of the head forbidden in a
 * head, or -1. With `partial` (see `parseFieldLines`), returns null if the empty line is
 * not within `length`.
 *
 * @throws {HTTPInputError} for a malformed start line, field line or character.
 */
export function parseHead(
  text: string,
  length: number,
  response: boolean,
  bad: number,
  partial = false,
): ParsedHead | null {
  let lf = text.indexOf("\n");
  if (lf < 0 || lf >= length) {
    if (partial) return null;
    lf = length;
  }
  const lineEnd = lf > 0 && text.charCodeAt(lf - 1) === 0x0d ? lf - 1 : lf;
  // The start-line parsers check their own characters, so `bad` matters only below.
  const startLine = response
    ? parseStatusLine(text, lineEnd)
    : parseRequestStartLine(text.slice(0, lineEnd));
  const fields = parseFieldLines(text, lf + 1, length, bad, partial);
  if (fields === null) return null;
  return {
    startLine,
    headers: HTTPHeaders._fromParsed(fields),
    contentLength: foundContentLength,
    transferEncoding: foundTransferEncoding,
    connection: foundConnection,
    end: foundEnd,
  };
}

/**
 * Parses a trailer section (RFC 9112 §7.1.2): field lines only, each ending in LF or
 * CRLF. `bad` as for {@link parseHead}.
 *
 * @throws {HTTPInputError} for a malformed field line or character.
 */
export function parseTrailers(text: string, bad: number): HTTPHeaders {
  return HTTPHeaders._fromParsed(parseFieldLines(text, 0, text.length, bad, false)!);
}
