"use client";

import { CloudOff, RefreshCw, Wifi } from "lucide-react";
import { useCallback, useEffect, useRef, useState } from "react";

import { Camera } from "@/components/door/camera";
import { CheckInCounts } from "@/components/door/check-in-counts";
import { VerdictScreen, type ShownVerdict } from "@/components/door/verdict-screen";
import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { browserApi, call } from "@/lib/api/browser";
import { failureMessage, toFailure } from "@/lib/api/problem";
import { checkCode, publicKeyBytes } from "@/lib/door/code";
import { feedback } from "@/lib/door/feedback";
import {
  deviceId,
  dequeue,
  enqueue,
  loadLists,
  localAdmissions,
  queuedScans,
  recordLocalAdmission,
  saveLists,
  type StoredLists,
} from "@/lib/door/store";
import { offlineVerdict, onlineVerdict, type Shown } from "@/lib/door/verdicts";
import { formatEventTime } from "@/lib/format";

/** How often the lists are refreshed and the queue sent while online. */
const REFRESH_SECONDS = 3;
/** A code still in front of the camera is not judged again until it has been out of view this long. */
const SAME_CODE_QUIET_MS = 1500;
/** The most scans one offline batch may carry (the API's limit). */
const MAX_SCANS_PER_BATCH = 250;

/**
 * The door scanner of one event: reads codes from the camera or the keyboard and shows a
 * full-screen verdict. Online, the API decides; without a network, the scanner checks the
 * code's signature against the event's public key and its own lists, lets the holder in,
 * and queues the scan until it can send it.
 */
