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

/** The QR image of a ticket, through the proxy; `key` is the order's secret for guests. */
export function qrUrl(ticketId: string, key?: string | null): string {
  const query = key ? `?key=${encodeURIComponent(key)}` : "";
  return `/api/tickets/${encodeURIComponent(ticketId)}/qr.svg${query}`;
}

/** Still on its way to paid: the page keeps looking. */
export function isPending(status: string): boolean {
  return status === "awaiting_payment" || status === "payment_pending" || status === "payment_received";
}
