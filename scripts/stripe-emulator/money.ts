// Money helpers: integers in minor units only.
export const ZERO_DECIMAL = new Set([
  "bif",
  "clp",
  "djf",
  "gnf",
  "jpy",
  "kmf",
  "krw",
  "mga",
  "pyg",
  "rwf",
  "ugx",
  "vnd",
  "vuv",
  "xaf",
  "xof",
  "xpf",
]);

export type FeeTable = Record<string, { percentBps: number; fixed: number }>;

/** Default processing fees per currency (card payments). Unknown currencies use `default`. */
export const DEFAULT_FEE_TABLE: FeeTable = {
  usd: { percentBps: 290, fixed: 30 },
  eur: { percentBps: 150, fixed: 25 },
  gbp: { percentBps: 150, fixed: 20 },
  jpy: { percentBps: 360, fixed: 0 },
  default: { percentBps: 290, fixed: 0 },
};

/** Minimum charge amounts (minor units) per currency, as Stripe enforces them. */
export const MINIMUM_AMOUNT: Record<string, number> = { usd: 50, eur: 50, gbp: 30, cad: 50, aud: 50, jpy: 50 };

/** Dispute fee charged to the platform when a dispute opens. */
export const DISPUTE_FEE: Record<string, number> = { usd: 1500, eur: 2000, gbp: 2000, jpy: 2000, default: 1500 };

/** Stripe processing fee: Math.round(amount * bps / 10000) + fixed. */
export function processingFee(table: FeeTable, currency: string, amount: number): number {
  const f = table[currency] ?? table.default ?? DEFAULT_FEE_TABLE.default;
  return Math.round((amount * f.percentBps) / 10000) + f.fixed;
}

/** Proportional share: round(part * total / whole) with integer inputs. */
export function proportional(part: number, total: number, whole: number): number {
  if (whole === 0) return 0;
  return Math.round((part * total) / whole);
}

export function formatAmount(amount: number, currency: string): string {
  const cur = currency.toUpperCase();
  const zero = ZERO_DECIMAL.has(currency.toLowerCase());
  const value = zero ? amount : amount / 100;
  try {
    return new Intl.NumberFormat("en-US", { style: "currency", currency: cur }).format(value);
  } catch {
    return `${zero ? value : value.toFixed(2)} ${cur}`;
  }
}
