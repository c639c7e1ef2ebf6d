import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import type { OrderTicketStatus } from "@/lib/api/types";
import { formatEventTime } from "@/lib/format";

/**
 * One ticket with its QR code, drawn at least 240 px wide so a door scanner reads it from
 * a phone held at arm's length. `qrSrc` is the image URL the API gave for this ticket
 * (absent where the API gives none: no image then). A ticket used at the door says so,
 * with the time of its check-in in the event's zone (`timeZone`; the time waits for it).
 */
export function TicketCard({
  qrSrc,
  title,
  subtitle,
  status,
  index,
  checkedInAt,
  timeZone,
  attendee,
}: {
  qrSrc?: string;
  title: string;
  subtitle?: string;
  status: OrderTicketStatus;
  index: number;
  checkedInAt?: string | null;
  timeZone?: string;
  /** Who the ticket is for, when the event asks and the buyer said. */
  attendee?: string | null;
}) {
  const valid = status === "valid";
  const checkedIn = valid && checkedInAt ? checkedInAt : null;
  return (
    <Card className="flex flex-col items-center gap-3 p-4 text-center" data-ticket-status={checkedIn ? "checked_in" : status}>
      <div className="flex w-full items-center justify-between gap-2">
        <span className="text-sm font-medium">
          #{index} · {title}
        </span>
        {checkedIn ? (
          <Badge variant="secondary">Checked in</Badge>
        ) : valid ? (
          <Badge variant="success">Valid</Badge>
        ) : (
          <Badge variant="destructive">{status === "refunded" ? "Refunded" : "Not valid"}</Badge>
        )}
      </div>
      {attendee ? (
        <p className="w-full text-left text-base font-semibold" data-attendee>
          {attendee}
        </p>
      ) : null}
      {checkedIn && timeZone ? (
        <p className="text-sm text-muted-foreground" data-checked-in>
          Checked in <time dateTime={checkedIn}>{formatEventTime(checkedIn, timeZone)}</time>
        </p>
      ) : null}
      {valid && qrSrc ? (
        // The SVG comes from the API; next/image would only re-encode it.
        // eslint-disable-next-line @next/next/no-img-element
        <img
          src={qrSrc}
          alt={`QR code of ticket ${index}, ${title}`}
          width={280}
          height={280}
          className="aspect-square w-full max-w-[280px] min-w-[240px] rounded-md bg-white p-2"
        />
      ) : valid ? null : (
        <p className="py-8 text-sm text-muted-foreground">This ticket was refunded and will not open the door.</p>
      )}
      {subtitle ? <p className="text-xs text-muted-foreground">{subtitle}</p> : null}
    </Card>
  );
}
