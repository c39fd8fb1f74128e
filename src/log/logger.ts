/**
 * Named loggers, the root configuration and Tornado's three log streams (mirrors
 * `tornado.log` together with the part of Python's `logging` that it relies on).
 *
 * Tornado logs to `tornado.access` (per-request lines), `tornado.application` (errors
 * from application code such as uncaught exceptions in callbacks) and `tornado.general`
 * (everything else Tornado itself has to say); here they are {@link accessLog},
 * {@link appLog} and {@link genLog}.
 *
 * How a record travels, simplified from Python's `logging`:
 * 1. It is dropped unless its level is at least the logger's effective level: the
 *    logger's own `level` when non-zero, otherwise the root level (default `WARNING`).
 * 2. It goes to the logger's own handlers. A logger without handlers hands it to the root
 *    handlers instead (there is no dotted-name hierarchy in between), and when the root
 *    has none either, a last-resort handler prints it to `process.stderr` through
 *    {@link LogFormatter} (Python's last resort prints the bare message).
 * 3. A handler that throws is reported on stderr and skipped; logging never throws.
 *
 * @module
 */
import { LogFormatter, LogLevel, levelNameOf, type LogRecord } from "./formatter";

/**
 * Receives every record a logger emits. Python's handler and formatter in one function.
 *
 * @example
 * const lines: string[] = [];
 * const handler: LogHandler = (record) => lines.push(record.message);
 * genLog.addHandler(handler);
 */
export type LogHandler = (record: LogRecord) => void;

/** Level names accepted where a level may be given as text (case-insensitive). */
export type LogLevelName = "debug" | "info" | "warning" | "error" | "critical";

/**
 * A named source of log records, Python's `logging.Logger`.
 *
 * Obtain shared loggers through {@link getLogger}; `new Logger(name)` makes a private one
 * that no other code can reach, which is handy in tests.
 *
 * @example
 * const log = getLogger("myapp.db");
 * log.level = LogLevel.DEBUG;
 * log.debug("connected");
 * try { await query(); } catch (e) { log.exception("query failed", e); }
 */
export class Logger {
  /** The name records carry, e.g. `tornado.application`. */
  readonly name: string;
  /**
   * Records below this level are dropped. 0 (Python's `NOTSET`, the default) means "use
   * the root level"; on the root logger itself 0 lets every record through.
   */
  level: number;
  readonly #handlers: LogHandler[] = [];

  constructor(name: string, level = 0) {
    this.name = name;
    this.level = level;
  }

