/**
 * The sync's origin marker: every sink transaction runs with `SET LOCAL ficus.origin = 'sync'`, so
 * that what the database sees can tell the sync's writes from everyone else's. The legacy write
 * fence (rollout/legacy-fence.ts) lets exactly these through.
 */
export const SYNC_ORIGIN_SETTING = 'ficus.origin';
export const SYNC_ORIGIN_VALUE = 'sync';