export function DoorScanner({ eventId }: { eventId: string }) {
  const [lists, setLists] = useState<StoredLists | null>(null);
  const listsRef = useRef<StoredLists | null>(null);
  const [online, setOnline] = useState(true);
  const [queued, setQueued] = useState(0);
  const [refusal, setRefusal] = useState<string | null>(null);
  const [shown, setShown] = useState<ShownVerdict | null>(null);
  const [manual, setManual] = useState("");
  const local = useRef(new Map<string, string>());
  const device = useRef("");
  const lastCode = useRef<{ code: string; seenAt: number } | null>(null);
  const busy = useRef(false);
  const shownCount = useRef(0);

  const keep = useCallback(async (stored: StoredLists) => {
    listsRef.current = stored;
    setLists(stored);
    await saveLists(stored).catch(() => {});
  }, []);

  const countQueue = useCallback(async () => {
    setQueued((await queuedScans(eventId).catch(() => [])).length);
  }, [eventId]);

  /** Sends the queue in batches; false when the API could not be reached. */
  const sync = useCallback(async (): Promise<boolean> => {
    const scans = await queuedScans(eventId).catch(() => []);
    for (let at = 0; at < scans.length; at += MAX_SCANS_PER_BATCH) {
      const batch = scans.slice(at, at + MAX_SCANS_PER_BATCH);
      const sent = await call(() =>
        browserApi.POST("/door/events/{event_id}/offline-scans", {
          params: { path: { event_id: eventId } },
          body: { device_id: device.current, scans: batch.map((s) => ({ code: s.code, scanned_at: s.scannedAt })) },
        }),
      );
      if (!sent.ok) {
        if (sent.failure.kind === "problem") setRefusal(failureMessage(sent.failure));
        return sent.failure.kind !== "offline";
      }
      // Recorded and refused scans alike leave the queue: sending them again changes nothing.
      await dequeue(batch.flatMap((s) => (s.id === undefined ? [] : [s.id])));
    }
    await countQueue();
    return true;
  }, [countQueue, eventId]);

  /** Asks for the lists (304 while unchanged); false when the API could not be reached. */
  const refreshLists = useCallback(async (): Promise<boolean> => {
    const held = listsRef.current;
    try {
      const { data, error, response } = await browserApi.GET("/door/events/{event_id}/scanner-data", {
        params: { path: { event_id: eventId }, header: held?.etag ? { "If-None-Match": held.etag } : {} },
        cache: "no-store",
      });
      const checkedAt = new Date().toISOString();
      if (response.status === 304 && held) {
        await keep({ ...held, checkedAt });
        return true;
      }
      if (response.ok && data) {
        await keep({ eventId, etag: response.headers.get("etag"), data, checkedAt });
        setRefusal(null);
        return true;
      }
      const failure = toFailure(error, response);
      if (failure.kind === "offline") return false;
      setRefusal(failureMessage(failure));
      return true;
    } catch {
      return false;
    }
  }, [eventId, keep]);

  const refresh = useCallback(async () => {
    const reached = (await sync()) && (await refreshLists());
    setOnline(reached && navigator.onLine);
  }, [refreshLists, sync]);

  useEffect(() => {
    device.current = deviceId();
    let cancelled = false;
    void (async () => {
      const stored = await loadLists(eventId).catch(() => undefined);
      if (stored && !cancelled && !listsRef.current) {
        listsRef.current = stored;
        setLists(stored);
      }
      for (const a of await localAdmissions(eventId).catch(() => [])) local.current.set(a.ticketId, a.admittedAt);
      await countQueue();
      if (!cancelled) await refresh();
    })();
    const timer = window.setInterval(() => void refresh(), REFRESH_SECONDS * 1000);
    const wentOnline = () => void refresh();
    const wentOffline = () => setOnline(false);
    window.addEventListener("online", wentOnline);
    window.addEventListener("offline", wentOffline);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
      window.removeEventListener("online", wentOnline);
      window.removeEventListener("offline", wentOffline);
    };
  }, [countQueue, eventId, refresh]);

  const judgeOffline = useCallback(
    async (code: string): Promise<Shown> => {
      const data = listsRef.current?.data;
      if (!data) return offlineVerdict({ kind: "no-lists" }, data);
      const check = await checkCode(code, eventId, publicKeyBytes(data.public_key));
      if (!check.ok) {
        if (check.reason === "wrong_event") {
          const other = await loadLists(check.eventId).catch(() => undefined);
          return offlineVerdict({ kind: "wrong_event", title: other?.data.title ?? null }, data);
        }
        return offlineVerdict({ kind: check.reason }, data);
      }
      const ticket = check.ticketId;
      if (data.revoked_ticket_ids.includes(ticket)) return offlineVerdict({ kind: "revoked" }, data);
      // Lists kept from before names were downloaded have none: the verdict stands without.
      const attendeeName = (data.attendees ?? []).find((a) => a.ticket_id === ticket)?.name ?? null;
      const mine = local.current.get(ticket);
      if (mine) {
        return offlineVerdict({ kind: "already", admission: { admittedAt: mine, deviceId: null, here: true }, attendeeName }, data);
      }
      const listed = data.admitted.find((a) => a.ticket_id === ticket);
      if (listed) {
        const here = listed.device_id === device.current;
        const admission = { admittedAt: listed.admitted_at, deviceId: listed.device_id ?? null, here };
        return offlineVerdict({ kind: "already", admission, attendeeName }, data);
      }
      const scannedAt = new Date().toISOString();
      local.current.set(ticket, scannedAt);
      await recordLocalAdmission(eventId, ticket, scannedAt);
      await enqueue({ eventId, ticketId: ticket, code: code.trim().toUpperCase(), scannedAt });
      await countQueue();
      return offlineVerdict({ kind: "admitted", attendeeName }, data);
    },
    [countQueue, eventId],
  );

  const judge = useCallback(
    async (text: string) => {
      const code = text.trim();
      const now = Date.now();
      const previous = lastCode.current;
      if (!code || busy.current) return;
      if (previous && previous.code === code && now - previous.seenAt < SAME_CODE_QUIET_MS) {
        previous.seenAt = now;
        return;
      }
      busy.current = true;
      lastCode.current = { code, seenAt: now };
      const started = performance.now();
      try {
        let verdict: Shown;
        if (navigator.onLine) {
          const result = await call(() =>
            browserApi.POST("/door/events/{event_id}/check-ins", { params: { path: { event_id: eventId } }, body: { code } }),
          );
          if (result.ok) {
            verdict = onlineVerdict(result.data, listsRef.current?.data);
            if (result.data.admitted && result.data.ticket_id && result.data.checked_in_at) {
              local.current.set(result.data.ticket_id, result.data.checked_in_at);
              void recordLocalAdmission(eventId, result.data.ticket_id, result.data.checked_in_at).catch(() => {});
            }
          } else if (result.failure.kind === "offline") {
            setOnline(false);
            verdict = await judgeOffline(code);
          } else {
            verdict = { tone: "warn", title: "CANNOT CHECK", lines: [failureMessage(result.failure)], offline: false };
          }
        } else {
          setOnline(false);
          verdict = await judgeOffline(code);
        }
        shownCount.current += 1;
        setShown({ ...verdict, id: shownCount.current, startedAt: started });
        feedback(verdict.tone);
      } finally {
        busy.current = false;
        if (lastCode.current) lastCode.current.seenAt = Date.now();
      }
    },
    [eventId, judgeOffline],
  );

  const dismiss = useCallback(() => setShown(null), []);
  const data = lists?.data;
  return (
    <div className="mx-auto max-w-xl space-y-4">
      <header className="space-y-1">
        <h1 className="text-xl font-bold tracking-tight sm:text-2xl">{data?.title ?? "Door scanner"}</h1>
        {data ? <p className="text-sm text-muted-foreground">{formatEventTime(data.starts_at, data.time_zone)}</p> : null}
        <div className="flex flex-wrap items-center gap-2 pt-1 text-sm" aria-live="polite">
          <span
            data-online={online ? "yes" : "no"}
            className={
              online
                ? "inline-flex items-center gap-1 rounded-full bg-green-700 px-2.5 py-0.5 font-semibold text-white"
                : "inline-flex items-center gap-1 rounded-full bg-neutral-900 px-2.5 py-0.5 font-semibold text-white"
            }
          >
            {online ? <Wifi aria-hidden className="size-4" /> : <CloudOff aria-hidden className="size-4" />}
            {online ? "Online" : "Offline"}
          </span>
          <span data-queued={queued} className="rounded-full border px-2.5 py-0.5 font-medium">
            {queued === 0 ? "Nothing waiting to send" : `${queued} ${queued === 1 ? "scan" : "scans"} waiting to send`}
          </span>
          <span className="inline-flex items-center gap-1 text-muted-foreground">
            <RefreshCw aria-hidden className="size-3.5" />
            {lists ? `Lists from ${new Date(lists.checkedAt).toLocaleTimeString("en-GB")}` : "No lists yet"}
          </span>
        </div>
      </header>

      {refusal ? (
        <p role="alert" className="rounded-lg border border-red-700 bg-red-50 p-3 text-sm font-medium text-red-900">
          {refusal}
        </p>
      ) : null}

      <Camera onCode={(text) => void judge(text)} />

      <form
        className="space-y-2"
        onSubmit={(e) => {
          e.preventDefault();
          lastCode.current = null;
          void judge(manual);
          setManual("");
        }}
      >
        <Label htmlFor="manual-code">Code from a damaged screen</Label>
        <div className="flex gap-2">
          <Input
            id="manual-code"
            value={manual}
            onChange={(e) => setManual(e.target.value)}
            autoComplete="off"
            autoCapitalize="characters"
            spellCheck={false}
            placeholder="Type or paste the ticket code"
            className="h-12 text-base"
          />
          <Button type="submit" className="h-12 px-5 text-base" disabled={!manual.trim()}>
            Check
          </Button>
        </div>
      </form>

      <section aria-labelledby="counts-title" className="space-y-2">
        <h2 id="counts-title" className="font-semibold">
          Admitted so far
        </h2>
        <CheckInCounts eventId={eventId} />
      </section>

      <p className="text-xs text-muted-foreground">This scanner: {device.current || "…"}</p>

      {shown ? <VerdictScreen key={shown.id} verdict={shown} onDone={dismiss} /> : null}
    </div>
  );
}
