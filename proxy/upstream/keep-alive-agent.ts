/** The connection pool every upstream is reached through: kept alive, bounded. */
import http from 'node:http';

/**
 * Idle connections are closed after `idleMs`, before the upstream closes them itself (node's
 * servers after 5 s): a request written on a connection the upstream is closing at that moment
 * fails though the upstream is fine. (node's agent would honour the upstream's `Keep-Alive:
 * timeout=` hint, but the proxy strips hop-by-hop headers from the answers it reads.)
 */
export function keepAliveAgent({ idleMs = 4_000 }: { idleMs?: number } = {}): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: idleMs });
}
