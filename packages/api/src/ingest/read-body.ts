/** `seen`: bytes declared (Content-Length) or read before giving up. */
export type ReadBodyResult = { ok: true; body: Buffer } | { ok: false; seen: number };

/**
 * Reads the request body without ever holding more than `limit` bytes: a declared
 * Content-Length over the limit is refused before reading, and a body without one is
 * counted while it streams and abandoned as soon as it passes the limit.
 */
export async function readBody(request: Request, limit: number): Promise<ReadBodyResult> {
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
