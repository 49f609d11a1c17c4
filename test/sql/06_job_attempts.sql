-- Defect 6: a job whose worker died is taken over, and each takeover counts as an attempt; after
-- max_attempts it fails instead of being retried for ever.
INSERT INTO aepg.jobs (kind, model, status, attempts, max_attempts, backend_pid, worker)
VALUES ('train', 'pts', 'running', 3, 3, 2147483647, 'dead'),
       ('train', 'pts', 'running', 1, 3, 2147483646, 'dead');
SELECT id, status, attempts FROM aepg.claim_job('regress');
SELECT id, status, attempts, error FROM aepg.jobs ORDER BY id;
-- A misspelt option and a job for no model are refused when they are written; option values
-- (widths up to 4,096 and the like) are checked by aepg before any work, in jobs as everywhere.
SELECT aepg.create_model('wide', 'public.points', 'id', options => '{"hiddn": [8]}');
SELECT aepg.enqueue('train', 'nosuchmodel');
