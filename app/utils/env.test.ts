import { describe, expect, it } from "vitest";
import { LOCAL_DEFAULTS, parseEnv } from "./env.server.ts";

const DB = "postgresql://u:p@localhost:5432/db";

describe("parseEnv", () => {
  it("fills local defaults in development", () => {
    const env = parseEnv({ DATABASE_URL: DB });
    expect(env.STRIPE_SECRET_KEY).toBe(LOCAL_DEFAULTS.STRIPE_SECRET_KEY);
    expect(env.PLATFORM_FEE_PERCENT).toBe(10);
    expect(env.APP_URL).toBe("http://localhost:3000");
  });

  it("explains every bad value", () => {
    expect(() =>
      parseEnv({
        DATABASE_URL: "mysql://x",
        PLATFORM_FEE_PERCENT: "150",
        STRIPE_SECRET_KEY: "pk_test_1",
        APP_URL: "nope",
      }),
    ).toThrowError(
      /DATABASE_URL must be a postgresql:\/\/ connection string[\s\S]*APP_URL must be a full URL[\s\S]*STRIPE_SECRET_KEY must be a Stripe secret key[\s\S]*PLATFORM_FEE_PERCENT must be at most 100/,
    );
  });

  it("refuses to start in production on the local defaults", () => {
    expect(() => parseEnv({ NODE_ENV: "production", DATABASE_URL: DB, APP_URL: "https://shop.example" })).toThrowError(
      /SESSION_SECRET must be set to a real secret in production[\s\S]*STRIPE_SECRET_KEY must be set[\s\S]*STRIPE_WEBHOOK_SECRET must be set/,
    );
  });

  it("accepts production with real secrets", () => {
    const env = parseEnv({
      NODE_ENV: "production",
      DATABASE_URL: DB,
      APP_URL: "https://shop.example",
      SESSION_SECRET: "a".repeat(40),
      STRIPE_SECRET_KEY: "sk_live_123",
      STRIPE_PUBLISHABLE_KEY: "pk_live_123",
      STRIPE_WEBHOOK_SECRET: "whsec_real",
    });
    expect(env.NODE_ENV).toBe("production");
  });
});

describe("TRUST_PROXY", () => {
  const trust = (value?: string) => parseEnv({ DATABASE_URL: DB, TRUST_PROXY: value }).TRUST_PROXY;

  it("is off by default: the socket address is the client", () => {
    expect(trust()).toBe(false);
    expect(trust("off")).toBe(false);
  });

  it("takes a hop count or a list of proxy addresses and ranges", () => {
    expect(trust("1")).toBe(1);
    expect(trust("10.0.0.0/8, 192.168.1.7,fd00::/8,loopback")).toEqual([
      "10.0.0.0/8",
      "192.168.1.7",
      "fd00::/8",
      "loopback",
    ]);
  });

  it.each(["true", "99", "10.0.0.0/33", "example.com", "10.0.0.1/8/2", "1.2.3"])("refuses %s", (value) => {
    expect(() => trust(value)).toThrowError(/TRUST_PROXY must be "off", a hop count/);
  });
});
