// The organiser and auditor accounts the harness creates on each platform (run.mjs), signed in over
// the API for test set-up.
import { api } from "./api.mjs";

export const ORGANISER = {
  email: process.env.E2E_ORGANISER_EMAIL ?? "organiser@e2e.test",
  password: process.env.E2E_ORGANISER_PASSWORD ?? "",
};

/** The read-only auditor the harness creates with `carneau accounts create --role auditor`. */
export const AUDITOR = {
  email: process.env.E2E_AUDITOR_EMAIL ?? "auditor@e2e.test",
  password: process.env.E2E_AUDITOR_PASSWORD ?? "",
};

const tokens = new Map();

/** A session token of the organiser on the platform at `baseUrl` (signed in once per file). */
export async function organiserToken(baseUrl) {
  if (!tokens.has(baseUrl)) {
    const signedIn = await api(baseUrl, "POST", "/sessions", {
      body: { email: ORGANISER.email, password: ORGANISER.password },
    });
    tokens.set(baseUrl, signedIn.session.token);
  }
  return tokens.get(baseUrl);
}
