/** The connection pool every upstream is reached through: kept alive, bounded. */
import http from 'node:http';

export function keepAliveAgent(): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64 });
}
