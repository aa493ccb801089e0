import type { IncomingMessage } from "node:http";
import { discardRest } from "./linger.ts";
import type { Delivery, ReadBodyResult } from "./types.ts";

/**
 * Straight from Node's IncomingMessage (the server path): no Fetch Request, Headers or web
 * stream is built per request, which is most of a bare request's cost.
 */
export function deliveryFromIncoming(incoming: IncomingMessage): Delivery {
  const raw = incoming.headers;
  const value = (v: string | string[] | undefined) =>
    v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
  return {
    headers: {
      get: (name) => value(raw[name.toLowerCase()]),
      forEach(callback) {
        for (const name in raw) {
          const v = value(raw[name]);
          if (v !== null) callback(v, name);
        }
      },
    },
    readBody: (limit) => readIncoming(incoming, limit),
  };
}

/** From a Fetch Request (in-process `app.request()`, other runtimes). */
export function deliveryFromRequest(request: Request): Delivery {
  return { headers: request.headers, readBody: (limit) => readStream(request, limit) };
}

/**
 * Reads the body without ever holding more than `limit` bytes: a declared Content-Length over
 * the limit is refused before reading, and a body without one is counted while it arrives and
 * abandoned as soon as it passes the limit. Either way the rest is then read and dropped, bounded
 * (`discardRest`), so that the sender can read its 413.
 */
function readIncoming(incoming: IncomingMessage, limit: number): Promise<ReadBodyResult> {
  const declared = incoming.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    discardRest(incoming);
    return Promise.resolve({ ok: false, seen: Number(declared) });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      incoming.off("data", onData);
      incoming.off("end", onEnd);
      incoming.off("error", onError);
      incoming.off("close", onClose);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        discardRest(incoming);
        resolve({ ok: false, seen: size });
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve({ ok: true, body: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const onClose = () => {
      if (incoming.readableEnded) return onEnd();
      cleanup();
      reject(new Error("client closed the connection before the body ended"));
    };
    incoming.on("data", onData);
    incoming.on("end", onEnd);
    incoming.on("error", onError);
    incoming.on("close", onClose);
  });
}

async function readStream(request: Request, limit: number): Promise<ReadBodyResult> {
  const declared = request.headers.get("content-length");
  if (declared !== null && Number(declared) > limit) return { ok: false, seen: Number(declared) };
  if (!request.body) return { ok: true, body: Buffer.alloc(0) };
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      return { ok: false, seen: size };
    }
    chunks.push(value);
  }
  return { ok: true, body: Buffer.concat(chunks, size) };
}
