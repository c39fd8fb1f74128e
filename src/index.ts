/**
 * tornado-ts: Tornado's asynchronous core in TypeScript. The package root re-exports every
 * module's public names; each module is also reachable as `tornado-ts/<module>`.
 *
 * @module
 */
export {
  IOLoop,
  PeriodicCallback,
  TimeoutHandle,
  VirtualClock,
  monotonicClock,
  type Callback,
  type Clock,
  type Closeable,
  type IOLoopOptions,
  type RunSyncOptions,
} from "./ioloop";
export {
  CancelledError,
  DummyExecutor,
  Future,
  InvalidStateError,
  WorkerPoolExecutor,
  chainFuture,
  dummyExecutor,
  futureAddDoneCallback,
  futureSetExceptionUnlessCancelled,
  futureSetResultUnlessCancelled,
  isFuture,
  isThenable,
  runOnExecutor,
  type CallbackScheduler,
  type DoneCallback,
  type Executor,
  type RunOnExecutorOptions,
  type WorkerPoolExecutorOptions,
} from "./concurrent";
export {
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
  type LogFormatterOptions,
  type LogHandler,
  type LogLevelName,
  type LogRecord,
  type PrettyLoggingOptions,
} from "./log";
export {
  jsonDecode,
  jsonEncode,
  nativeStr,
  parseQsBytes,
  recursiveUnicode,
  squeeze,
  toBasestring,
  toUnicode,
  urlEscape,
  urlUnescape,
  utf8,
  xhtmlEscape,
  xhtmlUnescape,
  type ParseQsOptions,
  type RecursiveUnicode,
  type UrlUnescapeOptions,
} from "./escape";
export { RuntimeError, TimeoutError, isTimeDelta, timedelta, type TimeDelta } from "./util";
