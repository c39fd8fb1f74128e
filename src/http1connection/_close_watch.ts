/**
 * `watchClose`: notices a stream's close while nothing reads it (a delegate holding the
 * parser back, a server waiting for its application's response). A stream closes its
 * socket on every close (the peer's end, an error, `close()`), and the socket then emits
 * `close`; listening there leaves the stream's single close callback to its owner.
 */
import type { IOStream } from "../iostream";

/** A watch on one stream: `closed` resolves once it closes; `cancel` stops watching. */
export interface CloseWatch {
  readonly closed: Promise<void>;
  cancel(): void;
}

const CLOSED: CloseWatch = Object.freeze({ closed: Promise.resolve(), cancel: () => undefined });

/** Watches `stream` for its close (resolved at once if it is already closed). */
export function watchClose(stream: IOStream): CloseWatch {
  if (stream.closed()) return CLOSED;
  const socket = stream.socket;
  let onClose!: () => void;
  const closed = new Promise<void>((resolve) => (onClose = () => resolve()));
  socket.once("close", onClose);
  return { closed, cancel: () => socket.removeListener("close", onClose) };
}
