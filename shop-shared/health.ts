import { Router } from 'express';

/** `GET /health` → `{ status: "ok" }` (docs/api.md); liveness only, it does not touch the DB. */
export function healthRouter(): Router {
  const router = Router();
  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  return router;
}
