/**
 * Keeps the embedded Unleash (stack/unleash-server.ts) serving through failures of its own
 * background bookkeeping. Unleash runs some of it in event handlers nobody awaits; one of them
 * (feature lifecycle) can fail when a flag is archived and deleted in quick succession (a
 * foreign-key race inside Unleash). On Node 24 an unhandled rejection ends the process, and
 * db-migrate, which Unleash migrates its database with at start-up, adds a process-wide listener
 * that logs '[ERROR] ...' and exits with code 1, and leaves it there. Either way the whole flag
 * service went down over a lost lifecycle row (CI, twice). Such a failure is logged instead.
 */
export function keepServingThroughRejections(log: (...args: unknown[]) => void = console.error) {
  const keepServing = (reason: unknown) =>
    log('unleash-server: a background task failed (kept running):', reason);
  process.on('unhandledRejection', keepServing);
  return {
    /** Once Unleash has started (and migrated): drops every other listener, db-migrate's too. */
    dropOtherListeners(): void {
      for (const listener of process.listeners('unhandledRejection'))
        if (listener !== keepServing) process.off('unhandledRejection', listener);
    },
  };
}
