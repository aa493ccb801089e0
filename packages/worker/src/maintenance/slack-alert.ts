import type { MaintenanceJob } from "@hookbox/shared";
import type { WorkerDeps } from "../deps.ts";
import { escapeSlackText, sendSlackMessage } from "../handlers/http-post.ts";

/**
 * Posts a new alert to SLACK_ALERT_WEBHOOK_URL; retried by the maintenance queue on failure. The
 * message carries what senders and handlers wrote (event type, error): escaped, so no tenant can
 * ping the operator's channel with `<!channel>` or dress a link.
 */
export async function runSlackAlert(deps: WorkerDeps, job: MaintenanceJob<"slack-alert">): Promise<void> {
  const url = deps.config.slackAlertWebhookUrl;
  if (!url) return;
  const [alert] = await deps.sql<{ message: string; kind: string; acknowledged_at: Date | null }[]>`
    SELECT message, kind, acknowledged_at FROM alerts WHERE id = ${job.data.alertId}`;
  if (!alert || alert.acknowledged_at) return; // gone or already handled by a human
  await sendSlackMessage(
    url,
    { text: `:rotating_light: Hookbox ${alert.kind.replace("_", " ")}: ${escapeSlackText(alert.message)}` },
    {
      timeoutMs: deps.config.forwardTimeoutMs,
      allowPrivateDestinations: deps.config.allowPrivateDestinations,
    },
  );
}
