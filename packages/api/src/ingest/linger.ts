import type { IncomingMessage } from "node:http";

/** Bytes of a refused body read and dropped after the 413 before the socket is cut. */
export const LINGER_MAX_BYTES = 64 * 1024 * 1024;
/** How long at most (nginx's `lingering_time`); REQUEST_TIMEOUT_MS cuts an unfinished request earlier. */
export const LINGER_MAX_MS = 30_000;

/**
 * Lingering close for a body refused as too large: the rest is read and dropped (never held),
 * so the socket is not closed with unread input. Such a close makes the kernel answer the
 * sender's next segment with a reset, and a sender that reads the answer only once its body is
 * written (most clients) then sees "connection reset" instead of the 413 already sent.
 *
 * Bounded: after `maxBytes` dropped or `maxMs` the socket is destroyed (a sender that streams
 * forever is cut; it had that long to read its 413). When the body ends within the bounds the
 * connection stays usable (keep-alive), as after any answer.
 *
 * @hono/node-server also drains an unread body after the answer, but for 500 ms only, then calls
 * `socket.destroySoon()`, which is the reset above for any sender slower than that. While this
 * lingers, that call (and Node's own, for a `Connection: close` answer) is deferred until the
 * body ends.
 */
export function discardRest(
  incoming: IncomingMessage,
  { maxBytes = LINGER_MAX_BYTES, maxMs = LINGER_MAX_MS } = {},
): void {
  const socket = incoming.socket;
  if (incoming.readableEnded || socket.destroyed) return;
  let dropped = 0;
  let closeWhenDone = false;
  const stop = () => {
    clearTimeout(timer);
    incoming.off("data", onData);
    incoming.off("end", onEnd);
    incoming.off("close", stop);
    // Back to net.Socket's own method (this one was an own property of this socket).
    Reflect.deleteProperty(socket, "destroySoon");
  };
  const cut = () => {
    stop();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxBytes) cut();
  };
  const onEnd = () => {
    stop();
    if (closeWhenDone) socket.destroySoon();
  };
  const timer = setTimeout(cut, maxMs);
  timer.unref();
  socket.destroySoon = () => {
    closeWhenDone = true;
  };
  incoming.on("data", onData);
  incoming.on("end", onEnd);
  incoming.on("close", stop);
  incoming.resume();
}
