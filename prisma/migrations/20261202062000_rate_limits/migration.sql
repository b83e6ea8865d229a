-- Counters of rate-limiter-flexible's PostgreSQL store (login and sign-up limits), shared by every app process.
-- The layout is the library's own; `expire` is epoch milliseconds.
CREATE TABLE "rate_limits" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

CREATE INDEX "rate_limits_expire_idx" ON "rate_limits"("expire");
