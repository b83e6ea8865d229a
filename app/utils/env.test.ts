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
      SMTP_URL: "smtp://user:pass@smtp.example.com:587",
      MAIL_FROM: "Shop <receipts@shop.example>",
    });
    expect(env.NODE_ENV).toBe("production");
  });

  const realSecrets = {
    NODE_ENV: "production",
    DATABASE_URL: DB,
    APP_URL: "https://shop.example",
    SESSION_SECRET: "a".repeat(40),
    STRIPE_SECRET_KEY: "sk_live_123",
    STRIPE_PUBLISHABLE_KEY: "pk_live_123",
    STRIPE_WEBHOOK_SECRET: "whsec_real",
  };

  it("refuses production without SMTP_URL or with the local sender, unless MAIL_DISABLED=true", () => {
    expect(() => parseEnv(realSecrets)).toThrowError(/SMTP_URL is required in production/);
    expect(() => parseEnv({ ...realSecrets, SMTP_URL: "smtp://smtp.example.com" })).toThrowError(
      /MAIL_FROM must be set to your sending address/,
    );
    expect(parseEnv({ ...realSecrets, MAIL_DISABLED: "true" }).MAIL_DISABLED).toBe("true");
    // Only the explicit word disables mail.
    expect(() => parseEnv({ ...realSecrets, MAIL_DISABLED: "yes" })).toThrowError(/MAIL_DISABLED must be "true"/);
  });
});

describe("mail settings", () => {
  it("defaults to the local sender and refuses a URL that is not SMTP or an address that is not one", () => {
    expect(parseEnv({ DATABASE_URL: DB }).MAIL_FROM).toBe("Makers Market <no-reply@localhost>");
    expect(() => parseEnv({ DATABASE_URL: DB, SMTP_URL: "https://mail.example" })).toThrowError(/SMTP_URL must be/);
    expect(() => parseEnv({ DATABASE_URL: DB, MAIL_FROM: "not an address" })).toThrowError(/MAIL_FROM must be/);
    expect(() => parseEnv({ DATABASE_URL: DB, STAFF_ALERTS_TO: "ops@shop.example, nope" })).toThrowError(
      /STAFF_ALERTS_TO must be/,
    );
    expect(parseEnv({ DATABASE_URL: DB, STAFF_ALERTS_TO: "ops@shop.example, cfo@shop.example" }).STAFF_ALERTS_TO).toBe(
      "ops@shop.example, cfo@shop.example",
    );
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
