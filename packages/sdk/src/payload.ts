/** `payload` for a body: the parsed JSON, or undefined when the bytes are not JSON. */
export function parsePayload(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString("utf8"));
  } catch {
    return undefined;
  }
}
