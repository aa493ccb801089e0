import { describe, expect, it } from "vitest";
import { createTenantShareGate, type TenantAdmission, type TenantShareOptions } from "./tenant-share.ts";

function gateOf(options: Partial<TenantShareOptions> & { waiting?: number } = {}) {
  let clock = 1_000_000;
  const gate = createTenantShareGate({
    slots: 4,
    share: 0.5,
    waitingJobs: async () => options.waiting ?? 0,
    now: () => clock,
    ...options,
  });
  return { gate, advance: (ms: number) => (clock += ms) };
}

const ran = (a: TenantAdmission) => a.admitted;
const reasonOf = (a: TenantAdmission) => (a.admitted ? "admitted" : a.reason);

describe("tenant share gate", () => {
  it("holds at least one slot, and WORKER_TENANT_SHARE=1 is every slot", () => {
    expect(gateOf({ slots: 8, share: 0.5 }).gate.shareSlots).toBe(4);
    expect(gateOf({ slots: 3, share: 0.1 }).gate.shareSlots).toBe(1);
    expect(gateOf({ slots: 8, share: 1 }).gate.shareSlots).toBe(8);
  });

  it("lets a tenant alone (nothing waiting) use every slot", async () => {
    const { gate } = gateOf({ waiting: 0 });
    const admissions = await Promise.all([1, 2, 3, 4].map(() => gate.admit("a")));
    expect(admissions.every(ran)).toBe(true);
    expect(gate.running().get("a")).toBe(4);
  });

  it("defers a tenant past its share while another tenant's attempt runs", async () => {
    const { gate } = gateOf();
    const a1 = await gate.admit("a");
    const a2 = await gate.admit("a");
    const b1 = await gate.admit("b");
    expect([a1, a2, b1].every(ran)).toBe(true);
    const a3 = await gate.admit("a");
    expect(a3).toEqual({ admitted: false, delayMs: 1_000, reason: "tenant_share" });
    // Under its own share, b is never deferred.
    expect(ran(await gate.admit("b"))).toBe(true);
  });

  it("probes a tenant at its share: as many jobs as were waiting are deferred briefly, then it is alone", async () => {
    const { gate } = gateOf({ waiting: 3 });
    await gate.admit("a");
    await gate.admit("a");
    const next = [];
    for (let i = 0; i < 5; i++) next.push(await gate.admit("a"));
    expect(next.map(reasonOf)).toEqual([
      "tenant_share_probe",
      "tenant_share_probe",
      "tenant_share_probe",
      "admitted",
      "admitted",
    ]);
    expect(next[0]).toMatchObject({ delayMs: 100 });
  });

  it("ends the probe, and a tenant's being alone, at the first job of another tenant", async () => {
    const { gate } = gateOf({ waiting: 1 });
    await gate.admit("a");
    await gate.admit("a");
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share_probe");
    expect(reasonOf(await gate.admit("a"))).toBe("admitted"); // alone
    const b = await gate.admit("b");
    expect(ran(b)).toBe(true);
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share");
    if (b.admitted) b.done();
    // b's job has ended, but b had work a moment ago: a keeps to its share.
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share");
  });

  it("counts another tenant as having work for 10 s after its last job, then probes", async () => {
    const { gate, advance } = gateOf({ waiting: 0 });
    const b = await gate.admit("b");
    if (b.admitted) b.done();
    await gate.admit("a");
    await gate.admit("a");
    advance(9_000);
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share");
    advance(1_001);
    expect(reasonOf(await gate.admit("a"))).toBe("admitted");
  });

  it("probes a tenant found alone again after 10 s (a tenant may have queued behind it)", async () => {
    const { gate, advance } = gateOf({ waiting: 1 });
    await gate.admit("a");
    await gate.admit("a");
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share_probe");
    expect(reasonOf(await gate.admit("a"))).toBe("admitted");
    advance(9_999);
    expect(reasonOf(await gate.admit("a"))).toBe("admitted");
    advance(1);
    expect(reasonOf(await gate.admit("a"))).toBe("tenant_share_probe");
  });

  it("frees the slot once, however often done() is called", async () => {
    const { gate } = gateOf();
    const a = await gate.admit("a");
    if (!a.admitted) throw new Error("not admitted");
    a.done();
    a.done();
    expect(gate.running().get("a")).toBeUndefined();
  });
});
