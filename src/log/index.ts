/**
 * tornado-ts `log`: named loggers, Tornado's three log streams and its pretty formatter
 * (mirrors `tornado.log`).
 *
 * @module
 */
export { LogLevel, LogFormatter } from "./formatter";
export type { LogRecord, LogFormatterOptions } from "./formatter";
export {
  Logger,
  getLogger,
  rootLogger,
  getRootLevel,
  setRootLevel,
  accessLog,
  appLog,
  genLog,
  enablePrettyLogging,
} from "./logger";
export type { LogHandler, LogLevelName, PrettyLoggingOptions } from "./logger";
