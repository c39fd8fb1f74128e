/**
 * `ExpectLog`: assert that a logger emits a message, and keep it out of the test output
 * (mirrors `tornado.testing.ExpectLog`).
 *
 * Tornado installs the `ExpectLog` as a `logging.Filter` on the logger: a matching record
 * is counted and dropped before any handler sees it; others go on as usual. tornado-ts
 * loggers have handlers but no filters, and a logger with handlers of its own does not
 * pass records on to the root, so while it is active an `ExpectLog` takes the logger's
 * handlers off and stands in their place: it drops matching records and hands every
 * other one to the handlers that would have received it (the logger's own, else the
 * root's, else the last-resort printer on stderr). `finish()` puts the handlers back.
 *
 * Python's `with ExpectLog(...):` becomes `await new ExpectLog(...).run(async () => ...)`,
 * `using _ = new ExpectLog(...).start()`, or a `start()`/`finish()` pair.
 */
import {
  LogFormatter,
  LogLevel,
  appLog,
  getLogger,
  rootLogger,
  type LogHandler,
  type LogLevelName,
  type LogRecord,
  type Logger,
} from "../log";
import { RuntimeError } from "../util";
import { ExpectLogError } from "./errors";

/** Options of {@link ExpectLog}. */
export interface ExpectLogOptions {
  /** Fail in `finish()` when no record matched (default true). */
  required?: boolean;
  /**
   * Only records at exactly this level match; a matching message at another level is
   * let through with a warning on `appLog`. The logger's level is lowered to it while
   * active when needed, so that DEBUG or INFO records are emitted at all.
   */
  level?: number | LogLevelName;
}

/**
 * Swallows the records of `logger` whose message matches `regex` and, when `required`,
 * fails if none came. Records that do not match reach the usual handlers.
 *
 * A `RegExp` is searched anywhere in the message, as JavaScript's `test` does; a string
 * is a pattern matched at the start of the message, as Python's `re.match` does, so that
 * patterns ported from Tornado tests keep their meaning.
 *
 * Nest `ExpectLog`s on one logger only properly (the inner one finishes first).
 *
 * @example
 * await new ExpectLog(appLog, /Exception in callback/).run(() =>
 *   loop.runSync(async () => {
 *     loop.addCallback(() => { throw new Error("boom"); });
 *     await new Promise((resolve) => loop.callLater(0.01, resolve));
 *   }),
 * );
 * @example
 * {
 *   using _ = new ExpectLog(genLog, /Connect error/, { required: false }).start();
 *   await connectWithRetries();
 * } // finish() runs here
 */
export class ExpectLog {
  /** The watched logger. */
  readonly logger: Logger;
  /** The pattern messages are tested against (without `g`/`y` flags, so stateless). */
  readonly regex: RegExp;
  /** Whether `finish()` fails when nothing matched. */
  readonly required: boolean;
  /** The only level that matches, or undefined for any. */
  readonly level: number | undefined;
  /** How many records matched and were swallowed. */
  matched = 0;
  /** True once any record logged while active carried an error (Tornado's `logged_stack`). */
  loggedStack = false;

  private _saved: LogHandler[] | null = null;
  private _savedLevel: number | null = null;
  /** Set while this object itself logs, so its own warning is never matched. */
  private _logging = false;

  /**
   * @param logger a logger, or the name given to `getLogger`.
   * @throws `TypeError` for an unknown level name.
   */
  constructor(logger: Logger | string, regex: RegExp | string, options: ExpectLogOptions = {}) {
    this.logger = typeof logger === "string" ? getLogger(logger) : logger;
    this.regex =
      typeof regex === "string"
        ? new RegExp(`^(?:${regex})`)
        : new RegExp(regex.source, regex.flags.replace(/[gy]/g, ""));
    this.required = options.required ?? true;
    this.level = options.level === undefined ? undefined : resolveLevel(options.level);
  }

  /** True between `start()` and `finish()`. */
  get active(): boolean {
    return this._saved !== null;
  }

  /**
   * Starts intercepting the logger's records (Python's `__enter__`).
   *
   * @throws `RuntimeError` if already started.
   */
  start(): this {
    if (this._saved !== null) throw new RuntimeError("ExpectLog.start() called twice");
    const logger = this.logger;
    if (this.level !== undefined && this.level < logger.getEffectiveLevel()) {
      this._savedLevel = logger.level;
      logger.level = this.level;
    }
    this._saved = [...logger.handlers];
    for (const handler of this._saved) logger.removeHandler(handler);
    logger.addHandler(this._intercept);
    return this;
  }

