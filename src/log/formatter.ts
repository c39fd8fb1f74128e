/**
 * Log records, level numbers and their one-line text form (mirrors the record side of
 * `tornado.log`: `LogFormatter`, plus the level constants of Python's `logging`).
 *
 * This file knows nothing about loggers: it defines what a record is and how it prints,
 * so that `logger.ts` can build on it without an import cycle.
 *
 * Differences from Tornado: the prefix names the logger (`tornado.application`) where
 * Tornado prints `module:lineno`, which JavaScript cannot supply cheaply; an attached error
 * is printed as its `stack` (and the stacks of its `cause` chain) without Tornado's
 * four-space indent of continuation lines.
 *
 * @module
 */

/**
 * The standard level numbers, equal to Python's `logging` constants.
 *
 * A logger's `level` of 0 (Python's `NOTSET`) means "use the root level".
 *
 * @example
 * appLog.level = LogLevel.DEBUG;
 */
export const LogLevel = {
  DEBUG: 10,
  INFO: 20,
  WARNING: 30,
  ERROR: 40,
  CRITICAL: 50,
} as const;

/**
 * One logging call, as handed to every handler.
 *
 * @example
 * const handler: LogHandler = (record: LogRecord) => {
 *   if (record.level >= LogLevel.ERROR) alerts.push(`${record.name}: ${record.message}`);
 * };
 */
export interface LogRecord {
  /** Name of the logger that made the record, e.g. `tornado.application`. */
  readonly name: string;
  /** Numeric level, one of {@link LogLevel} or any other number. */
  readonly level: number;
  /** `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`, or `Level <n>` for other numbers. */
  readonly levelName: string;
  /** The message text. */
  readonly message: string;
  /** When the record was made. */
  readonly created: Date;
  /** The error passed to the logging call, if any (Python's `exc_info`). */
  readonly error?: unknown;
}

const LEVEL_NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(LogLevel).map(([name, level]) => [level, name]),
);

/**
 * The name Python's `logging.getLevelName` gives a level number: `WARNING` for 30,
 * `Level 25` for a number without a name. Internal to the `log` module.
 */
export function levelNameOf(level: number): string {
  return LEVEL_NAMES.get(level) ?? `Level ${level}`;
}

/** ANSI foreground colour numbers per level, as in Tornado's `LogFormatter.DEFAULT_COLORS`. */
const DEFAULT_COLORS: Readonly<Record<number, number>> = {
  [LogLevel.DEBUG]: 4, // blue
  [LogLevel.INFO]: 2, // green
  [LogLevel.WARNING]: 3, // yellow
  [LogLevel.ERROR]: 1, // red
  [LogLevel.CRITICAL]: 5, // magenta, as in Tornado 5+
};

const RESET = "\x1b[0m";

/** Tornado's `LogFormatter.DEFAULT_DATE_FORMAT`. */
const DEFAULT_DATE_FORMAT = "%y%m%d %H:%M:%S";

/** Options of {@link LogFormatter}. */
export interface LogFormatterOptions {
  /**
   * Colour the bracketed prefix with ANSI codes. Default: `true` when `stream` (default
   * `process.stderr`) is a TTY and the `NO_COLOR` environment variable is unset or empty.
   */
  color?: boolean;
  /**
   * How to print `record.created`: a `strftime` pattern in local time (directives `%Y %y
   * %m %d %H %I %M %S %f %p %%`; `%f` is microseconds, padded from milliseconds), or a
   * function. Default `"%y%m%d %H:%M:%S"`.
   */
  datefmt?: string | ((date: Date) => string);
  /** ANSI colour numbers (0-7) per level number. Default: Tornado's table. */
  colors?: Readonly<Record<number, number>>;
  /** The stream the output is meant for; used only to choose the default of `color`. */
  stream?: { readonly isTTY?: boolean };
}

/**
 * Formats records the way Tornado's `LogFormatter` does:
 * `[E 251125 07:36:16 tornado.application] message`, that is the first letter of the level
 * name, the date, the logger name, then the message; an attached error follows on the next
 * lines. With colour on, only the bracketed prefix is coloured.
 *
 * @throws {RangeError} if `datefmt` holds a directive the formatter does not know.
 *
 * @example
 * const formatter = new LogFormatter({ color: false });
 * appLog.addHandler((record) => process.stdout.write(formatter.format(record) + "\n"));
 * appLog.error("Uncaught exception", new Error("boom"));
 * // [E 251125 07:36:16 tornado.application] Uncaught exception
 * // Error: boom
 * //     at ...
 */
