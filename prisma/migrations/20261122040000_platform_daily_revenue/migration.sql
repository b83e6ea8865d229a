-- CreateTable
CREATE TABLE "platform_daily_revenue" (
    "day" DATE NOT NULL,
    "currency" TEXT NOT NULL,
    "orderCount" INTEGER NOT NULL DEFAULT 0,
    "grossAmount" INTEGER NOT NULL DEFAULT 0,
    "applicationFeeAmount" INTEGER NOT NULL DEFAULT 0,
    "stripeFeeAmount" INTEGER NOT NULL DEFAULT 0,
    "refundCount" INTEGER NOT NULL DEFAULT 0,
    "refundedAmount" INTEGER NOT NULL DEFAULT 0,
    "applicationFeeRefunded" INTEGER NOT NULL DEFAULT 0,
    "disputeCount" INTEGER NOT NULL DEFAULT 0,
    "disputedAmount" INTEGER NOT NULL DEFAULT 0,
    "disputeLostAmount" INTEGER NOT NULL DEFAULT 0,
    "newBuyerCount" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "platform_daily_revenue_pkey" PRIMARY KEY ("day","currency")
);

-- The platform rollup follows the per-creator rollup: every insert or update of a `daily_revenue` row adds the same
-- change to the platform row of its day and currency, in the same transaction. `rollups:rebuild` sets
-- `app.rollup_rebuild` to skip this while it recomputes both tables with set-based SQL.
CREATE FUNCTION platform_daily_revenue_follow() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('app.rollup_rebuild', true) = 'on' THEN RETURN NULL; END IF;
  IF TG_OP = 'UPDATE' AND (OLD."day" <> NEW."day" OR OLD."currency" <> NEW."currency") THEN
    RAISE EXCEPTION 'daily_revenue rows never change day or currency';
  END IF;
  INSERT INTO "platform_daily_revenue" AS p ("day", "currency", "orderCount", "grossAmount", "applicationFeeAmount",
    "stripeFeeAmount", "refundCount", "refundedAmount", "applicationFeeRefunded", "disputeCount", "disputedAmount",
    "disputeLostAmount")
  VALUES (NEW."day", NEW."currency",
    NEW."orderCount" - COALESCE(OLD."orderCount", 0),
    NEW."grossAmount" - COALESCE(OLD."grossAmount", 0),
    NEW."applicationFeeAmount" - COALESCE(OLD."applicationFeeAmount", 0),
    NEW."stripeFeeAmount" - COALESCE(OLD."stripeFeeAmount", 0),
    NEW."refundCount" - COALESCE(OLD."refundCount", 0),
    NEW."refundedAmount" - COALESCE(OLD."refundedAmount", 0),
    NEW."applicationFeeRefunded" - COALESCE(OLD."applicationFeeRefunded", 0),
    NEW."disputeCount" - COALESCE(OLD."disputeCount", 0),
    NEW."disputedAmount" - COALESCE(OLD."disputedAmount", 0),
    NEW."disputeLostAmount" - COALESCE(OLD."disputeLostAmount", 0))
  ON CONFLICT ("day", "currency") DO UPDATE SET
    "orderCount" = p."orderCount" + EXCLUDED."orderCount",
    "grossAmount" = p."grossAmount" + EXCLUDED."grossAmount",
    "applicationFeeAmount" = p."applicationFeeAmount" + EXCLUDED."applicationFeeAmount",
    "stripeFeeAmount" = p."stripeFeeAmount" + EXCLUDED."stripeFeeAmount",
    "refundCount" = p."refundCount" + EXCLUDED."refundCount",
    "refundedAmount" = p."refundedAmount" + EXCLUDED."refundedAmount",
    "applicationFeeRefunded" = p."applicationFeeRefunded" + EXCLUDED."applicationFeeRefunded",
    "disputeCount" = p."disputeCount" + EXCLUDED."disputeCount",
    "disputedAmount" = p."disputedAmount" + EXCLUDED."disputedAmount",
    "disputeLostAmount" = p."disputeLostAmount" + EXCLUDED."disputeLostAmount";
  RETURN NULL;
END;
$$;
CREATE TRIGGER daily_revenue_platform_rollup AFTER INSERT OR UPDATE ON "daily_revenue"
  FOR EACH ROW EXECUTE FUNCTION platform_daily_revenue_follow();

-- A buyer is new on the UTC day of their first order, in that order's currency.
CREATE FUNCTION platform_new_buyer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('app.rollup_rebuild', true) = 'on' THEN RETURN NULL; END IF;
  IF NOT EXISTS (SELECT 1 FROM "orders" WHERE "buyerId" = NEW."buyerId" AND "id" <> NEW."id") THEN
    INSERT INTO "platform_daily_revenue" AS p ("day", "currency", "newBuyerCount")
    VALUES ((NEW."paidAt")::date, NEW."currency", 1)
    ON CONFLICT ("day", "currency") DO UPDATE SET "newBuyerCount" = p."newBuyerCount" + 1;
  END IF;
  RETURN NULL;
END;
$$;
CREATE TRIGGER orders_platform_new_buyer AFTER INSERT ON "orders"
  FOR EACH ROW EXECUTE FUNCTION platform_new_buyer();
