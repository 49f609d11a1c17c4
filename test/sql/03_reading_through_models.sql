-- Defect 3: an operator must not read a table they cannot read by pointing a model at it, and
-- readers see a model's source through its views only as far as their own grants and the
-- source's row-level security allow.
CREATE TABLE public.secret (id bigint PRIMARY KEY, a float8, b float8, c float8, d float8, ssn text);
INSERT INTO public.secret SELECT i, i, i, i, i, 'ssn-' || i FROM generate_series(1, 5) AS i;
CREATE ROLE regress_oper3 LOGIN;
GRANT aepg_operator TO regress_oper3;
CREATE ROLE regress_reader3 LOGIN;
GRANT aepg_reader TO regress_reader3;
GRANT SELECT ON public.points TO regress_oper3;
SET ROLE regress_oper3;
-- Not a model of theirs (schema 0.7.0), nor, for one of theirs, a table they cannot read.
UPDATE aepg.models SET source = 'public.secret'::regclass WHERE name = 'pts';
SELECT aepg.create_model('mine', 'public.points', 'id');
UPDATE aepg.models SET source = 'public.secret'::regclass WHERE name = 'mine';
INSERT INTO aepg.models (name, source, key_column) VALUES ('spy', 'public.secret'::regclass, 'id');
SELECT aepg.create_model('spy', 'public.secret', 'id');
SELECT aepg.refresh_views('pts');
RESET ROLE;
SELECT name, source FROM aepg.models ORDER BY name;
-- A reader without SELECT on the source cannot read it through the views.
SET ROLE regress_reader3;
SELECT count(*) FROM aepg.pts_flags;
SELECT count(*) FROM aepg.pts_cluster_profile;
SELECT count(*) FROM aepg.pts_clusters;
RESET ROLE;
-- With SELECT, row-level security on the source decides which rows the reader sees.
GRANT SELECT ON public.points TO regress_reader3;
ALTER TABLE public.points ENABLE ROW LEVEL SECURITY;
CREATE POLICY first_ten ON public.points FOR SELECT TO regress_reader3 USING (id <= 10);
SET ROLE regress_reader3;
SELECT count(*) FROM aepg.pts_flags;
SELECT sum(rows) FROM aepg.pts_cluster_profile;
RESET ROLE;
ALTER TABLE public.points DISABLE ROW LEVEL SECURITY;
DROP POLICY first_ten ON public.points;
REVOKE SELECT ON public.points FROM regress_reader3, regress_oper3;
DELETE FROM aepg.models WHERE name = 'mine';
DROP TABLE public.secret;
DROP OWNED BY regress_oper3, regress_reader3;
DROP ROLE regress_oper3, regress_reader3;