  /** A copy of this logger's handlers, in the order they run. */
  get handlers(): readonly LogHandler[] {
    return [...this.#handlers];
  }

  /** Logs at `DEBUG` level. @example log.debug("cache miss for key 42"); */
  debug(message: string, error?: unknown): void {
    this.#logAt(LogLevel.DEBUG, message, error);
  }

  /** Logs at `INFO` level. @example log.info("listening on port 8888"); */
  info(message: string, error?: unknown): void {
    this.#logAt(LogLevel.INFO, message, error);
  }

  /** Logs at `WARNING` level. @example log.warning("retrying after timeout"); */
  warning(message: string, error?: unknown): void {
    this.#logAt(LogLevel.WARNING, message, error);
  }

  /** Logs at `ERROR` level. @example log.error("upstream returned 502"); */
  error(message: string, error?: unknown): void {
    this.#logAt(LogLevel.ERROR, message, error);
  }

  /** Logs at `CRITICAL` level. @example log.critical("out of file descriptors"); */
  critical(message: string, error?: unknown): void {
    this.#logAt(LogLevel.CRITICAL, message, error);
  }

  /**
   * Logs at `ERROR` level with the caught error attached, as Python's
   * `logger.exception` does inside an `except` block.
   *
   * @example
   * try { handler(); } catch (e) { appLog.exception("Exception in callback", e); }
   */
  exception(message: string, error: unknown): void {
    this.#logAt(LogLevel.ERROR, message, error);
  }

  /**
   * Logs at any numeric level.
   *
   * @example
   * log.log(LogLevel.INFO + 5, "between info and warning"); // levelName "Level 25"
   */
  log(level: number, message: string, error?: unknown): void {
    this.#logAt(level, message, error);
  }

  /**
   * The level this logger actually filters at: its own, or the root level when its own
   * is 0. Python's `getEffectiveLevel`.
   *
   * @example
   * getLogger("fresh").getEffectiveLevel(); // 30 while the root level is WARNING
   */
  getEffectiveLevel(): number {
    return this.level !== 0 || this === rootLogger ? this.level : rootLogger.level;
  }

  /**
   * Whether a record at `level` would be emitted; use it to skip costly messages.
   *
   * @example
   * if (log.isEnabledFor(LogLevel.DEBUG)) log.debug(`state: ${JSON.stringify(state)}`);
   */
  isEnabledFor(level: number): boolean {
    return level >= this.getEffectiveLevel();
  }

  /**
   * Adds a handler; adding the same function twice has no effect, as in Python.
   *
   * @example
   * accessLog.addHandler((r) => accessFile.write(`${r.message}\n`));
   */
  addHandler(handler: LogHandler): void {
    if (!this.#handlers.includes(handler)) this.#handlers.push(handler);
  }

  /**
   * Removes a handler; removing one that is not installed does nothing.
   *
   * @example
   * log.addHandler(handler);
   * try { run(); } finally { log.removeHandler(handler); }
   */
  removeHandler(handler: LogHandler): void {
    const index = this.#handlers.indexOf(handler);
    if (index >= 0) this.#handlers.splice(index, 1);
  }

  #logAt(level: number, message: string, error: unknown): void {
    if (!this.isEnabledFor(level)) return;
    const record: LogRecord = {
      name: this.name,
      level,
      levelName: levelNameOf(level),
      message: typeof message === "string" ? message : safeString(message),
      created: new Date(),
      ...(error !== undefined ? { error } : {}),
    };
    // Copy: a handler may add or remove handlers while the record is being delivered.
    let handlers = this.#handlers;
    if (handlers.length === 0) handlers = rootLogger.#handlers;
    if (handlers.length === 0) handlers = [lastResort];
    for (const handler of [...handlers]) callHandler(handler, record);
  }
}

/** Runs one handler; a failing handler must not break the code that logged. */
function callHandler(handler: LogHandler, record: LogRecord): void {
  try {
    handler(record);
  } catch (err) {
    try {
      process.stderr.write(
        `--- Logging error ---\nA log handler threw ${safeString(err)} ` +
          `while handling a ${record.levelName} record from logger "${record.name}"\n`,
      );
    } catch {
      // stderr itself is broken; there is nowhere left to report to.
    }
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

let lastResortFormatter: LogFormatter | undefined;

/** Prints to stderr when no handler is configured anywhere (Python's `lastResort`). */
const lastResort: LogHandler = (record) => {
  lastResortFormatter ??= new LogFormatter({ stream: process.stderr });
  process.stderr.write(lastResortFormatter.format(record) + "\n");
};

/**
 * The root logger (Python's `logging.root`): its `level` is the root level, default
 * `WARNING`, and its handlers receive the records of every logger without handlers of
 * its own. `getLogger("")` returns it too.
 *
 * @example
 * rootLogger.addHandler((record) => collected.push(record));
 */
export const rootLogger = new Logger("root", LogLevel.WARNING);

const loggers = new Map<string, Logger>();

/**
 * Returns the logger with this name, creating it on first use; every call with the same
 * name returns the same object. The empty string names the root logger.
 *
 * @example
 * getLogger("tornado.application") === appLog; // true
 */
export function getLogger(name: string): Logger {
  if (name === "") return rootLogger;
  let logger = loggers.get(name);
  if (logger === undefined) {
    logger = new Logger(name);
    loggers.set(name, logger);
  }
  return logger;
}

/**
 * The root level: the level of every logger whose own `level` is 0. Default `WARNING`.
 *
 * @example
 * const saved = getRootLevel();
 * setRootLevel("debug");
 * try { await run(); } finally { setRootLevel(saved); }
 */
export function getRootLevel(): number {
  return rootLogger.level;
}

/**
 * Sets the root level from a number or a level name (case-insensitive).
 *
 * @throws {TypeError} for an unknown level name or a value that is not a finite number.
 * @example
 * setRootLevel(LogLevel.INFO);
 */
export function setRootLevel(level: number | LogLevelName): void {
  rootLogger.level = resolveLevel(level);
}

function resolveLevel(level: number | string): number {
  if (typeof level === "number") {
    if (Number.isFinite(level)) return level;
  } else if (typeof level === "string") {
    const value = (LogLevel as Record<string, number>)[level.toUpperCase()];
    if (value !== undefined) return value;
  }
  throw new TypeError(
    `Cannot set log level: expected a number or debug|info|warning|error|critical, ` +
      `received ${typeof level === "string" ? JSON.stringify(level) : safeString(level)}`,
  );
}

/** Tornado's per-request log stream, `tornado.access`. @example accessLog.info("200 GET / 1.2ms"); */
export const accessLog = getLogger("tornado.access");
/**
 * Tornado's log stream for errors from application code, `tornado.application`.
 * @example appLog.exception("Exception in callback", err);
 */
export const appLog = getLogger("tornado.application");
/** Tornado's general-purpose log stream, `tornado.general`. @example genLog.warning("Connect error"); */
export const genLog = getLogger("tornado.general");

/** Options of {@link enablePrettyLogging}. */
export interface PrettyLoggingOptions {
  /**
   * Level to set on the logger, a number or a name; default `"info"` as in Tornado's
   * `--logging` option. `"none"` leaves logging untouched, like `--logging=none`.
   */
  level?: number | LogLevelName | "none";
  /** Where lines are written; default `process.stderr`. */
  stream?: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** Colour the prefix; default: the stream is a TTY and `NO_COLOR` is unset. */
  color?: boolean;
  /** Logger to configure; default {@link rootLogger}, as in Tornado. */
  logger?: Logger;
}

const prettyHandlers = new WeakMap<Logger, LogHandler>();

/**
 * Turns on formatted output: installs a handler that writes {@link LogFormatter} lines to
 * `stream` and sets the level. Calling it again replaces the handler it installed before
 * rather than adding a second one. Tornado's `enable_pretty_logging`, minus log files.
 *
 * @throws {TypeError} for an unknown level name.
 * @example
 * enablePrettyLogging({ level: "debug" });
 * genLog.debug("now visible"); // [D 251125 07:36:16 tornado.general] now visible
 */
export function enablePrettyLogging(options: PrettyLoggingOptions = {}): void {
  const requested = options.level ?? "info";
  if (typeof requested === "string" && requested.toLowerCase() === "none") return;
  const level = resolveLevel(requested);
  const logger = options.logger ?? rootLogger;
  const stream = options.stream ?? process.stderr;
  const formatter = new LogFormatter({ color: options.color, stream });
  const handler: LogHandler = (record) => {
    stream.write(formatter.format(record) + "\n");
  };
  const previous = prettyHandlers.get(logger);
  if (previous !== undefined) logger.removeHandler(previous);
  prettyHandlers.set(logger, handler);
  logger.addHandler(handler);
  logger.level = level;
}
