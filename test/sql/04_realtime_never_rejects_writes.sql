-- Defect 4: the realtime trigger never rejects a user's write. A row it cannot score is stored
-- unscored and its reason noted in aepg.realtime_failures; the next aepg score scores it.
SELECT aepg.enable_realtime('pts');
SELECT realtime FROM aepg.models WHERE name = 'pts';
-- A row like the others is scored at once.
INSERT INTO public.points VALUES (1001, 0.5, 0.5, 1.0, 0.2, 0);
SELECT count(*) AS scored FROM aepg.pts_results WHERE id = 1001 AND score IS NOT NULL;
-- NaN, infinities and a far outlier: stored; the outlier is scored (no underflow), the others noted.
INSERT INTO public.points VALUES (1002, 'NaN', 0, 0, 0, 0);
INSERT INTO public.points VALUES (1003, 'Infinity', 0, 0, 0, 0);
INSERT INTO public.points VALUES (1004, '-Infinity', 0, 0, 0, 0);
INSERT INTO public.points VALUES (1005, 50, -50, 1e30, 4, 1);
SELECT id FROM public.points WHERE id BETWEEN 1002 AND 1005 ORDER BY id;
SELECT id, score > 0 AS scored FROM aepg.pts_results WHERE id BETWEEN 1002 AND 1005 ORDER BY id;
SELECT key, reason, failures FROM aepg.realtime_failures ORDER BY key;
-- One bad row among a hundred: all hundred stored, ninety-nine scored.
INSERT INTO public.points SELECT 2000 + i, sin(i), cos(i), sin(i) + cos(i), CASE WHEN i = 50 THEN 'NaN' ELSE 0.1 END, 0
  FROM generate_series(1, 100) AS i;
SELECT count(*) AS stored FROM public.points WHERE id > 2000;
SELECT count(*) AS scored FROM aepg.pts_results WHERE id > 2000;
-- An update that fixes a row scores it and clears its note.
UPDATE public.points SET a = 0.3 WHERE id = 1002;
SELECT count(*) AS scored FROM aepg.pts_results WHERE id = 1002;
SELECT count(*) AS notes FROM aepg.realtime_failures WHERE key = '1002';
-- The results table gone: writes still succeed.
ALTER TABLE aepg.pts_results RENAME TO pts_results_away;
INSERT INTO public.points VALUES (1006, 0.5, 0.5, 1.0, 0.2, 0);
ALTER TABLE aepg.pts_results_away RENAME TO pts_results;
SELECT key, reason FROM aepg.realtime_failures WHERE key = '1006';
-- The model lists its unscored rows.
SELECT name, realtime, realtime_failures FROM aepg.model_list;
SELECT aepg.disable_realtime('pts');
SELECT realtime FROM aepg.models WHERE name = 'pts';
SELECT count(*) AS triggers FROM pg_trigger WHERE tgrelid = 'public.points'::regclass AND NOT tgisinternal;
