import { loadFixture, runHandler } from "@hookbox/sdk/testing";
import { describe, expect, it } from "vitest";
import fulfilOrder from "./stripe-fulfil-order.ts";

const invoicePaid = await loadFixture(new URL("./fixtures/stripe-invoice-paid.json", import.meta.url));
const config = { warehouse: "ber-1" };

describe("fulfil-order", () => {
  it("reserves stock and books a shipment for a paid invoice", async () => {
    const result = await runHandler(fulfilOrder, invoicePaid, { config });
    expect(result.outcome).toBe("success");
    expect(result.steps).toEqual({
      "reserve-stock": {
        orderId: "ord_in_1QnP4oLkdIwHu7ixk3Wl9xYb",
        warehouse: "ber-1",
        lines: [
          { description: "1 × Pro plan (at €39.00 / month)", quantity: 1 },
          { description: "2 × Sticker pack (at €5.00)", quantity: 2 },
        ],
      },
      "book-shipment": {
        shipmentId: "shp_in_1QnP4oLkdIwHu7ixk3Wl9xYb",
        from: "ber-1",
        to: "10119 Berlin, DE",
      },
    });
    expect(result.logs.map((l) => l.msg)).toEqual(["fulfilling invoice", "order fulfilled"]);
    expect(result.logs[0]?.obj).toEqual({ invoiceId: "in_1QnP4oLkdIwHu7ixk3Wl9xYb", type: "invoice.paid" });
  });

  it("on a retry, keeps the stock reserved by the earlier attempt", async () => {
    const reserved = { orderId: "ord_earlier", warehouse: "ham-2", lines: [] };
    const result = await runHandler(fulfilOrder, invoicePaid, {
      config,
      attempt: 2,
      steps: { "reserve-stock": reserved },
    });
    expect(result.outcome).toBe("success");
    expect(result.steps["reserve-stock"]).toEqual(reserved);
    expect(result.steps["book-shipment"]).toMatchObject({ from: "ham-2" });
  });

  it("runs for invoice.payment_succeeded and filters other invoice events", async () => {
    const succeeded = await runHandler(
      fulfilOrder,
      { ...invoicePaid, type: "invoice.payment_succeeded" },
      { config },
    );
    expect(succeeded.outcome).toBe("success");
    const upcoming = await runHandler(fulfilOrder, { ...invoicePaid, type: "invoice.upcoming" }, { config });
    expect(upcoming).toMatchObject({
      outcome: "filtered",
      reason: 'type "invoice.upcoming" matches none of invoice.paid, invoice.payment_succeeded',
    });
  });

  it("needs a warehouse in its config", async () => {
    await expect(runHandler(fulfilOrder, invoicePaid, { config: {} })).rejects.toThrow("config.warehouse");
  });
});
