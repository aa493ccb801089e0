import { describe, expect, it } from "vitest";
import { assertPublicLiteral, isPrivateAddress } from "./destination.ts";
import { PermanentError } from "./types.ts";

describe("private destinations", () => {
  it.each([
    "127.0.0.1",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "::1",
    "fd00::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:7f00:1",
    "::",
    "::127.0.0.1",
    "64:ff9b::7f00:1", // NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
    "64:ff9b:1::a00:1", // local-use NAT64
    "2002:7f00:1::1", // 6to4 of 127.0.0.1
    "2001:0:4136:e378:8000:63bf:3fff:fdd2", // Teredo
    "fec0::1", // site-local
  ])("%s is private", (address) => {
    expect(isPrivateAddress(address)).toBe(true);
  });

  it.each(["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2001:4860:4860::8888", "2a00:1450::1"])(
    "%s is public",
    (address) => {
      expect(isPrivateAddress(address)).toBe(false);
    },
  );

  it("refuses IP literals in URLs, including bracketed IPv6", () => {
    expect(() => assertPublicLiteral("127.0.0.1")).toThrow(PermanentError);
    expect(() => assertPublicLiteral("[::1]")).toThrow(PermanentError);
    expect(() => assertPublicLiteral("example.com")).not.toThrow();
  });
});
