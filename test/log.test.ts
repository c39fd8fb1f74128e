// Tests for src/log, after Tornado's tornado/test/log_test.py where a counterpart exists.
import { expect } from "chai";
import {
  LogFormatter,
  LogLevel,
  Logger,
  accessLog,
  appLog,
  enablePrettyLogging,
  genLog,
  getLogger,
  getRootLevel,
  rootLogger,
  setRootLevel,
  type LogHandler,
  type LogRecord,
} from "../src/log";

// Matches one formatted ERROR line of the logger "LogFormatterTest"; (.*) is the message
// and whatever follows it (the `s` flag lets it span an attached stack).
const LINE_RE = /^\[E [0-9]{6} [0-9]{2}:[0-9]{2}:[0-9]{2} LogFormatterTest\] (.*)$/s;

function record(fields: Partial<LogRecord> = {}): LogRecord {
  return {
    name: "tornado.general",
    level: LogLevel.WARNING,
    levelName: "WARNING",
    message: "disk almost full",
    created: new Date(2025, 10, 25, 7, 36, 16),
    ...fields,
  };
}

/** Makes ANSI escapes visible (and matchable without control characters in a regex). */
const showEscapes = (text: string): string => text.replaceAll("\x1b", "ESC");

/** A stand-in for a writable stream that keeps what is written. */
function memoryStream(isTTY = false): NodeJS.WritableStream & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const stream = {
    isTTY,
    write(chunk: string | Uint8Array): boolean {
      chunks.push(String(chunk));
      return true;
    },
    text: () => chunks.join(""),
  };
  return stream as unknown as NodeJS.WritableStream & { isTTY: boolean; text(): string };
}

/** Saves the root level and handlers, and puts them back; tests must not leak config. */
function preserveRootConfig(): void {
  let savedLevel = 0;
  let savedHandlers: readonly LogHandler[] = [];
  beforeEach(() => {
    savedLevel = getRootLevel();
    savedHandlers = rootLogger.handlers;
  });
  afterEach(() => {
    for (const handler of rootLogger.handlers) rootLogger.removeHandler(handler);
    for (const handler of savedHandlers) rootLogger.addHandler(handler);
    setRootLevel(savedLevel);
  });
}

/** Captures process.stderr while `fn` runs. */
function captureStderr(fn: () => void): string {
  const chunks: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks.join("");
}

