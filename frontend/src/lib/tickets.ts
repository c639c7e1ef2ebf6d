/** A ticket as `GET /me/tickets` lists it (CONTRACTS, section B2). */
export type MyTicket = {
  ticket_id: string;
  order_id: string;
  event_id: string;
  event_title: string;
  starts_at?: string | null;
  venue_name?: string;
  /** The event's zone, to show its time as the venue's clock says it (UTC when absent). */
  time_zone?: string;
  ticket_type_id: string;
  ticket_type_name: string;
  state: "valid" | "revoked" | string;
  checked_in_at?: string | null;
};
