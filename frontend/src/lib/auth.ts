/** The account routes of the API (helper A's contract, CONTRACTS.md section A). */
export const AUTH_PATHS = {
  /** POST: registers and signs in (sets the session cookie). */
  register: "/accounts",
  /** POST: signs in (sets the session cookie). */
  login: "/sessions",
  /** DELETE: signs this session out (clears the cookie). */
  logout: "/sessions/current",
} as const;
