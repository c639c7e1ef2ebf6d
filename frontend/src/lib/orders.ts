import type { Money, Order, OrderLine, OrderStatus } from "@/lib/api/types";

/** An order as `GET /orders/{id}` and the order lists answer (generated from the spec). */
export type { Order, OrderStatus };

const LABELS: Record<OrderStatus, string> = {
  awaiting_payment: "Awaiting payment",
  payment_pending: "Payment processing",
  payment_received: "Paid, issuing tickets",
  paid: "Paid",
  partially_refunded: "Partially refunded",
  refunded: "Refunded",
  expired: "Expired",
  cancelled: "Cancelled",
  payment_refused: "Payment refused",
};

export function orderStatusLabel(status: OrderStatus): string {
  return LABELS[status];
}

/**
 * A URL the API hands out relative to itself (a ticket's `qr_svg_url`, already carrying the
 * order's key for guests), reached through the proxy.
 */
export function viaProxy(apiRelativeUrl: string): string {
  return `/api${apiRelativeUrl}`;
}

/** Still on its way to paid: the page keeps looking. */
export function isPending(status: OrderStatus): boolean {
  return status === "awaiting_payment" || status === "payment_pending" || status === "payment_received";
}

/** Paid for (refunds since included): the order's hold became this order. */
export function isPaid(status: OrderStatus): boolean {
  return status === "paid" || status === "partially_refunded" || status === "refunded";
}

/** What an order's promo code took off its lines' list prices (zero when it lowered none). */
export function codeDiscount(lines: OrderLine[]): Money {
  const amount_minor = lines.reduce(
    (sum, l) => sum + (l.list_unit_price ? (l.list_unit_price.amount_minor - l.unit_price.amount_minor) * l.quantity : 0),
    0,
  );
  return { amount_minor, currency: lines[0]?.unit_price.currency ?? "EUR" };
}
