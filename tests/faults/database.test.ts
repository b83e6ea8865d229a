// Fault suite: concurrent writers. Serialization failures are retried by transaction(); lost updates can't happen.
import { describe, expect, it } from "vitest";
import { db, Prisma, transaction } from "#app/utils/db.server.ts";

describe("concurrent writers", () => {
  it("retries serialization failures so that five read-modify-write transactions all land", async () => {
    await db().stripeEvent.create({
      data: { id: "evt_counter", type: "test.counter", stripeCreatedAt: new Date(), payload: {}, deliveries: 0 },
    });
    let attempts = 0;
    await Promise.all(
      [1, 2, 3, 4, 5].map(() =>
        transaction(
          async (tx) => {
            attempts++;
            const [row] = await tx.$queryRaw<
              { deliveries: number }[]
            >`SELECT "deliveries" FROM "stripe_events" WHERE id = 'evt_counter'`;
            await new Promise((r) => setTimeout(r, 30));
            await tx.$executeRaw`UPDATE "stripe_events" SET "deliveries" = ${row!.deliveries + 1} WHERE id = 'evt_counter'`;
          },
          { isolationLevel: Prisma.TransactionIsolationLevel.Serializable, attempts: 10 },
        ),
      ),
    );
    expect((await db().stripeEvent.findUniqueOrThrow({ where: { id: "evt_counter" } })).deliveries).toBe(5);
    expect(attempts).toBeGreaterThan(5); // some transactions failed with 40001 and were run again
  });

  it("gives up with the database's error after the last attempt", async () => {
    await expect(
      transaction(
        async () => {
          throw Object.assign(new Error("could not serialize access due to concurrent update"), { code: "40001" });
        },
        { attempts: 2 },
      ),
    ).rejects.toThrow(/could not serialize/);
  });
});
