import Link from "next/link";

import { Button } from "@/components/ui/button";
import { Label } from "@/components/ui/label";
import { NativeSelect } from "@/components/ui/native-select";
import { Field } from "@/components/field";
import { AGGREGATE_TYPES, type LogFilter } from "@/lib/audit-filter";

/**
 * The log's filters as a plain GET form: the address bar keeps them, so a filtered page
 * can be bookmarked or sent, and it works before any script has loaded.
 */
export function LogFilterForm({ filter, limit }: { filter: LogFilter; limit?: number }) {
  return (
    <form method="get" action="/audit" aria-label="Filter the log" className="rounded-lg border p-4">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-5">
        <Field id="event_id" label="Event id" defaultValue={filter.event_id} placeholder="e.g. 0193…, a UUID" autoComplete="off" />
        <div className="grid gap-1.5">
          <Label htmlFor="aggregate_type">Stream type</Label>
          <NativeSelect id="aggregate_type" name="aggregate_type" defaultValue={filter.aggregate_type ?? ""}>
            <option value="">Any</option>
            {AGGREGATE_TYPES.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </NativeSelect>
        </div>
        <Field id="event_type" label="Event type" defaultValue={filter.event_type} placeholder="e.g. OrderPlaced" autoComplete="off" />
        <Field id="from" label="From (UTC day)" type="date" defaultValue={filter.from} />
        <Field id="until" label="Until (UTC day, included)" type="date" defaultValue={filter.until} />
      </div>
      {limit ? <input type="hidden" name="limit" value={limit} /> : null}
      <div className="mt-4 flex flex-wrap gap-2">
        <Button type="submit">Apply filters</Button>
        <Button asChild variant="ghost">
          <Link href="/audit">Clear</Link>
        </Button>
      </div>
    </form>
  );
}
