import { styleText } from "node:util";

type Style = Parameters<typeof styleText>[0];

/**
 * Colour only on a TTY and never with NO_COLOR (styleText checks the stream and NO_COLOR /
 * FORCE_COLOR itself).
 */
export function paint(style: Style, text: string, stream: NodeJS.WriteStream = process.stdout): string {
  return styleText(style, text, { stream, validateStream: true });
}

export function print(line = ""): void {
  process.stdout.write(`${line}\n`);
}
export function printErr(line: string): void {
  process.stderr.write(`${line}\n`);
}
export function printJson(value: unknown): void {
  print(JSON.stringify(value, null, 2));
}

/** A plain text table: columns padded to their widest cell. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [paint("bold", line(headers)), ...rows.map(line)].join("\n");
}

/** 42 ms · 1.2 s · 3 min. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  return `${Math.round(ms / 60_000)} min`;
}

/** `1h`, `30m`, `2d`, `90s` ago, or an ISO time, as ISO. */
export function parseSince(value: string, now = Date.now()): string {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(value.trim());
  if (m) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as "s" | "m" | "h" | "d"];
    return new Date(now - Number(m[1]) * unit).toISOString();
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new Error(`not a time: "${value}" (use 30m, 1h, 2d or an ISO time)`);
  return new Date(t).toISOString();
}

export const shortTime = (iso: string) => new Date(iso).toISOString().slice(11, 19);
