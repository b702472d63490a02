/**
 * The public side: an express app whose one middleware is the dispatcher, and the HTTP server it
 * runs in. Malformed requests never reach the app: Node answers them (400, or 431 for headers
 * over the limit) and the connection is closed; they are counted and logged, never forwarded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
    const body = JSON.stringify({ error: code, message: error.message });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
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
