export { type ClaimedEvent, claimEvents, createEventClaimer, type EventClaimer } from "./claim-event.ts";
export { createWorkerDeps, type WorkerDeps } from "./deps.ts";
export { runJanitor } from "./maintenance/janitor.ts";
export { processEvent } from "./process-event.ts";
export { reconcileOnce, startReconciler } from "./reconciler.ts";
export { type RunningWorker, runWorker } from "./run.ts";
export { createEventCompleter, type EventCompleter } from "./settle.ts";
export { type EventWorkers, startEventWorkers } from "./start-worker.ts";
