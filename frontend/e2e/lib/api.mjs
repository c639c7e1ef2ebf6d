// Test set-up straight against the API (what the browser is not under test for).
import { randomUUID } from "node:crypto";

export async function api(baseUrl, method, path, { body, token, headers = {} } = {}) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!response.ok) throw new Error(`${method} ${path} -> ${response.status}: ${text}`);
  return json;
}

const DAY = 24 * 3600 * 1000;

/** A unique word, so a test finds its own event among the others. */
export function uniqueWord(prefix) {
  return `${prefix}${randomUUID().slice(0, 6)}`;
}

/**
 * Creates and publishes an event with the given ticket types (capacity, price in minor
 * units, `hidden` for a presale type), on sale now, starting in `days` days. Returns the
 * event detail as buyers see it (without the hidden types).
 */
export async function publishedEvent(baseUrl, token, { title, ticketTypes, days = 30, timeZone = "Europe/Paris" }) {
  const start = new Date(Date.now() + days * DAY);
  start.setUTCHours(18, 0, 0, 0);
  const event = await api(baseUrl, "POST", "/organiser/events", {
    token,
    headers: { "idempotency-key": randomUUID() },
    body: {
      title,
      description: `${title}: an evening of music for the browser tests.`,
      venue: { name: "Le Sunset", address: "60 rue des Lombards, 75001 Paris" },
      starts_at: start.toISOString(),
      ends_at: new Date(start.getTime() + 4 * 3600 * 1000).toISOString(),
      time_zone: timeZone,
      currency: "EUR",
    },
  });
  for (const t of ticketTypes) {
    await api(baseUrl, "POST", `/organiser/events/${event.id}/ticket-types`, {
      token,
      headers: { "idempotency-key": randomUUID() },
      body: {
        name: t.name,
        price: { amount_minor: t.price, currency: "EUR" },
        capacity: t.capacity,
        max_per_order: t.maxPerOrder ?? 10,
        sale_opens_at: new Date(Date.now() - 3600 * 1000).toISOString(),
        sale_closes_at: start.toISOString(),
        // A presale type, shown only to buyers whose code unlocks it.
        ...(t.hidden ? { hidden: true } : {}),
      },
    });
  }
  await api(baseUrl, "POST", `/organiser/events/${event.id}/publish`, { token });
  // The public read model follows the log a moment later (hidden types stay out of it).
  const shown = ticketTypes.filter((t) => !t.hidden).length;
  return eventually(async () => {
    const detail = await api(baseUrl, "GET", `/events/${event.id}`);
    return detail.ticket_types.length === shown ? detail : null;
  });
}

/** Polls `check` until it returns a truthy value (no timed assertion: it waits for a state). */
export async function eventually(check, { attempts = 200, intervalMs = 100 } = {}) {
  let last;
  for (let i = 0; i < attempts; i += 1) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw last ?? new Error("condition never held");
}
