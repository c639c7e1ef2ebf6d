import type { components } from "./schema";

/** Shapes of the API, generated from openapi/openapi.json (`pnpm gen:api`). */
export type Schemas = components["schemas"];
export type EventSummary = Schemas["EventSummary"];
export type EventDetail = Schemas["EventDetail"];
export type EventImage = Schemas["EventImageView"];
export type TicketType = Schemas["TicketTypeView"];
export type CapacityPool = Schemas["CapacityPoolView"];
export type Money = Schemas["MoneyView"];
export type Reservation = Schemas["ReservationView"];
export type Problem = Schemas["Problem"];
export type FieldError = Schemas["FieldError"];
export type Me = Schemas["Me"];
export type OrganiserEventSummary = Schemas["OrganiserEventSummary"];
export type Order = Schemas["OrderView"];
export type OrderLine = Schemas["OrderLineView"];
export type AttendeeAsk = Schemas["AttendeeAsk"];
export type AttendeeQuestions = Schemas["AttendeeQuestionsView"];
export type EventSales = Schemas["EventSales"];
export type Ticket = Schemas["TicketJson"];
export type DoorStaffEntry = Schemas["DoorStaffEntry"];
export type DoorStaffMember = Schemas["DoorStaffMember"];
export type Voucher = Schemas["VoucherView"];
export type VoucherTermsBody = Schemas["VoucherTermsBody"];
export type Discount = Schemas["DiscountBody"];

// A buyer's promo code: what it gives on one event (`GET /events/{id}/codes/{code}`).
export type CodeQuote = Schemas["CodeQuote"];
export type QuotedTicketType = Schemas["QuotedTicketType"];

// Closed sets of values: unions generated from the spec's enums, so a comparison with a
// value the API never sends fails typecheck.
export type EventStatus = EventDetail["status"];
export type ReservationStatus = Reservation["status"];
export type OrderStatus = Order["status"];
export type OrderTicketStatus = Order["tickets"][number]["status"];
export type TicketState = Ticket["state"];
export type AccountRole = Me["roles"][number];

// The auditors' routes: histories in words and the log itself.
export type HistoryFact = Schemas["HistoryFact"];
export type OrderHistory = Schemas["OrderHistory"];
export type EventHistory = Schemas["EventHistory"];
export type OrderSummary = Schemas["OrderSummary"];
export type AuditEntry = Schemas["AuditEntry"];
export type AuditLogPage = Schemas["AuditLogPage"];
export type AccountName = Schemas["AccountNameView"];
export type Actor = Schemas["ActorView"];
export type Cause = Schemas["CauseView"];

// The door: the events one may scan for, the scanner's lists and verdicts, live counts.
export type DoorEventList = Schemas["DoorEventList"];
export type ScannerData = Schemas["ScannerData"];
export type ScanResult = Schemas["ScanResult"];
export type CheckInCounts = Schemas["CheckInCounts"];
export type OfflineScansResponse = Schemas["OfflineScansResponse"];

// The waiting list: a buyer's place (its token only in the join's answer) and the organiser's list.
export type WaitingEntry = Schemas["WaitingPlace"];
export type WaitingList = Schemas["WaitingListView"];
export type WaitingListEntry = Schemas["WaitingPlaceView"];
/** Where a place stands. The spec types it as a string; these are the values its description names. */
export type WaitingStatus = "waiting" | "offered" | "bought" | "lapsed" | "declined" | "left";
