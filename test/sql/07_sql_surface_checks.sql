-- Defects 9 and 11, SQL side: definitions are checked before anything is stored; score_row
-- refuses what is not a row of a model; a version whose results were pruned cannot be activated.
SELECT aepg.create_model('dup', 'public.points', 'id', ARRAY['a', 'a', 'b']);
SELECT aepg.create_model('lab', 'public.points', 'id', ARRAY['a', 'label'], label => 'label');
SELECT aepg.create_model('keyfeat', 'public.points', 'id', ARRAY['id', 'a']);
SELECT aepg.create_model('Bad Name', 'public.points', 'id');
SELECT aepg.create_model('nokey', 'public.points', 'nosuchcolumn');
CREATE TYPE public.code AS (x int);
CREATE TABLE public.coded (k public.code PRIMARY KEY, a float8);
SELECT aepg.create_model('coded', 'public.coded', 'k');
SELECT name FROM aepg.models ORDER BY name;
SELECT * FROM aepg.score_row('nosuchmodel', '{"a": 1}');
SELECT * FROM aepg.score_row('pts', '"notanobject"');
SELECT * FROM aepg.score_row('pts', '[1, 2, 3]');
SELECT score IS NOT NULL AS scored FROM aepg.score_row('pts', '{"a": 0.1, "b": 0.2, "c": 0.3, "d": 0.4}');
SELECT score IS NOT NULL AS scored FROM aepg.score('pts', ARRAY[1e30, 0, 0, 0]);
SELECT * FROM aepg.score('pts', ARRAY[1e300, 0, 0, 0]);
-- Version 2 exists in the catalog, its results do not.
INSERT INTO aepg.versions SELECT model, 2, options, features, preprocessing, threshold, threshold_rule, centroids,
       inertia, loss_history, metrics, training_rows, scored_rows, seconds, stage_seconds, trained_at
  FROM aepg.versions WHERE model = 'pts' AND version = 1;
SELECT aepg.activate('pts', 2);
SELECT aepg.activate('pts', 1);
SELECT active_version FROM aepg.models WHERE name = 'pts';
-- A source column named like a column the flags view adds is shown as source_<name>.
ALTER TABLE public.points ADD COLUMN score float8, ADD COLUMN flagged bool;
SELECT aepg.refresh_views('pts');
SELECT column_name FROM information_schema.columns WHERE table_schema = 'aepg' AND table_name = 'pts_flags' ORDER BY ordinal_position;
DROP TABLE public.coded;
DROP TYPE public.code;
