/**
 * What a door scanner keeps in the browser (IndexedDB `carneau-door`), so it judges codes
 * with no network: per event, the lists of `GET /door/events/{id}/scanner-data` and their
 * ETag; the tickets this device admitted; and the queue of offline scans waiting to be
 * sent. The device id lives in localStorage, kept for the browser's lifetime.
 */
import type { ScannerData } from "@/lib/api/types";

const DB_NAME = "carneau-door";
const DB_VERSION = 1;
const DEVICE_KEY = "carneau-door-device";

/** The lists of one event, the ETag they came with and when the API last confirmed them. */
export type StoredLists = { eventId: string; etag: string | null; data: ScannerData; checkedAt: string };
/** A ticket this device let in. */
export type LocalAdmission = { key: string; eventId: string; ticketId: string; admittedAt: string };
/** An offline scan waiting to be sent. */
export type QueuedScan = { id?: number; eventId: string; ticketId: string; code: string; scannedAt: string };

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, DB_VERSION);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore("lists", { keyPath: "eventId" });
      db.createObjectStore("admitted", { keyPath: "key" }).createIndex("eventId", "eventId");
      db.createObjectStore("queue", { keyPath: "id", autoIncrement: true }).createIndex("eventId", "eventId");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

let database: Promise<IDBDatabase> | null = null;

async function run<T>(store: string, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  database ??= open();
  const db = await database;
  return new Promise((resolve, reject) => {
    const request = act(db.transaction(store, mode).objectStore(store));
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

export function loadLists(eventId: string): Promise<StoredLists | undefined> {
  return run("lists", "readonly", (s) => s.get(eventId) as IDBRequest<StoredLists | undefined>);
}

export async function saveLists(lists: StoredLists): Promise<void> {
  await run("lists", "readwrite", (s) => s.put(lists));
}

export function localAdmissions(eventId: string): Promise<LocalAdmission[]> {
  return run("admitted", "readonly", (s) => s.index("eventId").getAll(eventId) as IDBRequest<LocalAdmission[]>);
}

export async function recordLocalAdmission(eventId: string, ticketId: string, admittedAt: string): Promise<void> {
  await run("admitted", "readwrite", (s) => s.put({ key: `${eventId}:${ticketId}`, eventId, ticketId, admittedAt }));
}

export function queuedScans(eventId: string): Promise<QueuedScan[]> {
  return run("queue", "readonly", (s) => s.index("eventId").getAll(eventId) as IDBRequest<QueuedScan[]>);
}

export async function enqueue(scan: QueuedScan): Promise<void> {
  await run("queue", "readwrite", (s) => s.add(scan));
}

export async function dequeue(ids: number[]): Promise<void> {
  for (const id of ids) await run("queue", "readwrite", (s) => s.delete(id));
}

/** This browser's scanner id: random, made once, kept (the API knows a scan again by it). */
export function deviceId(): string {
  let id = localStorage.getItem(DEVICE_KEY);
  if (!id) {
    const bytes = crypto.getRandomValues(new Uint8Array(6));
    id = `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
    localStorage.setItem(DEVICE_KEY, id);
  }
  return id;
}
