/**
 * tornado-ts `tcpclient`: `TCPClient`, connections with Happy Eyeballs (mirrors
 * `tornado.tcpclient`).
 *
 * @module
 */
export {
  TCPClient,
  type TCPClientConnectOptions,
  type TCPClientTLSConnectOptions,
} from "./tcpclient";
