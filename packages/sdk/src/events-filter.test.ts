import { describe, expect, it } from "vitest";
import { explainEventsFilter, matchesEvents } from "./events-filter.ts";

describe("matchesEvents / explainEventsFilter", () => {
  it.each([
    [undefined, "anything"],
    [[], "anything"],
    [undefined, null],
    [[], null],
    [["invoice.paid"], "invoice.paid"],
    [["invoice.*"], "invoice.paid"],
    [["invoice.*"], "invoice."],
    [["*.paid"], "invoice.paid"],
    [["customer.**"], "customer.subscription.created"],
    [["**"], "customer.subscription.created"],
    [["**.created"], "customer.subscription.created"],
    [["*"], "push"],
    [["pull_request", "push"], "push"],
    [["invoice.*", "!invoice.upcoming"], "invoice.paid"],
    [["!invoice.upcoming"], "customer.created"],
    [["!invoice.upcoming"], null],
    [["a+b(c)[d]"], "a+b(c)[d]"], // regular-expression characters are literal
  ])("%j lets %j through", (patterns, type) => {
    expect(explainEventsFilter(patterns, type)).toBeNull();
    expect(matchesEvents(patterns, type)).toBe(true);
  });

  it.each([
    [["invoice.*"], "customer.created", 'type "customer.created" matches none of invoice.*'],
    [
      ["invoice.*", "charge.*"],
      "customer.created",
      'type "customer.created" matches none of invoice.*, charge.*',
    ],
    // `*` stays within a segment
    [["invoice.*"], "invoice.payment.failed", 'type "invoice.payment.failed" matches none of invoice.*'],
    [["*"], "invoice.paid", 'type "invoice.paid" matches none of *'],
    [["invoice.*"], "invoice", 'type "invoice" matches none of invoice.*'],
    [["invoice.paid"], "invoice.paidx", 'type "invoice.paidx" matches none of invoice.paid'],
    [["invoice.pa.d"], "invoice.paid", 'type "invoice.paid" matches none of invoice.pa.d'],
    [
      ["invoice.*", "!invoice.upcoming"],
      "invoice.upcoming",
      'type "invoice.upcoming" excluded by "!invoice.upcoming"',
    ],
    [["!invoice.*"], "invoice.paid", 'type "invoice.paid" excluded by "!invoice.*"'],
    [["invoice.*"], null, "event has no type; the handler takes invoice.*"],
  ])("%j excludes %j: %s", (patterns, type, reason) => {
    expect(explainEventsFilter(patterns, type)).toBe(reason);
    expect(matchesEvents(patterns, type)).toBe(false);
  });
});