describe("LogFormatterTest", () => {
  let logger: Logger;
  let lines: string[];

  beforeEach(() => {
    // A private Logger, bypassing getLogger's cache, with its own formatting handler.
    const formatter = new LogFormatter({ color: false });
    logger = new Logger("LogFormatterTest");
    lines = [];
    logger.addHandler((r) => lines.push(formatter.format(r)));
  });

  function getOutput(): string {
    expect(lines).to.have.length(1);
    const match = LINE_RE.exec(lines[0]!);
    if (match === null) throw new Error(`output didn't match regex: ${JSON.stringify(lines[0])}`);
    return match[1]!;
  }

  it("prints level letter, date, logger name and message (test_basic_logging)", () => {
    logger.error("foo");
    expect(getOutput()).to.equal("foo");
  });

  it("keeps non-ASCII messages intact (test_unicode_logging)", () => {
    logger.error("\u00e9");
    expect(getOutput()).to.equal("\u00e9");
    lines.length = 0;
    logger.error("日本語 🌪");
    expect(getOutput()).to.equal("日本語 🌪");
  });

  it("appends the error stack on the following lines (test_bytes_exception_logging)", () => {
    const error = new Error("caught \u00e9");
    logger.exception("caught exception", error);
    const output = getOutput();
    expect(output.startsWith("caught exception\n")).to.equal(true);
    expect(output).to.contain(error.stack);
    expect(output).to.match(/\nError: caught \u00e9\n {4}at /);
  });

  it("formats the date as %y%m%d %H:%M:%S in local time", () => {
    const formatter = new LogFormatter({ color: false });
    expect(formatter.format(record())).to.equal(
      "[W 251125 07:36:16 tornado.general] disk almost full",
    );
  });

  it("uses the first letter of the level name", () => {
    const formatter = new LogFormatter({ color: false });
    const letters = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "Level 25"].map((levelName) =>
      formatter.format(record({ levelName })).charAt(1),
    );
    expect(letters).to.deep.equal(["D", "I", "W", "E", "C", "L"]);
  });

  it("prints String(value) for an attached value that is not an Error", () => {
    const formatter = new LogFormatter({ color: false });
    expect(formatter.format(record({ error: "plain reason" }))).to.equal(
      "[W 251125 07:36:16 tornado.general] disk almost full\nplain reason",
    );
    const bare = Object.create(null) as object;
    expect(formatter.format(record({ error: bare }))).to.match(/\n\[object Object\]$/);
  });

  it("appends the stacks of chained causes", () => {
    const root = new Error("socket hang up");
    const error = new Error("fetch failed", { cause: root });
    const text = new LogFormatter({ color: false }).format(record({ error }));
    expect(text).to.contain(`\n${error.stack}\nCaused by: ${root.stack}`);
  });

  it("stops at a cycle in the cause chain", () => {
    const a = new Error("a");
    const b = new Error("b", { cause: a });
    (a as { cause?: unknown }).cause = b;
    const text = new LogFormatter({ color: false }).format(record({ error: a }));
    expect(text.split("Caused by:")).to.have.length(2);
  });

  it("colours only the bracketed prefix when color is true", () => {
    const formatter = new LogFormatter({ color: true });
    const text = formatter.format(record({ level: LogLevel.ERROR, levelName: "ERROR" }));
    expect(text).to.equal("\x1b[31m[E 251125 07:36:16 tornado.general]\x1b[0m disk almost full");
  });

  it("gives each level Tornado's colour", () => {
    const formatter = new LogFormatter({ color: true });
    const codes = Object.entries(LogLevel).map(([levelName, level]) =>
      formatter.format(record({ level, levelName })).slice(0, 5),
    );
    expect(codes).to.deep.equal(["\x1b[34m", "\x1b[32m", "\x1b[33m", "\x1b[31m", "\x1b[35m"]);
    // A level without a colour prints plain.
    expect(formatter.format(record({ level: 25, levelName: "Level 25" }))).to.match(/^\[L /);
  });

  it("accepts a colour table", () => {
    const formatter = new LogFormatter({ color: true, colors: { [LogLevel.WARNING]: 6 } });
    expect(showEscapes(formatter.format(record()))).to.match(/^ESC\[36m\[W [^\]]*\]ESC\[0m disk/);
  });

  it("has no escape codes when color is false", () => {
    const formatter = new LogFormatter({ color: false });
    for (const [levelName, level] of Object.entries(LogLevel)) {
      expect(formatter.format(record({ level, levelName }))).not.to.contain("\x1b");
    }
  });

  describe("default colour", () => {
    let savedNoColor: string | undefined;
    beforeEach(() => {
      savedNoColor = process.env["NO_COLOR"];
      delete process.env["NO_COLOR"];
    });
    afterEach(() => {
      if (savedNoColor === undefined) delete process.env["NO_COLOR"];
      else process.env["NO_COLOR"] = savedNoColor;
    });

    it("is on for a TTY stream", () => {
      const formatter = new LogFormatter({ stream: { isTTY: true } });
      expect(formatter.format(record()).startsWith("\x1b[33m")).to.equal(true);
    });

    it("is off for a stream that is not a TTY", () => {
      const formatter = new LogFormatter({ stream: { isTTY: false } });
      expect(formatter.format(record())).not.to.contain("\x1b");
    });

    it("is off when NO_COLOR is set", () => {
      process.env["NO_COLOR"] = "1";
      const formatter = new LogFormatter({ stream: { isTTY: true } });
      expect(formatter.format(record())).not.to.contain("\x1b");
    });
  });

  it("accepts a strftime pattern or a function as datefmt", () => {
    const iso = new LogFormatter({ color: false, datefmt: "%Y-%m-%d %I:%M:%S.%f %p %%" });
    expect(iso.format(record())).to.equal(
      "[W 2025-11-25 07:36:16.000000 AM % tornado.general] disk almost full",
    );
    const custom = new LogFormatter({ color: false, datefmt: (d) => String(d.getFullYear()) });
    expect(custom.format(record())).to.equal("[W 2025 tornado.general] disk almost full");
  });

  it("rejects an unknown datefmt directive", () => {
    expect(() => new LogFormatter({ datefmt: "%Q" })).to.throw(
      RangeError,
      'unsupported directive "%Q"',
    );
  });
});

describe("LoggerTest", () => {
  preserveRootConfig();

  it("drops records below the logger's level", () => {
    const logger = new Logger("filter", LogLevel.WARNING);
    const seen: string[] = [];
    logger.addHandler((r) => seen.push(r.message));
    logger.debug("d");
    logger.info("i");
    logger.warning("w");
    logger.error("e");
    logger.critical("c");
    logger.log(LogLevel.WARNING - 1, "just below");
    expect(seen).to.deep.equal(["w", "e", "c"]);
  });

  it("uses the root level when its own level is 0", () => {
    const logger = new Logger("inherit");
    const seen: string[] = [];
    logger.addHandler((r) => seen.push(r.message));
    setRootLevel(LogLevel.WARNING);
    logger.info("hidden");
    setRootLevel("debug");
    expect(logger.getEffectiveLevel()).to.equal(LogLevel.DEBUG);
    expect(logger.isEnabledFor(LogLevel.DEBUG)).to.equal(true);
    logger.debug("shown");
    logger.level = LogLevel.ERROR;
    expect(logger.isEnabledFor(LogLevel.WARNING)).to.equal(false);
    expect(seen).to.deep.equal(["shown"]);
  });

  it("rejects an unknown level name", () => {
    expect(() => setRootLevel("verbose" as "debug")).to.throw(TypeError, '"verbose"');
    expect(() => setRootLevel(Number.NaN)).to.throw(TypeError);
  });

  it("hands every field of the record to the handler", () => {
    const logger = new Logger("fields", LogLevel.DEBUG);
    const records: LogRecord[] = [];
    logger.addHandler((r) => records.push(r));
    const error = new Error("boom");
    const before = Date.now();
    logger.exception("failed", error);
    logger.info("fine");
    logger.log(25, "custom");
    const [failed, fine, custom] = records;
    expect(failed).to.include({ name: "fields", level: 40, levelName: "ERROR" });
    expect(failed!.message).to.equal("failed");
    expect(failed!.error).to.equal(error);
    expect(failed!.created).to.be.instanceOf(Date);
    expect(failed!.created.getTime()).to.be.within(before, Date.now());
    expect(fine).to.include({ level: 20, levelName: "INFO", message: "fine" });
    expect(fine).not.to.have.property("error");
    expect(custom).to.include({ level: 25, levelName: "Level 25" });
  });

  it("turns a message that is not a string into one", () => {
    const logger = new Logger("coerce", LogLevel.DEBUG);
    const seen: string[] = [];
    logger.addHandler((r) => seen.push(r.message));
    logger.info(42 as unknown as string);
    expect(seen).to.deep.equal(["42"]);
  });

  it("falls back to the root handlers when it has none", () => {
    const logger = new Logger("orphan");
    const atRoot: string[] = [];
    rootLogger.addHandler((r) => atRoot.push(`${r.name}: ${r.message}`));
    logger.warning("to root");
    const own: string[] = [];
    logger.addHandler((r) => own.push(r.message));
    logger.warning("to own");
    expect(atRoot).to.deep.equal(["orphan: to root"]);
    expect(own).to.deep.equal(["to own"]);
  });

  it("prints to stderr when no handler exists anywhere", () => {
    for (const handler of rootLogger.handlers) rootLogger.removeHandler(handler);
    const logger = new Logger("lonely");
    const output = captureStderr(() => logger.error("nobody listens"));
    expect(showEscapes(output)).to.match(
      /^(ESC\[31m)?\[E \d{6} \d{2}:\d{2}:\d{2} lonely\](ESC\[0m)? /,
    );
    expect(output.endsWith(" nobody listens\n")).to.equal(true);
  });

  it("survives a handler that throws", () => {
    const logger = new Logger("fragile");
    const seen: string[] = [];
    logger.addHandler(() => {
      throw new Error("handler broke");
    });
    logger.addHandler((r) => seen.push(r.message));
    let output = "";
    expect(() => {
      output = captureStderr(() => logger.error("still delivered"));
    }).not.to.throw();
    expect(seen).to.deep.equal(["still delivered"]);
    expect(output).to.contain("--- Logging error ---");
    expect(output).to.contain("Error: handler broke");
    expect(output).to.contain('logger "fragile"');
  });

  it("adds a handler once and ignores removing an unknown one", () => {
    const logger = new Logger("handlers");
    const handler: LogHandler = () => undefined;
    logger.addHandler(handler);
    logger.addHandler(handler);
    expect(logger.handlers).to.deep.equal([handler]);
    logger.removeHandler(() => undefined);
    logger.removeHandler(handler);
    expect(logger.handlers).to.deep.equal([]);
  });

  it("delivers a record to the handlers present when it was made", () => {
    const logger = new Logger("mutating");
    const seen: string[] = [];
    const late: LogHandler = (r) => seen.push(`late ${r.message}`);
    logger.addHandler((r) => {
      seen.push(`first ${r.message}`);
      logger.addHandler(late);
    });
    logger.warning("one");
    logger.warning("two");
    expect(seen).to.deep.equal(["first one", "first two", "late two"]);
  });

  it("returns one logger per name (getLogger caching)", () => {
    const a = getLogger("tornado.test.log_test.cache");
    expect(getLogger("tornado.test.log_test.cache")).to.equal(a);
    expect(a.name).to.equal("tornado.test.log_test.cache");
    expect(getLogger("tornado.application")).to.equal(appLog);
    expect(getLogger("tornado.general")).to.equal(genLog);
    expect(getLogger("tornado.access")).to.equal(accessLog);
    expect([appLog.name, genLog.name, accessLog.name]).to.deep.equal([
      "tornado.application",
      "tornado.general",
      "tornado.access",
    ]);
    expect(getLogger("")).to.equal(rootLogger);
    expect(new Logger("tornado.application")).not.to.equal(appLog);
  });
});

describe("EnablePrettyLoggingTest", () => {
  preserveRootConfig();

  it("writes formatted lines to the stream (test_log_file)", () => {
    const logger = new Logger("tornado.test.log_test.EnablePrettyLoggingTest");
    const stream = memoryStream();
    enablePrettyLogging({ logger, stream });
    expect(logger.handlers).to.have.length(1);
    expect(logger.level).to.equal(LogLevel.INFO);
    logger.error("hello");
    logger.debug("too detailed");
    expect(stream.text()).to.match(/^\[E [^\]]*\] hello\n$/);
  });

  it("replaces the handler it installed on a second call", () => {
    const logger = new Logger("pretty.twice");
    const first = memoryStream();
    const second = memoryStream();
    enablePrettyLogging({ logger, stream: first });
    enablePrettyLogging({ logger, stream: second, level: "debug" });
    expect(logger.handlers).to.have.length(1);
    logger.debug("once");
    expect(first.text()).to.equal("");
    expect(second.text()).to.match(/^\[D [^\]]*\] once\n$/);
  });

  it("configures the root logger by default", () => {
    const stream = memoryStream();
    enablePrettyLogging({ stream, level: LogLevel.WARNING });
    expect(getRootLevel()).to.equal(LogLevel.WARNING);
    new Logger("via.root").warning("careful");
    expect(stream.text()).to.match(/^\[W [^\]]*via\.root\] careful\n$/);
  });

  it("colours the output when asked to", () => {
    const logger = new Logger("pretty.color");
    const stream = memoryStream();
    enablePrettyLogging({ logger, stream, color: true });
    logger.info("green");
    expect(showEscapes(stream.text())).to.match(/^ESC\[32m\[I [^\]]*\]ESC\[0m green\n$/);
  });

  it("leaves logging alone for level none (test_disable_code_string)", () => {
    const logger = new Logger("pretty.none", LogLevel.ERROR);
    enablePrettyLogging({ logger, level: "none" });
    enablePrettyLogging({ logger, level: "None" as "none" });
    expect(logger.handlers).to.have.length(0);
    expect(logger.level).to.equal(LogLevel.ERROR);
  });

  it("rejects an unknown level name", () => {
    const logger = new Logger("pretty.bad");
    expect(() => enablePrettyLogging({ logger, level: "loud" as "info" })).to.throw(TypeError);
    expect(logger.handlers).to.have.length(0);
  });
});
