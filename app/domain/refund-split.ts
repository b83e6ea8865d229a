// Who gives back what for a refund, correct to the cent. Pure: no database, no Stripe.
//
// Money flow of a destination charge (as Stripe does it): the platform charges the buyer the total A, pays Stripe's
// processing fee, transfers the whole A to the creator and collects the application fee F back from them. A refund
// of R pays R to the buyer from the platform's balance; optionally it reverses part of the transfer (taken back from
// the creator) and refunds part of the application fee (given back to the creator). Both parts are proportional and
// cumulative, exactly as Stripe computes them: part(after) − part(before), with part(x) = round(x × whole / A).

function part(refundedSoFar: number, whole: number, total: number) {
  if (total === 0) return 0;
  // Half up, in BigInt: refundedSoFar × whole passes 2^53 for large orders, where a float would misround a tie.
  const [a, w, t] = [BigInt(refundedSoFar), BigInt(whole), BigInt(total)];
  return Number((2n * a * w + t) / (2n * t));
}

/** The order's money columns the split reads (integer minor units). */
export interface OrderMoney {
  totalAmount: number;
  applicationFeeAmount: number;
  refundedAmount: number;
  transferReversedAmount: number;
  applicationFeeRefunded: number;
}

/** Who gives back what for a refund of `amount` on top of what was already refunded. */
export function refundSplit(
  order: OrderMoney,
  amount: number,
  options: { reverseTransfer: boolean; refundApplicationFee: boolean },
) {
  const before = order.refundedAmount;
  const after = before + amount;
  const transferAmount = order.totalAmount; // the whole charge is transferred; see the header
  const transferReversal = options.reverseTransfer
    ? Math.min(
        Math.max(part(after, transferAmount, order.totalAmount) - part(before, transferAmount, order.totalAmount), 0),
        transferAmount - order.transferReversedAmount,
      )
    : 0;
  const applicationFeeRefund = options.refundApplicationFee
    ? Math.min(
        Math.max(
          part(after, order.applicationFeeAmount, order.totalAmount) -
            part(before, order.applicationFeeAmount, order.totalAmount),
          0,
        ),
        order.applicationFeeAmount - order.applicationFeeRefunded,
      )
    : 0;
  return {
    buyerReceives: amount,
    transferReversal,
    applicationFeeRefund,
    /** What leaves the creator's balance, net. */
    creatorGivesBack: transferReversal - applicationFeeRefund,
    /** What leaves the platform's balance, net. */
    platformGivesBack: amount - transferReversal + applicationFeeRefund,
  };
}
