// Small hand-written types: no well-kept package types these payloads (Shopify's topics each have
// their own resource shape; Slack and Standard Webhooks only fix an envelope).

/** A Shopify webhook body: the resource of the topic (`X-Shopify-Topic`), e.g. an order. */
export type ShopifyPayload = { [key: string]: unknown };

/** A Slack Events API request body. */
export type SlackPayload =
  | {
      type: "event_callback";
      team_id: string;
      api_app_id: string;
      event_id: string;
      event_time: number;
      event: { type: string; [key: string]: unknown };
      [key: string]: unknown;
    }
  | { type: "url_verification"; challenge: string; token: string }
  | { type: "app_rate_limited"; team_id: string; minute_rate_limited: number; api_app_id: string };

/** The payload structure the Standard Webhooks specification recommends. */
export interface StandardWebhookPayload {
  type: string;
  timestamp: string;
  data: { [key: string]: unknown };
}
