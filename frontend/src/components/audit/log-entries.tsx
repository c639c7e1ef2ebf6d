import Link from "next/link";

import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from "@/components/ui/table";
import { actorLabel, causeLabel, entryProvenance, formatUtc, shortId } from "@/lib/audit";
import type { AccountName, AuditEntry } from "@/lib/api/types";
import type { Viewer } from "@/lib/session";

/**
 * One page of the log: a table from tablet width, stacked cards on a phone (six columns
 * do not fit 360 px, and a cut-off cause is worse than a longer page).
 */
export function LogEntries({
  entries,
  viewer,
  accounts = [],
}: {
  entries: AuditEntry[];
  viewer: Viewer | null;
  accounts?: AccountName[];
}) {
  if (entries.length === 0) {
    return (
      <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
        No facts match this filter.
      </p>
    );
  }
  const rows = entries.map((entry) => {
    const { actor, cause } = entryProvenance(entry);
    return {
      entry,
      actor: actorLabel(actor, viewer, {
        account: actor?.kind === "account" ? accounts.find((a) => a.account_id === actor.account_id) : null,
      }),
      cause: causeLabel(cause, actor, { aggregateType: entry.aggregate_type, aggregateId: entry.aggregate_id }),
    };
  });
  return (
    <div>
      <Table aria-label="Event log" className="hidden md:table">
        <TableHeader>
          <TableRow>
            <TableHead className="text-right">Position</TableHead>
            <TableHead>Time (UTC)</TableHead>
            <TableHead>Stream</TableHead>
            <TableHead>Event type</TableHead>
            <TableHead>Actor</TableHead>
            <TableHead>Cause</TableHead>
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map(({ entry, actor, cause }) => (
            <TableRow key={entry.position.cursor}>
              <TableCell className="text-right font-mono text-xs tabular-nums">{entry.position.global_position}</TableCell>
              <TableCell className="font-mono text-xs whitespace-nowrap">
                <time dateTime={entry.recorded_at}>{formatUtc(entry.recorded_at)}</time>
              </TableCell>
              <TableCell className="whitespace-nowrap">
                <StreamLink entry={entry} />
              </TableCell>
              <TableCell className="font-medium">{entry.event_type}</TableCell>
              <TableCell className="max-w-64 whitespace-normal wrap-anywhere">{actor}</TableCell>
              <TableCell className="max-w-64 whitespace-normal wrap-anywhere">{cause}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
      <ul aria-label="Event log" className="space-y-3 md:hidden">
        {rows.map(({ entry, actor, cause }) => (
          <li key={entry.position.cursor} className="rounded-lg border p-3 text-sm">
            <div className="flex items-baseline justify-between gap-2">
              <span className="font-medium">{entry.event_type}</span>
              <span className="font-mono text-xs text-muted-foreground">#{entry.position.global_position}</span>
            </div>
            <dl className="mt-2 grid grid-cols-[4rem_minmax(0,1fr)] gap-x-3 gap-y-1">
              <dt className="text-muted-foreground">Time</dt>
              <dd className="font-mono text-xs leading-5">
                <time dateTime={entry.recorded_at}>{formatUtc(entry.recorded_at)}</time>
              </dd>
              <dt className="text-muted-foreground">Stream</dt>
              <dd>
                <StreamLink entry={entry} />
              </dd>
              <dt className="text-muted-foreground">Actor</dt>
              <dd className="wrap-anywhere">{actor}</dd>
              <dt className="text-muted-foreground">Cause</dt>
              <dd className="wrap-anywhere">{cause}</dd>
            </dl>
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The entry's stream, linked to its history in words where there is one. */
function StreamLink({ entry }: { entry: AuditEntry }) {
  const text = `${entry.aggregate_type} ${shortId(entry.aggregate_id)} #${entry.sequence}`;
  const href =
    entry.aggregate_type === "Order"
      ? `/audit/orders/${entry.aggregate_id}`
      : entry.aggregate_type === "Event"
        ? `/audit/events/${entry.aggregate_id}`
        : undefined;
  if (!href) {
    return (
      <span className="font-mono text-xs" title={entry.aggregate_id}>
        {text}
      </span>
    );
  }
  return (
    <Link
      href={href}
      title={entry.aggregate_id}
      aria-label={`History of ${entry.aggregate_type.toLowerCase()} ${shortId(entry.aggregate_id)}`}
      className="font-mono text-xs text-primary underline-offset-4 hover:underline"
    >
      {text}
    </Link>
  );
}
