/**
 * tornado-ts `httpclient`: the non-blocking HTTP client API (mirrors
 * `tornado.httpclient`).
 *
 * Importing this module makes `SimpleAsyncHTTPClient` the implementation that
 * `new AsyncHTTPClient()` builds unless `AsyncHTTPClient.configure` chose another: the
 * base class lives a layer below the simple client and cannot name it itself.
 *
 * @module
 */
import { AsyncHTTPClient } from "./base";
import { SimpleAsyncHTTPClient } from "../simple_httpclient";

AsyncHTTPClient._setDefaultImpl(SimpleAsyncHTTPClient);

export { HTTPClientError, HTTPError } from "./errors";
export {
  HTTPRequest,
  HTTP_REQUEST_DEFAULTS,
  RequestProxy,
  type HTTPRequestOptions,
} from "./request";
export { HTTPResponse, type HTTPResponseInit, type TimeInfo } from "./response";
export {
  AsyncHTTPClient,
  type AsyncHTTPClientClass,
  type AsyncHTTPClientOptions,
  type FetchOptions,
} from "./base";
export { HTTPClient, type HTTPClientOptions } from "./blocking";
