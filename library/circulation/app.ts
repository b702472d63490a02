/**
 * The circulation service: copies, loans and holds, in its own database, answering the routes it
 * takes over from the library monolith with the same JSON. It never imports the monolith.
 */
import crypto from 'node:crypto';
import type pg from 'pg';
import { createRouter, field, oneRow, badRequest, HttpError, type Router } from '../shared/http.ts';

const LOAN = `id, member_id AS "memberId", isbn, copy_no AS "copyNo", state,
  lent_on::text AS "lentOn", due_on::text AS "dueOn", returned_on::text AS "returnedOn"`;
const HOLD = `id::text AS id, member_id AS "memberId", isbn, queue_position AS "order",
  placed_at AS "placedAt"`;

export function createCirculationRouter(db: pg.Pool): Router {
  const router = createRouter();

  router.get('/health', async () => ({ status: 200, body: { ok: true } }));

  router.get('/api/titles/:isbn/copies', async ({ params }) => {
    const { rows: titles } = await db.query('SELECT isbn, title FROM titles WHERE isbn = $1', [
      params.isbn,
    ]);
    const title = oneRow(titles, `title ${params.isbn}`);
    const { rows: copies } = await db.query(
      `SELECT c.copy_no AS "copyNo", c.condition, c.shelf,
              EXISTS (SELECT 1 FROM loans l WHERE l.isbn = c.isbn AND l.copy_no = c.copy_no
                      AND l.state = 'open') AS "onLoan"
       FROM copies c WHERE c.isbn = $1 ORDER BY c.copy_no`,
      [params.isbn],
    );
    return { status: 200, body: { ...title, copies } };
  });

  router.get('/api/titles/:isbn/holds', async ({ params }) => {
    const { rows } = await db.query(
      `SELECT ${HOLD} FROM holds WHERE isbn = $1 ORDER BY queue_position`,
      [params.isbn],
    );
    return { status: 200, body: { isbn: params.isbn, holds: rows } };
  });

  router.post('/api/holds', async ({ body }) => {
    const isbn = field(body, 'isbn');
    const { rows } = await db.query(
      `INSERT INTO holds (member_id, isbn, queue_position)
       SELECT $1, $2, coalesce(max(queue_position), 0) + 1 FROM holds WHERE isbn = $2
       RETURNING ${HOLD}`,
      [field(body, 'memberId'), isbn],
    );
    return { status: 201, body: rows[0] };
  });

  router.get('/api/loans/overdue', async () => {
    const { rows } = await db.query(
      `SELECT ${LOAN}, (SELECT p.name FROM patrons p WHERE p.id = member_id) AS borrower
       FROM loans WHERE state = 'open' AND due_on < current_date ORDER BY due_on, id`,
    );
    return { status: 200, body: { loans: rows } };
  });

  router.get('/api/loans/:id', async ({ params }) => {
    const { rows } = await db.query(`SELECT ${LOAN}, history FROM loans WHERE id = $1`, [
      params.id,
    ]);
    return { status: 200, body: oneRow(rows, `loan ${params.id}`) };
  });

  router.post('/api/loans', async ({ body }) => {
    const copyNo = Number(body.copyNo);
    if (!Number.isInteger(copyNo)) throw badRequest('copyNo must be an integer');
    const isbn = field(body, 'isbn');
    // the monolith's foreign key, kept by the service itself: a loan is of a copy it knows
    const { rowCount } = await db.query('SELECT 1 FROM copies WHERE isbn = $1 AND copy_no = $2', [
      isbn,
      copyNo,
    ]);
    if (!rowCount) throw new HttpError(422, `copy ${copyNo} of ${isbn} is not in the library`);
    const { rows } = await db.query(
      `INSERT INTO loans (id, member_id, isbn, copy_no, state, lent_on, due_on, history)
       VALUES ($1, $2, $3, $4, 'open', current_date, current_date + 21,
               jsonb_build_array(jsonb_build_object('event', 'lent', 'ref', $5::text)))
       RETURNING ${LOAN}, history`,
      [crypto.randomUUID(), field(body, 'memberId'), isbn, copyNo, body.ref ?? null],
    );
    return { status: 201, body: rows[0] };
  });

  router.post('/api/loans/:id/return', async ({ params }) => {
    const { rows } = await db.query(
      `UPDATE loans SET state = 'returned', returned_on = current_date,
              history = history || jsonb_build_array(jsonb_build_object('event', 'returned'))
       WHERE id = $1 AND state = 'open' RETURNING ${LOAN}, history`,
      [params.id],
    );
    return { status: 200, body: oneRow(rows, `open loan ${params.id}`) };
  });

  router.post('/api/loans/:id/renew', async ({ params }) => {
    const { rows } = await db.query(
      `UPDATE loans SET due_on = due_on + 14 WHERE id = $1 AND state = 'open' RETURNING ${LOAN}`,
      [params.id],
    );
    return { status: 200, body: oneRow(rows, `open loan ${params.id}`) };
  });

  return router;
}
