/**
 * Property-based tests of `HTTP1Parser` with fast-check: any valid response, serialised
 * and cut into arbitrary pieces, parses back to the message it came from; and mutated
 * input never makes the parser throw anything but `HTTPInputError`, never makes it spin,
 * and never lets a head or body past the limits. Run counts are bounded so the file runs
 * in a few seconds; a failure prints the seed and the shrunk counterexample.
 */
import { expect } from "chai";
import fc from "fast-check";
import { HTTP1Parser, HTTPInputError, type HTTP1ParserOptions } from "../src/httputil";

interface ResponseModel {
  readonly interim: ReadonlyArray<{ code: number; headers: Array<[string, string]> }>;
  readonly version: "HTTP/1.1" | "HTTP/1.0";
  readonly code: number;
  readonly reason: string;
  readonly headers: Array<[string, string]>;
  readonly connection: "close" | "keep-alive" | null;
  readonly framing: "length" | "chunked" | "close";
  /** The body as the chunks it is sent in (one piece for "length" and "close"). */
  readonly chunks: Array<{ data: Buffer; extension: string }>;
  readonly trailers: Array<[string, string]>;
  /** Cosmetic choices that must not change the parse. */
  readonly lowerCaseNames: boolean;
  readonly lineEnd: "\r\n" | "\n";
  readonly padding: string;
}

const TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz";
const VCHARS = Array.from({ length: 0x7e - 0x21 + 1 }, (_, i) => String.fromCharCode(0x21 + i))
  .concat(["\x80", "\xa0", "\xe9", "\xff"])
  .join("");
const RESERVED = new Set(["Content-Length", "Transfer-Encoding", "Connection"]);

const word = fc.string({
  unit: fc.constantFrom(...TCHARS.replace("-", "")),
  minLength: 1,
  maxLength: 8,
});
/** Names already in Http-Header-Case, so the expected name is the generated one. */
const headerName = fc
  .array(word, { minLength: 1, maxLength: 3 })
  .map((words) => words.map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join("-"))
  .filter((name) => !RESERVED.has(name));
/** RFC 9110 §5.5 field values: visible characters with single inner spaces or tabs. */
const headerValue = fc
  .array(fc.string({ unit: fc.constantFrom(...VCHARS), minLength: 1, maxLength: 10 }), {
    maxLength: 4,
  })
  .chain((parts) =>
    fc
      .array(fc.constantFrom(" ", "\t", "  "), { minLength: parts.length, maxLength: parts.length })
      .map((spaces) => parts.map((p, i) => (i === 0 ? p : spaces[i]! + p)).join("")),
  );
const fields = fc.array(fc.tuple(headerName, headerValue), { maxLength: 6 });

const responseModel: fc.Arbitrary<ResponseModel> = fc
  .record({
    interim: fc.array(fc.record({ code: fc.constantFrom(100, 102, 103), headers: fields }), {
      maxLength: 2,
    }),
    version: fc.constantFrom("HTTP/1.1" as const, "HTTP/1.0" as const),
    code: fc.integer({ min: 200, max: 599 }).filter((c) => c !== 204 && c !== 304),
    reason: fc.string({ unit: fc.constantFrom(...VCHARS, " "), maxLength: 12 }),
    headers: fields,
    connection: fc.constantFrom("close" as const, "keep-alive" as const, null),
    framing: fc.constantFrom("length" as const, "chunked" as const, "close" as const),
    chunks: fc.array(
      fc.record({
        data: fc.uint8Array({ minLength: 1, maxLength: 200 }).map((a) => Buffer.from(a)),
        extension: fc.constantFrom("", ";a", ";a=b", ' ; name="q v"'),
      }),
      { maxLength: 4 },
    ),
    trailers: fields,
    lowerCaseNames: fc.boolean(),
    lineEnd: fc.constantFrom("\r\n" as const, "\n" as const),
    padding: fc.constantFrom("", " ", "\t "),
  })
  .map((m) => (m.framing === "chunked" ? m : { ...m, trailers: [] }));

function serialiseFields(model: ResponseModel, list: Array<[string, string]>): string {
  const name = (n: string): string => (model.lowerCaseNames ? n.toLowerCase() : n);
  return list
    .map(([n, v]) => `${name(n)}:${model.padding}${v}${model.padding}${model.lineEnd}`)
    .join("");
}

function serialise(model: ResponseModel): Buffer {
  const nl = model.lineEnd;
  const parts: Buffer[] = [];
  for (const interim of model.interim) {
    parts.push(
      Buffer.from(
        `HTTP/1.1 ${interim.code} Info${nl}${serialiseFields(model, interim.headers)}${nl}`,
        "latin1",
      ),
    );
  }
  const body = Buffer.concat(model.chunks.map((c) => c.data));
  let head = `${model.version} ${model.code}${model.reason === "" ? "" : ` ${model.reason}`}${nl}`;
  head += serialiseFields(model, model.headers);
  if (model.connection !== null) head += `Connection: ${model.connection}${nl}`;
  if (model.framing === "length") head += `Content-Length: ${body.length}${nl}`;
  if (model.framing === "chunked") head += `Transfer-Encoding: chunked${nl}`;
  parts.push(Buffer.from(head + nl, "latin1"));
  if (model.framing === "chunked") {
    for (const chunk of model.chunks) {
      parts.push(
        Buffer.from(`${chunk.data.length.toString(16)}${chunk.extension}\r\n`, "latin1"),
        chunk.data,
        Buffer.from("\r\n"),
      );
    }
    parts.push(Buffer.from(`0\r\n${serialiseFields(model, model.trailers)}${nl}`, "latin1"));
  } else {
    parts.push(body);
  }
  return Buffer.concat(parts);
}

