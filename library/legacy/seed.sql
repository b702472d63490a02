-- A small library: 20 members, 8 authors, 6 titles with long blurbs and large details (> 8 kB
-- each, stored out of line: TOASTed), 3 copies of each title, 12 loans (some overdue, two with a
-- long history) and a few holds. Deterministic but for the members' uuids.

INSERT INTO public.members (id, "user", name, joined_at)
SELECT gen_random_uuid(), 'reader' || i, 'Reader ' || i, timestamptz '2024-01-01' + i * interval '3 days'
FROM generate_series(1, 20) i;

INSERT INTO public.authors (name)
SELECT 'Author ' || i FROM generate_series(1, 8) i;

-- md5 text compresses to about half, so 300 of them stay above the 2 kB TOAST threshold
INSERT INTO lending.titles (isbn, title, blurb, details, rating)
SELECT '978-0-00-00000' || i,
       'Title ' || i,
       (SELECT string_agg(md5(i || ':' || g), ' ') FROM generate_series(1, 300) g),
       jsonb_build_object(
         'pages', 100 + i * 37,
         'reviews', (SELECT jsonb_agg(jsonb_build_object('by', 'critic ' || g, 'text', md5(i || '/' || g) || md5(g || '/' || i)))
                     FROM generate_series(1, 150) g)),
       (i % 5) + 0.5
FROM generate_series(1, 6) i;

INSERT INTO public.title_authors (isbn, author_id)
SELECT '978-0-00-00000' || i, a
FROM generate_series(1, 6) i, generate_series(1, 8) a
WHERE (i + a) % 3 = 0;

INSERT INTO lending.copies (isbn, copy_no, condition, shelf)
SELECT '978-0-00-00000' || i, c,
       (ARRAY['new', 'good', 'worn', 'damaged']::lending.copy_condition[])[1 + (i + c) % 4],
       'shelf ' || chr(64 + i)
FROM generate_series(1, 6) i, generate_series(1, 3) c;

-- loans 1-6 are overdue, 7-10 open and on time, 11-12 returned; 1 and 7 carry a long history
INSERT INTO lending.loans (id, member_id, isbn, copy_no, state, lent_on, due_on, returned_on, history)
SELECT gen_random_uuid(),
       (SELECT id FROM public.members WHERE "user" = 'reader' || l),
       '978-0-00-00000' || (1 + l % 6), 1 + l / 6,
       CASE WHEN l > 10 THEN 'returned' ELSE 'open' END::lending.loan_state,
       date '2026-01-01' + l,
       CASE WHEN l <= 6 THEN date '2026-01-15' + l ELSE date '2099-01-01' + l END,
       CASE WHEN l > 10 THEN date '2026-01-20' + l END,
       CASE WHEN l IN (1, 7)
            THEN (SELECT jsonb_agg(jsonb_build_object('event', 'renewed', 'note', md5(l || '-' || g) || md5(g || '-' || l)))
                  FROM generate_series(1, 150) g)
            ELSE jsonb_build_array(jsonb_build_object('event', 'lent', 'ref', 'seed-' || l)) END
FROM generate_series(1, 12) l;

INSERT INTO lending.holds (member_id, isbn, "order")
SELECT (SELECT id FROM public.members WHERE "user" = 'reader' || (12 + h)), '978-0-00-000001', h
FROM generate_series(1, 3) h;
