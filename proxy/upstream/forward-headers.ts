/**
 * The headers a proxy must fix on the way through (RFC 9110 §7.6): hop-by-hop headers, and those
 * the Connection header names, are for one connection only and are dropped in both directions;
 * X-Forwarded-For gets the client appended, -Proto/-Host/-Port keep what an outer proxy said or
 * say what this one saw. Pure.
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

// transfer-encoding and content-length stay: they frame the body that is streamed through.
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'upgrade',
];

export function stripHopByHop<T extends IncomingHttpHeaders | OutgoingHttpHeaders>(headers: T): T {
  const connection = headers.connection;
  if (connection) {
    for (const token of String(connection).split(',')) {
      const name = token.trim().toLowerCase();
      if (name && name !== 'transfer-encoding' && name !== 'content-length') delete headers[name];
    }
  }
  for (const name of HOP_BY_HOP) if (name in headers) delete headers[name];
  return headers;
}

export type Peer = { remoteAddress?: string; localPort?: number; encrypted: boolean };

export function addForwarded(headers: IncomingHttpHeaders, peer: Peer): IncomingHttpHeaders {
  const client = peer.remoteAddress ?? 'unknown';
  const prior = headers['x-forwarded-for'];
  headers['x-forwarded-for'] = prior ? `${prior}, ${client}` : client;
  headers['x-forwarded-proto'] ??= peer.encrypted ? 'https' : 'http';
  if (headers.host) headers['x-forwarded-host'] ??= headers.host;
  if (peer.localPort) headers['x-forwarded-port'] ??= String(peer.localPort);
  return headers;
}
