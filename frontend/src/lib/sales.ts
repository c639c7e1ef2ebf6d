import type { Money } from "@/lib/api/types";

/** `GET /organiser/events/{id}/sales` (CONTRACTS, section B1). */
export type EventSales = {
  event_id: string;
  ticket_types: {
    ticket_type_id: string;
    name: string;
    capacity: number;
    held: number;
    sold: number;
    available: number;
    refunded: number;
    revenue: Money;
  }[];
  total_revenue: Money;
  orders_paid: number;
};