  /**
   * Stops intercepting and restores the logger (Python's `__exit__`). Handlers added to
   * the logger meanwhile are kept, after the original ones. A second call does nothing.
   *
   * @throws {@link ExpectLogError} when `required` and no record matched.
   */
  finish(): void {
    if (this._saved === null) return;
    this._restore();
    if (this.required && this.matched === 0) throw new ExpectLogError(this.logger.name, this.regex);
  }

  /** `using` support: the same as `finish()`. */
  [Symbol.dispose](): void {
    this.finish();
  }

  /**
   * Runs `body` with the interception active and finishes afterwards. When `body` fails,
   * its error is what propagates and the required-match check is skipped, as Python's
   * `__exit__` skips it when an exception is passing.
   *
   * @throws (rejects) what `body` throws, else {@link ExpectLogError}.
   * @example
   * await new ExpectLog("tornado.general", /Connect error/).run(() => client.fetch(url));
   */
  async run<T>(body: () => T | PromiseLike<T>): Promise<Awaited<T>> {
    this.start();
    let result: Awaited<T>;
    try {
      result = await body();
    } catch (error) {
      this._restore();
      throw error;
    }
    this.finish();
    return result;
  }

  private _restore(): void {
    const saved = this._saved;
    if (saved === null) return;
    this._saved = null;
    const logger = this.logger;
    const addedMeanwhile = logger.handlers.filter((handler) => handler !== this._intercept);
    for (const handler of logger.handlers) logger.removeHandler(handler);
    for (const handler of [...saved, ...addedMeanwhile]) logger.addHandler(handler);
    if (this._savedLevel !== null) {
      logger.level = this._savedLevel;
      this._savedLevel = null;
    }
  }

  /** Stands in for the logger's handlers while active: Python's `filter()`. */
  private readonly _intercept: LogHandler = (record) => {
    if (this._logging) {
      this._forward(record);
      return;
    }
    if (record.error !== undefined) this.loggedStack = true;
    if (!this.regex.test(record.message)) {
      this._forward(record);
      return;
    }
    if (this.level !== undefined && record.level !== this.level) {
      this._logging = true;
      try {
        appLog.warning(
          `Got expected log message '${record.message}' at unexpected level ` +
            `(${levelName(this.level)} vs ${record.levelName})`,
        );
      } finally {
        this._logging = false;
      }
      this._forward(record);
      return;
    }
    this.matched++;
  };

  /** Delivers `record` where the logger would have without this interception. */
  private _forward(record: LogRecord): void {
    const saved = this._saved ?? [];
    let targets: readonly LogHandler[] = saved;
    if (targets.length === 0 && this.logger !== rootLogger) targets = rootLogger.handlers;
    if (targets.length === 0) {
      printLastResort(record);
      return;
    }
    for (const handler of targets) {
      try {
        handler(record);
      } catch (error) {
        reportHandlerError(error, record);
      }
    }
  }
}

let lastResortFormatter: LogFormatter | undefined;

/** What `log` prints when no handler is configured anywhere. */
function printLastResort(record: LogRecord): void {
  try {
    lastResortFormatter ??= new LogFormatter({ stream: process.stderr });
    process.stderr.write(lastResortFormatter.format(record) + "\n");
  } catch {
    // stderr itself is broken; there is nowhere left to report to.
  }
}

/** Reports a failing handler as `log` does, and carries on with the next one. */
function reportHandlerError(error: unknown, record: LogRecord): void {
  try {
    process.stderr.write(
      `--- Logging error ---\nA log handler threw ${String(error)} ` +
        `while handling a ${record.levelName} record from logger "${record.name}"\n`,
    );
  } catch {
    // As above.
  }
}

function resolveLevel(level: number | string): number {
  if (typeof level === "number" && Number.isFinite(level)) return level;
  if (typeof level === "string") {
    const value = (LogLevel as Record<string, number>)[level.toUpperCase()];
    if (typeof value === "number") return value;
  }
  throw new TypeError(
    `ExpectLog needs a level number or debug|info|warning|error|critical; got ${String(level)}`,
  );
}

function levelName(level: number): string {
  const entry = Object.entries(LogLevel).find(([, value]) => value === level);
  return entry !== undefined ? entry[0] : `Level ${level}`;
}
