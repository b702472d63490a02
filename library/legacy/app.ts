/**
 * The lending library's monolith: members, titles and their authors, and the circulation desk
 * (copies, loans, holds), all over one database, in plain SQL with `pg`. The circulation routes are
 * what the circulation service takes over (library/library.plan.yaml).
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { createRouter, field, oneRow, badRequest, type Router } from '../shared/http.ts';

const LOAN = `id, member_id AS "memberId", isbn, copy_no AS "copyNo", state::text AS state,
  lent_on::text AS "lentOn", due_on::text AS "dueOn", returned_on::text AS "returnedOn"`;
const HOLD = `id::text AS id, member_id AS "memberId", isbn, "order", placed_at AS "placedAt"`;

export function createLibraryRouter(db: pg.Pool): Router {
  const router = createRouter();

  router.get('/health', async () => ({ status: 200, body: { ok: true } }));

  router.post('/api/members', async ({ body }) => {
    const { rows } = await db.query(
      `INSERT INTO public.members (id, "user", name) VALUES ($1, $2, $3)
       RETURNING id, "user", name, joined_at AS "joinedAt"`,
      [crypto.randomUUID(), field(body, 'user'), field(body, 'name')],
    );
    return { status: 201, body: rows[0] };
  });

  router.get('/api/members/:id', async ({ params }) => {
    const { rows } = await db.query(
      `SELECT id, "user", name, joined_at AS "joinedAt" FROM public.members WHERE id = $1`,
      [params.id],
    );
    return { status: 200, body: oneRow(rows, `member ${params.id}`) };
  });

  router.get('/api/titles/:isbn', async ({ params }) => {
    const { rows } = await db.query(
      `SELECT t.isbn, t.title, t.rating::float8 AS rating, length(t.blurb) AS "blurbLength",
              t.details->'pages' AS pages,
              array(SELECT a.name FROM public.title_authors ta JOIN public.authors a ON a.id = ta.author_id
                    WHERE ta.isbn = t.isbn ORDER BY a.name) AS authors
       FROM lending.titles t WHERE t.isbn = $1`,
      [params.isbn],
    );
    return { status: 200, body: oneRow(rows, `title ${params.isbn}`) };
  });

  router.put('/api/titles/:isbn/rating', async ({ params, body }) => {
    const rating = Number(body.rating);
    if (!Number.isFinite(rating) || rating < 0 || rating > 10)
      throw badRequest('rating must be a number from 0 to 10');
    const { rows } = await db.query(
      `UPDATE lending.titles SET rating = $2 WHERE isbn = $1 RETURNING isbn, rating::float8 AS rating`,
      [params.isbn, rating],
    );
    return { status: 200, body: oneRow(rows, `title ${params.isbn}`) };
  });

  addCirculationRoutes(router, db);
  return router;
}

/** The circulation desk: what the circulation service takes over. */
function addCirculationRoutes(router: Router, db: pg.Pool): void {
  router.get('/api/titles/:isbn/copies', async ({ params }) => {
    const { rows: titles } = await db.query(
      'SELECT isbn, title FROM lending.titles WHERE isbn = $1',
      [params.isbn],
    );
    const title = oneRow(titles, `title ${params.isbn}`);
    const { rows: copies } = await db.query(
      `SELECT c.copy_no AS "copyNo", c.condition::text AS condition, c.shelf,
              EXISTS (SELECT 1 FROM lending.loans l WHERE l.isbn = c.isbn AND l.copy_no = c.copy_no
                      AND l.state = 'open') AS "onLoan"
       FROM lending.copies c WHERE c.isbn = $1 ORDER BY c.copy_no`,
      [params.isbn],
    );
    return { status: 200, body: { ...title, copies } };
  });

  router.get('/api/titles/:isbn/holds', async ({ params }) => {
    const { rows } = await db.query(
      `SELECT ${HOLD} FROM lending.holds WHERE isbn = $1 ORDER BY "order"`,
      [params.isbn],
    );
    return { status: 200, body: { isbn: params.isbn, holds: rows } };
  });

  router.post('/api/holds', async ({ body }) => {
    const isbn = field(body, 'isbn');
    const { rows } = await db.query(
      `INSERT INTO lending.holds (member_id, isbn, "order")
       SELECT $1, $2, coalesce(max("order"), 0) + 1 FROM lending.holds WHERE isbn = $2
       RETURNING ${HOLD}`,
      [field(body, 'memberId'), isbn],
    );
    return { status: 201, body: rows[0] };
  });

  router.get('/api/loans/overdue', async () => {
    const { rows } = await db.query(
      `SELECT ${LOAN}, (SELECT m.name FROM public.members m WHERE m.id = member_id) AS borrower
       FROM lending.loans WHERE state = 'open' AND due_on < current_date ORDER BY due_on, id`,
    );
    return { status: 200, body: { loans: rows } };
  });

  router.get('/api/loans/:id', async ({ params }) => {
    const { rows } = await db.query(`SELECT ${LOAN}, history FROM lending.loans WHERE id = $1`, [
      params.id,
    ]);
    return { status: 200, body: oneRow(rows, `loan ${params.id}`) };
  });

  router.post('/api/loans', async ({ body }) => {
    const copyNo = Number(body.copyNo);
    if (!Number.isInteger(copyNo)) throw badRequest('copyNo must be an integer');
    const { rows } = await db.query(
      `INSERT INTO lending.loans (id, member_id, isbn, copy_no, lent_on, due_on, history)
       VALUES ($1, $2, $3, $4, current_date, current_date + 21,
               jsonb_build_array(jsonb_build_object('event', 'lent', 'ref', $5::text)))
       RETURNING ${LOAN}, history`,
      [crypto.randomUUID(), field(body, 'memberId'), field(body, 'isbn'), copyNo, body.ref ?? null],
    );
    return { status: 201, body: rows[0] };
  });

  router.post('/api/loans/:id/return', async ({ params }) => {
    const { rows } = await db.query(
      `UPDATE lending.loans SET state = 'returned', returned_on = current_date,
              history = history || jsonb_build_array(jsonb_build_object('event', 'returned'))
       WHERE id = $1 AND state = 'open' RETURNING ${LOAN}, history`,
      [params.id],
    );
    return { status: 200, body: oneRow(rows, `open loan ${params.id}`) };
  });

  // a renewal moves the due date only: the (possibly large) history is left as it is
  router.post('/api/loans/:id/renew', async ({ params }) => {
    const { rows } = await db.query(
      `UPDATE lending.loans SET due_on = due_on + 14 WHERE id = $1 AND state = 'open'
       RETURNING ${LOAN}`,
      [params.id],
    );
    return { status: 200, body: oneRow(rows, `open loan ${params.id}`) };
  });
}
