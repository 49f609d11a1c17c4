-- Defect 5: a realtime trigger must not outlive its model's claim on the table. drop_model
-- removes it; a trigger left on a table (redefinition elsewhere, or put there by hand) scores
-- nothing for a model that is not on that table with realtime on.
CREATE TABLE public.other (LIKE public.points INCLUDING ALL);
SELECT aepg.enable_realtime('pts');
-- Redefining the model onto another table switches realtime off; the old trigger goes quiet.
UPDATE aepg.models SET source = 'public.other'::regclass WHERE name = 'pts';
SELECT realtime FROM aepg.models WHERE name = 'pts';
INSERT INTO public.points VALUES (3001, 0.5, 0.5, 1.0, 0.2, 0);
SELECT count(*) AS phantom FROM aepg.pts_results WHERE id = 3001;
UPDATE aepg.models SET source = 'public.points'::regclass WHERE name = 'pts';
-- A trigger put on another table by hand does nothing for this model.
CREATE TRIGGER by_hand AFTER INSERT ON public.other FOR EACH ROW EXECUTE FUNCTION aepg.realtime_trigger('pts');
SELECT aepg.enable_realtime('pts');
INSERT INTO public.other VALUES (3002, 0.5, 0.5, 1.0, 0.2, 0);
SELECT count(*) AS phantom FROM aepg.pts_results WHERE id = 3002;
-- drop_model takes the trigger with it.
SELECT aepg.drop_model('pts');
SELECT tgname FROM pg_trigger WHERE tgrelid = 'public.points'::regclass AND NOT tgisinternal;
-- A new model of the same name on another table: the hand-made trigger still scores nothing
-- until realtime is switched on for it, and then only on its own table.
SELECT aepg.create_model('pts', 'public.other', 'id');
INSERT INTO public.other VALUES (3003, 0.5, 0.5, 1.0, 0.2, 0);
SELECT to_regclass('aepg.pts_results') AS results;
DROP TABLE public.other;
