/**
 * Bytes queued for one SSE client and not yet taken by its socket (which takes more only as the
 * client reads). `hold` adds and says whether the client may stay; past `max` it calls
 * `onOverflow` once and refuses from then on, so a client that stops reading costs at most `max`.
 */
export function createClientBuffer(max: number, onOverflow: (bytes: number) => void) {
  let bytes = 0;
  let over = false;
  return {
    hold(n: number): boolean {
      if (over) return false;
      bytes += n;
      if (bytes <= max) return true;
      over = true;
      onOverflow(bytes);
      return false;
    },
    release(n: number): void {
      bytes -= n;
    },
  };
}
