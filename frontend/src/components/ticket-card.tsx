import { Badge } from "@/components/ui/badge";
import { Card } from "@/components/ui/card";
import type { OrderTicketStatus } from "@/lib/api/types";

/**
 * One ticket with its QR code, drawn at least 240 px wide so a door scanner reads it from
 * a phone held at arm's length. `qrSrc` is the image URL the API gave for this ticket
 * (absent where the API gives none: no image then).
 */
export function TicketCard({
  qrSrc,
  title,
  subtitle,
  status,
  index,
}: {
  qrSrc?: string;
  title: string;
  subtitle?: string;
  status: OrderTicketStatus;
  index: number;
}) {
  const valid = status === "valid";
  return (
    <Card className="flex flex-col items-center gap-3 p-4 text-center" data-ticket-status={status}>
      <div className="flex w-full items-center justify-between gap-2">
        <span className="text-sm font-medium">
          #{index} · {title}
        </span>
        {valid ? <Badge variant="success">Valid</Badge> : <Badge variant="destructive">{status === "refunded" ? "Refunded" : "Not valid"}</Badge>}
      </div>
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
