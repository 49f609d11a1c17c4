-- Defect 1: an operator who can create types, casts and triggers must not reach aepg's owner's
-- rights through the realtime trigger (it used to run to_jsonb(NEW), and with it the operator's
-- cast, as the owner), nor write a model's results.
CREATE ROLE regress_oper1 LOGIN;
GRANT aepg_operator TO regress_oper1;
CREATE SCHEMA s AUTHORIZATION regress_oper1;
CREATE TABLE before AS SELECT id, score FROM aepg.pts_results;
SET ROLE regress_oper1;
CREATE TYPE s.mood AS ENUM ('ok');
CREATE FUNCTION s.mood_json(s.mood) RETURNS json LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE 'ALTER ROLE regress_oper1 SUPERUSER';
    RETURN to_json($1::text);
END $$;
CREATE CAST (s.mood AS json) WITH FUNCTION s.mood_json(s.mood);
CREATE TABLE s.t (id int PRIMARY KEY, a float8, b float8, c float8, d float8, m s.mood);
CREATE TRIGGER x AFTER INSERT ON s.t FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('pts');
-- Only the model's definer may switch its realtime flag (schema 0.7.0) ...
UPDATE aepg.models SET realtime = true WHERE name = 'pts';
RESET ROLE;
-- ... and with it on, it makes no trigger on another table score.
UPDATE aepg.models SET realtime = true WHERE name = 'pts';
SET ROLE regress_oper1;
INSERT INTO s.t VALUES (1, 0.5, 0.5, 0.5, 0.5, 'ok');
INSERT INTO s.t VALUES (1000, 0.5, 0.5, 0.5, 0.5, 'ok');
RESET ROLE;
-- Still not a superuser; the model's results untouched.
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_oper1';
SELECT count(*) AS changed FROM aepg.pts_results r JOIN before b USING (id) WHERE r.score IS DISTINCT FROM b.score;
SELECT count(*) AS realtime_failures FROM aepg.realtime_failures;
SELECT count(*) AS scored_for_the_other_table FROM aepg.pts_results WHERE id = 1000;
-- Nor can the operator put the trigger on a table they do not own, even for a model of their own.
GRANT SELECT ON public.points TO regress_oper1;
SET ROLE regress_oper1;
SELECT aepg.create_model('oper_pts', 'public.points', 'id');
SELECT aepg.enable_realtime('oper_pts');
SELECT aepg.drop_model('oper_pts');
RESET ROLE;
REVOKE SELECT ON public.points FROM regress_oper1;
DROP SCHEMA s CASCADE;
DROP TABLE before;
DROP OWNED BY regress_oper1;
DROP ROLE regress_oper1;
