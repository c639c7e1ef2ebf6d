/**
 * Shows the page again as the server now has it, after an organiser's command changed it.
 *
 * A full reload rather than `router.refresh()`: Next.js 15 can drop a refresh that closely
 * follows a navigation or another refresh, and the browser tests caught the dashboard
 * still showing "Draft" after a successful publish, or no row after a ticket type was
 * added. A stale dashboard misleads an organiser; a reload costs a moment.
 */
export function reloadAfterCommand(): void {
  window.location.reload();
}
