import { defineHandler } from "@hookbox/sdk";
import { z } from "zod";

// Stripe sends invoice.paid and invoice.payment_succeeded for the same payment; both run this
// handler (steps are memoised per event), so whatever the steps call downstream must be keyed
// by the invoice id, as the order id here is.

// biome-ignore lint/style/noDefaultExport: the worker loads a handler module's default export.
export default defineHandler({
  id: "fulfil-order",
  provider: "stripe",
  events: ["invoice.paid", "invoice.payment_succeeded"],
  config: z.object({ warehouse: z.string() }),
  retry: { maxAttempts: 5, baseDelayMs: 2000 },
  timeoutMs: 30_000,
  async handle({ payload, config, step, log }) {
    const invoice = payload.data.object; // Stripe.Invoice
    log.info({ invoiceId: invoice.id, type: payload.type }, "fulfilling invoice");

    const order = await step("reserve-stock", () => ({
      orderId: `ord_${invoice.id}`,
      warehouse: config.warehouse,
      lines: invoice.lines.data.map((line) => ({
        description: line.description,
        quantity: line.quantity ?? 1,
      })),
    }));

    const shipment = await step("book-shipment", () => {
      const address = invoice.customer_shipping?.address;
      return {
        shipmentId: `shp_${invoice.id}`,
        from: order.warehouse,
        to: address
          ? `${address.postal_code ?? ""} ${address.city ?? ""}, ${address.country ?? ""}`.trim()
          : null,
      };
    });

    log.info(
      { invoiceId: invoice.id, orderId: order.orderId, shipmentId: shipment.shipmentId },
      "order fulfilled",
    );
  },
});
