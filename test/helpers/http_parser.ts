/**
 * Helpers of the `HTTP1Parser` suites: feed a case whole, split at every byte boundary,
 * and byte by byte, and compare what the parser reported each way (body pieces merged,
 * since their number depends on the splits).
 */
import { expect } from "chai";
import {
  HTTP1Parser,
  HTTPInputError,
  type HTTP1ParserOptions,
  type ReadResponseOptions,
} from "../../src/httputil";

/** What the parser reported, in a form that does not depend on how the input was split. */
export interface Transcript {
  events: unknown[];
  state: string;
  remaining: string;
  error: string | null;
}

/** One `readResponse` (its options) or `"request"` for `readRequest`, per message expected. */
export type Expect = ReadResponseOptions | "request";

export interface Run {
  expect?: Expect[];
  options?: HTTP1ParserOptions;
  eof?: boolean;
}

function pairs(headers: Iterable<[string, string]> | null): unknown {
  return headers === null ? null : [...headers];
}

/** Feeds `pieces` to a fresh parser and records everything it reports. */
export function transcribe(pieces: Buffer[], run: Run): Transcript {
  const events: unknown[] = [];
  let body: Buffer[] | null = null;
  const flushBody = (): void => {
    if (body !== null) events.push(["body", Buffer.concat(body).toString("latin1")]);
    body = null;
  };
  const parser = new HTTP1Parser(
    {
      onInformational: (startLine, headers) =>
        events.push(["info", String(startLine), pairs(headers)]),
      onHeaders: (head) =>
        events.push([
          "head",
          String(head.startLine),
          pairs(head.headers),
          head.framing,
          head.contentLength,
          head.keepAlive,
        ]),
      onData: (chunk) => (body ??= []).push(Buffer.from(chunk)),
      onComplete: (end) => {
        flushBody();
        events.push(["end", pairs(end.trailers), end.keepAlive]);
      },
    },
    run.options,
  );
  let error: string | null = null;
  try {
    for (const expectation of run.expect ?? [{}]) {
      if (expectation === "request") parser.readRequest();
      else parser.readResponse(expectation);
    }
    for (const piece of pieces) parser.feed(piece);
    if (run.eof) parser.feedEof();
  } catch (e) {
    if (!(e instanceof HTTPInputError)) throw e;
    error = e.message;
  }
  flushBody();
  const remaining = error === null ? parser.takeRemaining().toString("latin1") : "";
  return { events, state: parser.state, remaining, error };
}

/** `data` fed whole, in two pieces at every boundary, and byte by byte. */
export function splits(data: Buffer): Array<[string, Buffer[]]> {
  const ways: Array<[string, Buffer[]]> = [["whole", [data]]];
  for (let i = 1; i < data.length; i++) {
    ways.push([`split at ${i}`, [data.subarray(0, i), data.subarray(i)]]);
  }
  ways.push(["byte by byte", [...data].map((_, i) => data.subarray(i, i + 1))]);
  return ways;
}

/** Parses `text` every way; checks they agree; returns the whole-input transcript. */
export function parseEveryWay(text: string, run: Run = {}): Transcript {
  const data = Buffer.from(text, "latin1");
  const reference = transcribe([data], run);
  for (const [how, pieces] of splits(data)) {
    expect(transcribe(pieces, run), how).to.deep.equal(reference);
  }
  return reference;
}

/** Asserts that `text` fails every way with an error matching `message`. */
export function expectFailure(text: string, message: RegExp, run: Run = {}): Transcript {
  const result = parseEveryWay(text, run);
  expect(result.error, "error").to.match(message);
  expect(result.state).to.equal("failed");
  return result;
}

export const OK = "HTTP/1.1 200 OK\r\n";
