/**
 * tornado-ts `testing`: helpers for testing asynchronous code with mocha (mirrors
 * `tornado.testing`): a fresh `IOLoop` per test that must end clean, `genTest`,
 * `ExpectLog`, `bindUnusedPort` and a local HTTP(S) server per test.
 *
 * @module
 */
export { setupAsyncTest, type AsyncTestContext, type AsyncTestOptions } from "./async_test_case";
export { getAsyncTestTimeout } from "./async_test_timeout";
export { genTest, type GenTestBody, type GenTestFunction, type GenTestOptions } from "./gen_test";
export { ExpectLog, type ExpectLogOptions } from "./expect_log";
export { bindUnusedPort, type BindUnusedPortOptions, type BoundPort } from "./ports";
export {
  setupAsyncHTTPTest,
  setupAsyncHTTPSTest,
  type AsyncHTTPTestContext,
  type AsyncHTTPTestOptions,
  type AsyncHTTPSTestContext,
  type AsyncHTTPSTestOptions,
  type TestServerTLSOptions,
} from "./http_server";
export {
  AsyncTestTimeoutError,
  ExpectLogError,
  PendingWorkError,
  type PendingTimeout,
} from "./errors";
