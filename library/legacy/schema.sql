-- The lending library's schema, as the monolith has grown it: plain SQL, applied once by
-- library/legacy/database.ts (applyLegacySchema). Each peculiarity is here for a reason a real
-- monolith has (library/README.md lists them): ficus must take every one of them in its stride.

-- the circulation desk's tables live in a schema of their own
CREATE SCHEMA lending;

CREATE TYPE lending.copy_condition AS ENUM ('new', 'good', 'worn', 'damaged');
CREATE TYPE lending.loan_state AS ENUM ('open', 'returned', 'lost');

-- members: keys made by the application (uuid v4), a column named with a reserved word
CREATE TABLE public.members (
  id uuid PRIMARY KEY,
  "user" text NOT NULL UNIQUE,
  name text NOT NULL,
  joined_at timestamptz NOT NULL DEFAULT now()
);

-- authors: a plain sequence-backed key
CREATE TABLE public.authors (
  id serial PRIMARY KEY,
  name text NOT NULL
);

-- titles: a natural key (the ISBN), a long blurb and a large jsonb document (TOASTed)
CREATE TABLE lending.titles (
  isbn text PRIMARY KEY,
  title text NOT NULL,
  blurb text NOT NULL,
  details jsonb NOT NULL,
  rating numeric(3, 1)
);

-- which author wrote which title: a many-to-many join table
CREATE TABLE public.title_authors (
  isbn text NOT NULL REFERENCES lending.titles (isbn),
  author_id integer NOT NULL REFERENCES public.authors (id),
  PRIMARY KEY (isbn, author_id)
);

-- copies on the shelves: a composite natural key, an enum
CREATE TABLE lending.copies (
  isbn text NOT NULL REFERENCES lending.titles (isbn),
  copy_no integer NOT NULL,
  condition lending.copy_condition NOT NULL,
  shelf text NOT NULL,
  PRIMARY KEY (isbn, copy_no)
);

-- loans: uuid keys made by the application, an enum, a jsonb history (large for some loans)
CREATE TABLE lending.loans (
  id uuid PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES public.members (id),
  isbn text NOT NULL,
  copy_no integer NOT NULL,
  state lending.loan_state NOT NULL DEFAULT 'open',
  lent_on date NOT NULL,
  due_on date NOT NULL,
  returned_on date,
  history jsonb NOT NULL DEFAULT '[]',
  FOREIGN KEY (isbn, copy_no) REFERENCES lending.copies (isbn, copy_no)
);

-- holds: a sequence-backed key, and the queue position in a column named "order"
CREATE TABLE lending.holds (
  id bigserial PRIMARY KEY,
  member_id uuid NOT NULL REFERENCES public.members (id),
  isbn text NOT NULL REFERENCES lending.titles (isbn),
  "order" integer NOT NULL,
  placed_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (isbn, "order")
);
