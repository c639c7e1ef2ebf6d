import type { Metadata } from "next";
import Link from "next/link";
import { redirect } from "next/navigation";

import { Alert, AlertDescription, AlertTitle } from "@/components/ui/alert";
import { Button } from "@/components/ui/button";
import { FailureScreen } from "@/components/failure-screen";
import { ExportLogButton } from "@/components/audit/export-log-button";
import { LogFilterForm } from "@/components/audit/log-filter-form";
import { LogEntries } from "@/components/audit/log-entries";
import { failureMessage } from "@/lib/api/problem";
import { load, serverApi } from "@/lib/api/server";
import { filterError, logQuery, pageHref, pageLinks, readBack, readFilter } from "@/lib/audit-filter";
import type { AuditLogPage } from "@/lib/api/types";
import { getViewer } from "@/lib/session";

export const metadata: Metadata = { title: "Event log", robots: { index: false } };
export const dynamic = "force-dynamic";

const DEFAULT_LIMIT = 50;

/**
 * The event log for auditors and admins, page by page (forward by the API's cursor, back
 * by the cursors the address kept), with filters and the NDJSON export of the current filter. Whoever may not read it gets
 * the API's answer as the app's not-allowed screen.
 */
export default async function AuditLogScreen({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const params = await searchParams;
  const filter = readFilter(params);
  const after = typeof params.after === "string" && params.after ? params.after : undefined;
  // The pages this one was reached through, for Previous (the API's cursor only goes on).
  const back = after ? readBack(params) : [];
  const requested = Number(typeof params.limit === "string" ? params.limit : NaN);
  const limit = Number.isInteger(requested) && requested >= 1 && requested <= 1000 ? requested : DEFAULT_LIMIT;
  const withLimit = limit === DEFAULT_LIMIT ? filter : { ...filter, limit: String(limit) };
  // The filter form sends its empty fields too; keep the address to what filters.
  if (Object.values(params).some((value) => value === "")) redirect(pageHref(withLimit, after, back));
  const invalid = filterError(filter);
  const query = invalid ? {} : logQuery(filter);

  const api = await serverApi();
  const [loaded, viewer] = await Promise.all([
    load(async () => {
      // Asked as JSON (the default Accept): the page, never the NDJSON lines the spec also names.
      const answer = await api.GET("/audit/log", { params: { query: { ...query, after, limit } } });
      return { ...answer, data: answer.data as AuditLogPage | undefined };
    }),
    getViewer(),
  ]);
  // Signed out, not allowed or offline: the app's screens. A bad filter stays on the page.
  if (!loaded.ok && (loaded.failure.kind === "offline" || [401, 403].includes(loaded.failure.status))) {
    return <FailureScreen failure={loaded.failure} what="event log" />;
  }
  const page = loaded.ok && !invalid ? loaded.data : null;
  const links = pageLinks(withLimit, after, back, page?.next_cursor);
  const problem = invalid ?? (loaded.ok ? undefined : failureMessage(loaded.failure));

  return (
    <div className="space-y-6">
      <header className="flex flex-col gap-3 sm:flex-row sm:items-end sm:justify-between">
        <div className="space-y-1">
          <h1 className="text-2xl font-bold tracking-tight">Event log</h1>
          <p className="text-sm text-muted-foreground">
            Every recorded fact in log order, exactly as stored. Times are UTC. Read only.
          </p>
        </div>
        {!invalid ? <ExportLogButton query={query} /> : null}
      </header>

      <LogFilterForm filter={filter} limit={limit === DEFAULT_LIMIT ? undefined : limit} />

      {problem ? (
        <Alert variant="destructive">
          <AlertTitle>The filter cannot be applied</AlertTitle>
          <AlertDescription>{problem}</AlertDescription>
        </Alert>
      ) : null}

      {page ? (
        <>
          <LogEntries entries={page.events} viewer={viewer} accounts={page.accounts} />
          <nav aria-label="Pages of the log" className="flex flex-wrap items-center gap-3">
            {after ? (
              <Button asChild variant="outline">
                <Link href={pageHref(withLimit)}>First page</Link>
              </Button>
            ) : null}
            {links.previous ? (
              <Button asChild variant="outline">
                <Link href={links.previous}>Previous page</Link>
              </Button>
            ) : null}
            {links.next ? (
              <Button asChild>
                <Link href={links.next}>Next page</Link>
              </Button>
            ) : (
              <p className="text-sm text-muted-foreground">End of the log as it stands.</p>
            )}
          </nav>
        </>
      ) : null}
    </div>
  );
}
