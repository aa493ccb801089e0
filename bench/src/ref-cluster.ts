// Runs a reference server (bare, naive or batched) as PROCESSES processes sharing one port, as Hookbox
// does with API_PROCESSES, so the comparison is like for like.
import cluster from "node:cluster";

const script = process.argv[2] as string;
const processes = Number(process.env.PROCESSES ?? 1);
cluster.setupPrimary({ exec: script });
for (let i = 0; i < processes; i++) cluster.fork();
process.on("SIGTERM", () => {
  for (const w of Object.values(cluster.workers ?? {})) w?.process.kill("SIGKILL");
  process.exit(0);
});