export class LogFormatter {
  readonly #colors: ReadonlyMap<number, string>;
  readonly #normal: string;
  readonly #formatDate: (date: Date) => string;

  constructor(options: LogFormatterOptions = {}) {
    const color = options.color ?? streamSupportsColor(options.stream ?? process.stderr);
    const colors = new Map<number, string>();
    if (color) {
      for (const [level, code] of Object.entries(options.colors ?? DEFAULT_COLORS)) {
        colors.set(Number(level), `\x1b[3${code}m`);
      }
    }
    this.#colors = colors;
    this.#normal = color ? RESET : "";
    const datefmt = options.datefmt ?? DEFAULT_DATE_FORMAT;
    this.#formatDate = typeof datefmt === "function" ? datefmt : compileStrftime(datefmt);
  }

  /**
   * Returns the text of one record, without a trailing newline.
   *
   * @example
   * new LogFormatter({ color: false }).format({
   *   name: "tornado.general", level: 30, levelName: "WARNING",
   *   message: "disk almost full", created: new Date(2025, 10, 25, 7, 36, 16),
   * }); // "[W 251125 07:36:16 tornado.general] disk almost full"
   */
  format(record: LogRecord): string {
    const color = this.#colors.get(record.level);
    const start = color ?? "";
    const end = color === undefined ? "" : this.#normal;
    const letter = record.levelName.charAt(0);
    const prefix = `${start}[${letter} ${this.#formatDate(record.created)} ${record.name}]${end}`;
    let text = `${prefix} ${record.message}`;
    if (record.error !== undefined) text += "\n" + describeError(record.error);
    return text;
  }
}

/** Colour by default only on a terminal, and never when NO_COLOR is set (no-color.org). */
function streamSupportsColor(stream: { readonly isTTY?: boolean }): boolean {
  const noColor = process.env["NO_COLOR"];
  return stream.isTTY === true && (noColor === undefined || noColor === "");
}

/** Longest chain of `cause`s printed, so that a cyclic chain cannot loop. */
const MAX_CAUSES = 8;

/**
 * The text printed after the message: an Error's stack followed by those of its causes
 * (Python prints chained exceptions too), or `String(value)` for anything else.
 */
function describeError(error: unknown): string {
  const parts = [describeOne(error)];
  const seen = new Set<unknown>([error]);
  let cause = error instanceof Error ? error.cause : undefined;
  while (cause !== undefined && !seen.has(cause) && seen.size <= MAX_CAUSES) {
    parts.push(`Caused by: ${describeOne(cause)}`);
    seen.add(cause);
    cause = cause instanceof Error ? cause.cause : undefined;
  }
  return parts.join("\n");
}

function describeOne(value: unknown): string {
  if (value instanceof Error) {
    return typeof value.stack === "string" && value.stack !== ""
      ? value.stack
      : `${value.name}: ${value.message}`;
  }
  try {
    return String(value);
  } catch {
    // Objects without a prototype have no toString; say what they are instead.
    return Object.prototype.toString.call(value);
  }
}

const pad = (n: number, width = 2): string => String(n).padStart(width, "0");

const STRFTIME: Readonly<Record<string, (d: Date) => string>> = {
  Y: (d) => pad(d.getFullYear(), 4),
  y: (d) => pad(d.getFullYear() % 100),
  m: (d) => pad(d.getMonth() + 1),
  d: (d) => pad(d.getDate()),
  H: (d) => pad(d.getHours()),
  I: (d) => pad(d.getHours() % 12 || 12),
  M: (d) => pad(d.getMinutes()),
  S: (d) => pad(d.getSeconds()),
  f: (d) => pad(d.getMilliseconds() * 1000, 6),
  p: (d) => (d.getHours() < 12 ? "AM" : "PM"),
  "%": () => "%",
};

/** Turns a strftime pattern into a function once, so that formatting does no parsing. */
function compileStrftime(pattern: string): (date: Date) => string {
  const pieces: Array<string | ((d: Date) => string)> = [];
  let literal = "";
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern.charAt(i);
    if (ch !== "%") {
      literal += ch;
      continue;
    }
    const directive = pattern.charAt(++i);
    const render = STRFTIME[directive];
    if (render === undefined) {
      throw new RangeError(
        `Cannot compile date format: unsupported directive "%${directive}" in "${pattern}"`,
      );
    }
    if (literal !== "") pieces.push(literal);
    literal = "";
    pieces.push(render);
  }
  if (literal !== "") pieces.push(literal);
  return (date) => pieces.map((p) => (typeof p === "string" ? p : p(date))).join("");
}