function sorted(list: Iterable<[string, string]>): Array<[string, string]> {
  return [...list].sort((a, b) => (a[0] + "\0" + a[1] < b[0] + "\0" + b[1] ? -1 : 1));
}

function expectedEvents(model: ResponseModel): unknown[] {
  const http11 = model.version === "HTTP/1.1";
  const keepAlive =
    model.framing !== "close" &&
    (http11
      ? model.connection !== "close"
      : model.connection === "keep-alive" && model.framing === "length");
  const headers: Array<[string, string]> = [...model.headers];
  if (model.connection !== null) headers.push(["Connection", model.connection]);
  const body = Buffer.concat(model.chunks.map((c) => c.data));
  if (model.framing === "length") headers.push(["Content-Length", String(body.length)]);
  if (model.framing === "chunked") headers.push(["Transfer-Encoding", "chunked"]);
  const events: unknown[] = model.interim.map((i) => [
    "info",
    `HTTP/1.1 ${i.code} Info`,
    sorted(i.headers),
  ]);
  events.push([
    "head",
    `${model.version} ${model.code} ${model.reason}`,
    sorted(headers),
    model.framing,
    keepAlive,
  ]);
  if (body.length > 0) events.push(["body", body.toString("latin1")]);
  events.push(["end", model.trailers.length === 0 ? null : sorted(model.trailers), keepAlive]);
  return events;
}

/** Cuts `data` at the given positions (taken modulo its length). */
function cut(data: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.length + 1)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of points) {
    pieces.push(data.subarray(start, point));
    start = point;
  }
  pieces.push(data.subarray(start));
  return pieces;
}

/** Parses `pieces` as one response; each body piece must be at most `maxChunk` bytes. */
function parseModel(pieces: Buffer[], maxChunk?: number): unknown[] {
  const events: unknown[] = [];
  let body: Buffer[] = [];
  const parser = new HTTP1Parser(
    {
      onInformational: (line, headers) => events.push(["info", String(line), sorted(headers)]),
      onHeaders: (head) =>
        events.push([
          "head",
          String(head.startLine),
          sorted(head.headers),
          head.framing,
          head.keepAlive,
        ]),
      onData: (chunk) => {
        if (maxChunk !== undefined && chunk.length > maxChunk) {
          throw new Error(`a piece of ${chunk.length} bytes over maxChunk ${maxChunk}`);
        }
        body.push(Buffer.from(chunk));
      },
      onComplete: (end) => {
        if (body.length > 0) events.push(["body", Buffer.concat(body).toString("latin1")]);
        body = [];
        events.push(["end", end.trailers === null ? null : sorted(end.trailers), end.keepAlive]);
      },
    },
    { maxChunk },
  );
  parser.readResponse();
  for (const piece of pieces) parser.feed(piece);
  parser.feedEof();
  return events;
}

interface RequestModel {
  readonly method: string;
  readonly target: string;
  readonly headers: Array<[string, string]>;
  readonly framing: "none" | "length" | "chunked";
  readonly body: Buffer;
}

const requestModel: fc.Arbitrary<RequestModel> = fc
  .record({
    method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "X-CUSTOM"),
    target: fc.constantFrom("/", "/a/b?c=d&e", "*", "http://example.com/x", "/%7Euser"),
    headers: fields,
    framing: fc.constantFrom("none" as const, "length" as const, "chunked" as const),
    body: fc.uint8Array({ minLength: 1, maxLength: 300 }).map((a) => Buffer.from(a)),
  })
  .map((m) => (m.framing === "none" ? { ...m, body: Buffer.alloc(0) } : m));

function serialiseRequest(model: RequestModel): Buffer {
  let head = `${model.method} ${model.target} HTTP/1.1\r\n`;
  head += model.headers.map(([n, v]) => `${n}: ${v}\r\n`).join("");
  if (model.framing === "length") head += `Content-Length: ${model.body.length}\r\n`;
  if (model.framing === "chunked") head += "Transfer-Encoding: chunked\r\n";
  const body =
    model.framing === "chunked"
      ? Buffer.concat([
          Buffer.from(`${model.body.length.toString(16)}\r\n`),
          model.body,
          Buffer.from("\r\n0\r\n\r\n"),
        ])
      : model.body;
  return Buffer.concat([Buffer.from(`${head}\r\n`, "latin1"), body]);
}

