/**
 * The public side: an express app whose one middleware is the dispatcher, and the HTTP server it
 * runs in. Malformed requests never reach the app: Node answers them (400, or 431 for headers
 * over the limit) and the connection is closed; they are counted and logged, never forwarded.
 * CONNECT never reaches it either (Node hands it over as a raw socket): it is a tunnel, which
 * this proxy does not open, and is answered 405 rather than closed in silence.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import express from 'express';
import type { Logger } from '../../lib/logger.ts';

export function createProxyApp(
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.use((req, res) => handler(req, res));
  return app;
}

/** An answer written straight to a socket that no ServerResponse owns, then the socket closed. */
function answerOnSocket(socket: Duplex, status: number, body: object, extraHeaders = ''): void {
  const text = JSON.stringify(body);
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\n${extraHeaders}connection: close\r\n\r\n${text}`,
  );
}

export type Listening = { server: http.Server; port: number; url: string; close(): Promise<void> };

export function listen(
  app: http.RequestListener,
  port: number,
  host: string,
  log: Logger,
): Promise<Listening> {
  const server = http.createServer(
    { maxHeaderSize: 16 * 1024, requestTimeout: 300_000, keepAliveTimeout: 65_000 },
    app,
  );
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const code = status === 431 ? 'headers_too_large' : 'malformed_request';
    log.debug('refused a malformed request', { code, error: error.message });
    answerOnSocket(socket, status, { error: code, message: error.message });
  });
  server.on('connect', (req: http.IncomingMessage, socket: Duplex) => {
    log.debug('refused a CONNECT', { target: req.url });
    socket.on('error', () => socket.destroy());
    answerOnSocket(
      socket,
      405,
      { error: 'method_not_allowed', message: 'CONNECT: this proxy opens no tunnels' },
      'allow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n',
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        server,
        port: actual,
        url: `http://${host}:${actual}`,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
