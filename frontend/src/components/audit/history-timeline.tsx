import { actorLabel, causeDetail, causeLabel, formatFactTime, formatUtc, shortId } from "@/lib/audit";
import type { HistoryFact } from "@/lib/api/types";
import type { Viewer } from "@/lib/session";

/**
 * A story as a timeline: each fact's sentence, who did it and why, when (in the event's
 * zone, UTC beside it) and the correlation id tying a purchase's facts together. A list,
 * not a table, so that it reads the same on a phone.
 */
export function HistoryTimeline({
  facts,
  timeZone,
  viewer,
  label,
  stream,
  organiserId,
}: {
  facts: HistoryFact[];
  timeZone: string | null | undefined;
  viewer: Viewer | null;
  organiserId?: string | null;
  label: string;
  stream?: { aggregateType: string; aggregateId: string };
}) {
  if (facts.length === 0) {
    return (
      <p className="rounded-lg border border-dashed p-6 text-center text-sm text-muted-foreground" data-state="empty">
        Nothing recorded yet.
      </p>
    );
  }
  return (
    <ol aria-label={label} className="relative space-y-4 border-l pl-5">
      {facts.map((fact) => {
        const detail = causeDetail(fact.cause);
        return (
          <li
            key={fact.position.cursor}
            aria-label={`${fact.event_type}, fact #${fact.sequence} of ${fact.aggregate_type}`}
            className="relative min-w-0 rounded-lg border bg-card p-4 shadow-xs"
          >
            <span aria-hidden className="absolute top-5 -left-[1.6rem] size-2.5 rounded-full border-2 border-background bg-primary" />
            <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1">
              <p className="font-medium">
                {fact.event_type}
                <span className="ml-2 text-xs font-normal text-muted-foreground">
                  {fact.aggregate_type} #{fact.sequence}
                </span>
              </p>
              <time dateTime={fact.recorded_at} title={formatUtc(fact.recorded_at)} className="text-sm tabular-nums">
                {formatFactTime(fact.recorded_at, timeZone ?? "UTC")}
              </time>
            </div>
            <p className="mt-2 text-sm wrap-anywhere">{fact.sentence}</p>
            <dl className="mt-3 grid grid-cols-[5.5rem_minmax(0,1fr)] gap-x-3 gap-y-1 text-sm sm:grid-cols-[7rem_minmax(0,1fr)]">
              <dt className="text-muted-foreground">Who</dt>
              <dd className="wrap-anywhere" data-testid="fact-actor">
                {actorLabel(fact.actor, viewer, { account: fact.actor_account, organiserId })}
                {fact.actor_account ? (
                  <span className="ml-2 font-mono text-xs text-muted-foreground" title={fact.actor_account.account_id}>
                    {shortId(fact.actor_account.account_id)}
                  </span>
                ) : null}
              </dd>
              <dt className="text-muted-foreground">Why</dt>
              <dd className="wrap-anywhere">
                {causeLabel(fact.cause, fact.actor, stream)}
                {detail ? <span className="ml-2 font-mono text-xs text-muted-foreground">{detail}</span> : null}
              </dd>
              <dt className="text-muted-foreground">UTC</dt>
              <dd className="font-mono text-xs leading-5">{formatUtc(fact.recorded_at)}</dd>
              {fact.correlation_id ? (
                <>
                  <dt className="text-muted-foreground">Correlation</dt>
                  <dd className="font-mono text-xs leading-5 break-all" title={fact.correlation_id}>
                    {fact.correlation_id}
                  </dd>
                </>
              ) : null}
            </dl>
          </li>
        );
      })}
    </ol>
  );
}
