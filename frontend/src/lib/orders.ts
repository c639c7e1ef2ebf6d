import type { Order } from "@/lib/api/types";

/** An order as `GET /orders/{id}` and the order lists answer (generated from the spec). */
export type { Order };

export type OrderStatus =
  | "awaiting_payment"
  | "payment_pending"
  | "payment_received"
  | "paid"
  | "partially_refunded"
  | "refunded"
  | "expired"
  | "cancelled"
  | "payment_refused";

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

export function orderStatusLabel(status: string): string {
  return LABELS[status as OrderStatus] ?? status;
}

/**
 * A URL the API hands out relative to itself (a ticket's `qr_svg_url`, already carrying the
 * order's key for guests), reached through the proxy.
 */
export function viaProxy(apiRelativeUrl: string): string {
  return `/api${apiRelativeUrl}`;
}

/** Still on its way to paid: the page keeps looking. */
export function isPending(status: string): boolean {
  return status === "awaiting_payment" || status === "payment_pending" || status === "payment_received";
}
