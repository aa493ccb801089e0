// The bench's figures as ratios and against the targets of issue 13 ("Storage built for 100×
// more"): medians over the repetitions of one run, so every ratio compares runs made minutes apart.
import type { LoadResult, Usage } from "./procs.ts";

export interface IngestRun {
  target: string;
  connections: number;
  rep: number;
  load: LoadResult;
  usage: Record<string, Usage>;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const round2 = (x: number) => +x.toFixed(2);

export interface RatioRow {
  connections: number;
  rep: number;
  hookboxOverBare: number;
  hookboxOverNaive: number;
  hookboxOverBatched: number;
  /** Hookbox's p99 latency over the batched reference's. */
  p99OverBatched: number;
}

/** Per repetition and connection count: Hookbox against each reference run next to it. */
export function ratioRows(runs: IngestRun[], connections: number[], reps: number): RatioRow[] {
  return connections.flatMap((c) =>
    Array.from({ length: reps }, (_, i) => {
      const get = (t: string) =>
        runs.find((r) => r.target === t && r.connections === c && r.rep === i + 1)?.load;
      const rps = (t: string) => get(t)?.acceptedPerSecond ?? 0;
      return {
        connections: c,
        rep: i + 1,
        hookboxOverBare: round2(rps("hookbox") / rps("bare")),
        hookboxOverNaive: round2(rps("hookbox") / rps("naive")),
        hookboxOverBatched: round2(rps("hookbox") / rps("batched")),
        p99OverBatched: round2((get("hookbox")?.latencyP99 ?? 0) / (get("batched")?.latencyP99 ?? 0)),
      };
    }),
  );
}

export interface Figures {
  ratios: RatioRow[];
  /** Mean of the two `log` drains, events/s (first claim → last completion). */
  drainPerSecond: number;
  /** That over the reference worker's drain. */
  drainOverReference: number;
  steadyP50Ms: number;
  steadyP99Ms: number;
  apiPeakRssMb: number;
  workerPeakRssMb: number;
}

export interface TargetRow {
  target: string;
  figure: string;
  /** null: not measured in this run (e.g. BENCH_CONNECTIONS without 64). */
  met: boolean | null;
}

/** Each target of the issue next to this run's figure. */
export function targetRows(f: Figures): TargetRow[] {
  const medianAt = (c: number, pick: (r: RatioRow) => number) => {
    const rs = f.ratios.filter((r) => r.connections === c);
    return rs.length > 0 ? median(rs.map(pick)) : null;
  };
  const check =
    (sense: "≥" | "≤") =>
    (target: string, value: number | null, goal: number, unit = "×"): TargetRow => ({
      target,
      figure: value === null ? "not measured" : `${value}${unit}`,
      met: value === null ? null : sense === "≥" ? value >= goal : value <= goal,
    });
  const atLeast = check("≥");
  const atMost = check("≤");
  return [
    ...[256, 64].flatMap((c) => [
      atLeast(
        `ingest ≥ 0.8× batched reference @${c}`,
        medianAt(c, (r) => r.hookboxOverBatched),
        0.8,
      ),
      atLeast(
        `ingest ≥ 1.6× naive @${c}`,
        medianAt(c, (r) => r.hookboxOverNaive),
        1.6,
      ),
    ]),
    atMost(
      "p99 @256 ≤ 1.5× batched reference's",
      medianAt(256, (r) => r.p99OverBatched),
      1.5,
    ),
    atLeast("backlog drain ≥ 5 000 events/s (two workers)", Math.round(f.drainPerSecond), 5_000, "/s"),
    atLeast("backlog drain ≥ 0.8× reference worker", round2(f.drainOverReference), 0.8),
    atMost("steady ingest→completed p50 ≤ 20 ms", +f.steadyP50Ms.toFixed(1), 20, " ms"),
    atMost("steady ingest→completed p99 ≤ 150 ms", +f.steadyP99Ms.toFixed(1), 150, " ms"),
    atMost("peak RSS ≤ 150 MB per api process", f.apiPeakRssMb, 150, " MB"),
    atMost("peak RSS ≤ 200 MB per worker", f.workerPeakRssMb, 200, " MB"),
  ];
}

export function targetTable(rows: TargetRow[]): string[] {
  return [
    "| target (issue 13, medians of the repetitions) | this run | |",
    "|---|---|---|",
    ...rows.map(
      (r) => `| ${r.target} | ${r.figure} | ${r.met === null ? "—" : r.met ? "met" : "**not met**"} |`,
    ),
  ];
}