describe("HTTP1ParserPropertyTest", () => {
  it("parses any valid request, cut anywhere, back to the same message", () => {
    fc.assert(
      fc.property(
        fc.array(requestModel, { minLength: 1, maxLength: 3 }),
        fc.array(fc.nat(), { maxLength: 12 }),
        (models, cuts) => {
          const seen: unknown[] = [];
          let body: Buffer[] = [];
          const parser: HTTP1Parser = new HTTP1Parser({
            onHeaders: (head) =>
              seen.push(String(head.startLine), head.framing, sorted(head.headers)),
            onData: (chunk) => body.push(Buffer.from(chunk)),
            onComplete: (end) => {
              seen.push(Buffer.concat(body).toString("latin1"), end.keepAlive);
              body = [];
            },
          });
          for (let i = 0; i < models.length; i++) parser.readRequest();
          for (const piece of cut(Buffer.concat(models.map(serialiseRequest)), cuts))
            parser.feed(piece);
          const expected = models.flatMap((m) => {
            const headers: Array<[string, string]> = [...m.headers];
            if (m.framing === "length") headers.push(["Content-Length", String(m.body.length)]);
            if (m.framing === "chunked") headers.push(["Transfer-Encoding", "chunked"]);
            const framing = m.framing === "length" && m.body.length === 0 ? "none" : m.framing;
            return [
              `${m.method} ${m.target} HTTP/1.1`,
              framing,
              sorted(headers),
              m.body.toString("latin1"),
              true,
            ];
          });
          expect(seen).to.deep.equal(expected);
          expect(parser.state).to.equal("idle");
        },
      ),
      { numRuns: 200 },
    );
  });

  it("parses any valid response, cut anywhere, back to the same message", () => {
    fc.assert(
      fc.property(responseModel, fc.array(fc.nat(), { maxLength: 12 }), (model, cuts) => {
        const data = serialise(model);
        expect(parseModel(cut(data, cuts))).to.deep.equal(expectedEvents(model));
      }),
      { numRuns: 300 },
    );
  });

  it("parses any valid response with any maxChunk the same, no body piece over it", () => {
    fc.assert(
      fc.property(
        responseModel,
        fc.array(fc.nat(), { maxLength: 12 }),
        fc.integer({ min: 1, max: 64 }),
        (model, cuts, maxChunk) => {
          const data = serialise(model);
          expect(parseModel(cut(data, cuts), maxChunk)).to.deep.equal(expectedEvents(model));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("throws only HTTPInputError on mutated input, ends, and keeps to its limits", () => {
    const options: HTTP1ParserOptions = { maxHeaderSize: 256, maxBodySize: 400 };
    const mutation = fc.record({
      at: fc.nat(),
      kind: fc.constantFrom("replace", "insert", "delete"),
      byte: fc.constantFrom(0x00, 0x09, 0x0a, 0x0d, 0x20, 0x3a, 0x3b, 0x30, 0x46, 0x7f, 0xff, 0x61),
    });
    fc.assert(
      fc.property(
        fc.array(responseModel, { minLength: 1, maxLength: 3 }),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.constantFrom("GET", "HEAD", "CONNECT"),
        fc.boolean(),
        (models, mutations, cuts, requestMethod, upgradeRequested) => {
          const bytes = [...Buffer.concat(models.map(serialise))];
          for (const { at, kind, byte } of mutations) {
            const i = at % (bytes.length + 1);
            if (kind === "insert") bytes.splice(i, 0, byte);
            else if (kind === "delete") bytes.splice(i, 1);
            else if (i < bytes.length) bytes[i] = byte;
          }
          const data = Buffer.from(bytes);
          let calls = 0;
          let bodyBytes = 0;
          const fieldBytes = (list: Iterable<[string, string]>): number => {
            let total = 0;
            for (const [name, value] of list) total += name.length + value.length + 2;
            return total;
          };
          const parser: HTTP1Parser = new HTTP1Parser(
            {
              onInformational: (line, headers) => {
                calls++;
                expect(String(line).length + fieldBytes(headers)).to.be.at.most(
                  options.maxHeaderSize!,
                );
              },
              onHeaders: (head) => {
                calls++;
                bodyBytes = 0;
                expect(String(head.startLine).length + fieldBytes(head.headers)).to.be.at.most(
                  options.maxHeaderSize!,
                );
              },
              onData: (chunk) => {
                calls++;
                bodyBytes += chunk.length;
                expect(bodyBytes).to.be.at.most(options.maxBodySize!);
              },
              onComplete: (end) => {
                calls++;
                if (end.trailers !== null)
                  expect(fieldBytes(end.trailers)).to.be.at.most(options.maxHeaderSize!);
                if (end.keepAlive) parser.readResponse({ requestMethod, upgradeRequested });
              },
            },
            options,
          );
          try {
            parser.readResponse({ requestMethod, upgradeRequested });
            for (const piece of cut(data, cuts)) parser.feed(piece);
            parser.feedEof();
          } catch (e) {
            if (!(e instanceof HTTPInputError)) throw e;
          }
          // Every report but a head's or an end's consumes input: no spinning.
          expect(calls).to.be.at.most(2 * data.length + 4);
        },
      ),
      { numRuns: 400 },
    );
  });
});
