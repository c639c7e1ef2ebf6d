/** The account routes of the API (helper A's contract, CONTRACTS.md section A). */
export const AUTH_PATHS = {
  login: "/auth/login",
  register: "/auth/register",
  logout: "/auth/logout",
} as const;
