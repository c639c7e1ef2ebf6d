"use client";

import { useCallback, useEffect, useId, useRef, useState } from "react";
import { Loader2, TicketPercent } from "lucide-react";

import { Button } from "@/components/ui/button";
import { Input } from "@/components/ui/input";
import { Label } from "@/components/ui/label";
import { browserApi, call, type Result } from "@/lib/api/browser";
import type { CodeQuote } from "@/lib/api/types";
import { CODE_PARAM, codeEffect, codeFailureSentence, codeShapeProblem, normaliseCode } from "@/lib/codes";
import { formatEventTime } from "@/lib/format";

/** What `code` gives on the event: its discount, prices and the hidden types it unlocks. */
export function quoteCode(eventId: string, code: string): Promise<Result<CodeQuote>> {
  return call(() => browserApi.GET("/events/{event_id}/codes/{code}", { params: { path: { event_id: eventId, code } } }));
}

/** The page's address with `code` in its query, or without any code. */
function withCode(code: string | null): string {
  const url = new URL(window.location.href);
  if (code) url.searchParams.set(CODE_PARAM, code);
  else url.searchParams.delete(CODE_PARAM);
  return `${url.pathname}${url.search}${url.hash}`;
}

export type CodeState = {
  /** The applied code's quote; null when no code is applied. */
  quote: CodeQuote | null;
  /** Why the last code tried was refused, as a sentence. */
  error: string | null;
  applying: boolean;
  apply: (text: string) => Promise<void>;
  remove: () => void;
  clearError: () => void;
};

/**
 * The promo code applied on an event page. The code lives in the page's address
 * (`?code=`), so a shared link applies it on arrival; the quote is asked from the browser,
 * through the proxy, so the API sees (and rate-limits) the buyer rather than the server.
 */
export function useCodeQuote(eventId: string, initialCode: string | null): CodeState {
  const [quote, setQuote] = useState<CodeQuote | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [applying, setApplying] = useState(false);
  // Only the latest attempt's answer counts: a slow earlier one must not win.
  const attempt = useRef(0);

  const apply = useCallback(
    async (text: string) => {
      const mine = ++attempt.current;
      const problem = codeShapeProblem(text);
      if (problem) {
        setError(problem);
        return;
      }
      setApplying(true);
      setError(null);
      const result = await quoteCode(eventId, normaliseCode(text));
      if (mine !== attempt.current) return;
      setApplying(false);
      if (result.ok) {
        setQuote(result.data);
        window.history.replaceState(null, "", withCode(result.data.code));
      } else {
        setQuote(null);
        setError(codeFailureSentence(result.failure));
      }
    },
    [eventId],
  );

  const remove = useCallback(() => {
    attempt.current += 1;
    setQuote(null);
    setError(null);
    setApplying(false);
    window.history.replaceState(null, "", withCode(null));
  }, []);

  const clearError = useCallback(() => setError(null), []);

  // The link's code, once: the page's refreshes pass it again (with the code applied since).
  const arrived = useRef(false);
  useEffect(() => {
    if (arrived.current) return;
    arrived.current = true;
    if (initialCode) void apply(initialCode);
  }, [apply, initialCode]);

  return { quote, error, applying, apply, remove, clearError };
}

/**
 * "Have a promo code?": a field and Apply; once applied, the code, what it gives in words
 * and a way to remove it. Refusals show under the field as sentences.
 */
export function PromoCode({
  state,
  initialCode,
  timeZone,
}: {
  state: CodeState;
  initialCode: string | null;
  timeZone: string;
}) {
  const [open, setOpen] = useState(Boolean(initialCode));
  const [text, setText] = useState(initialCode ?? "");
  const id = useId();
  const inputId = `${id}-code`;
  const { quote, error, applying } = state;

  if (quote) {
    return (
      <div className="flex items-start gap-3 text-sm" data-code-applied={quote.code}>
        <TicketPercent aria-hidden className="mt-0.5 size-4 shrink-0 text-success" />
        <div className="min-w-0 flex-1 space-y-0.5" role="status">
          <p>
            Code <strong className="font-mono tracking-wide">{quote.code}</strong> applied.
          </p>
          <p className="text-muted-foreground">{codeEffect(quote)}</p>
          {quote.valid_until ? (
            <p className="text-xs text-muted-foreground">Valid until {formatEventTime(quote.valid_until, timeZone)}.</p>
          ) : null}
          <p className="text-xs text-muted-foreground">
            If its uses run out before you hold, your tickets are held at the regular price.
          </p>
        </div>
        <Button
          type="button"
          variant="link"
          size="sm"
          className="h-auto px-0"
          onClick={() => {
            state.remove();
            setText("");
            setOpen(false);
          }}
        >
          Remove code
        </Button>
      </div>
    );
  }

  if (!open) {
    return (
      <Button
        type="button"
        variant="link"
        size="sm"
        className="h-auto px-0 text-sm"
        aria-expanded={false}
        onClick={() => setOpen(true)}
      >
        Have a promo code?
      </Button>
    );
  }

  return (
    <form
      className="grid gap-1.5"
      noValidate
      onSubmit={(ev) => {
        ev.preventDefault();
        void state.apply(text);
      }}
    >
      <Label htmlFor={inputId}>Promo code</Label>
      <div className="flex gap-2">
        <Input
          id={inputId}
          name="code"
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          // Focus goes here when the buyer opens the field, not on a link's arrival.
          autoFocus={!initialCode}
          value={text}
          maxLength={64}
          onChange={(ev) => {
            setText(ev.target.value);
            state.clearError();
          }}
          aria-invalid={Boolean(error) || undefined}
          aria-describedby={error ? `${inputId}-error` : undefined}
          className="font-mono uppercase placeholder:font-sans placeholder:normal-case"
          placeholder="e.g. EARLY-BIRD"
        />
        <Button type="submit" variant="outline" disabled={applying}>
          {applying ? <Loader2 aria-hidden className="animate-spin" /> : null}
          Apply
        </Button>
      </div>
      {error ? (
        <p id={`${inputId}-error`} className="text-sm text-destructive" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}
