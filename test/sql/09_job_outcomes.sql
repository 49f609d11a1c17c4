-- How a job ends (what aepg worker records through finish_job): a transient error retries with
-- back-off and counts an attempt; a busy model requeues without counting one; a permanent error
-- fails at once; the last attempt fails for good.
SELECT aepg.enqueue('train', 'pts') AS job;
SELECT id, attempts FROM aepg.claim_job('w1');
SELECT aepg.finish_job(1, 'the database went away');
SELECT status, attempts, run_after > now() + interval '4 seconds' AS backed_off FROM aepg.jobs WHERE id = 1;
SELECT count(*) AS claimable_before_its_time FROM aepg.claim_job('w1');
UPDATE aepg.jobs SET run_after = now() WHERE id = 1;
SELECT id, attempts FROM aepg.claim_job('w1');
SELECT aepg.finish_job(1, 'model "pts" is already being trained', NULL, interval '2 seconds');
SELECT status, attempts, run_after > now() + interval '1 second' AS waits FROM aepg.jobs WHERE id = 1;
UPDATE aepg.jobs SET run_after = now() WHERE id = 1;
SELECT id, attempts FROM aepg.claim_job('w1');
SELECT aepg.finish_job(1, 'still failing');
UPDATE aepg.jobs SET run_after = now() WHERE id = 1;
SELECT id, attempts FROM aepg.claim_job('w1');
SELECT aepg.finish_job(1, 'still failing');
SELECT status, attempts, error FROM aepg.jobs WHERE id = 1;
SELECT aepg.enqueue('train', 'pts') AS job;
SELECT id, attempts FROM aepg.claim_job('w1');
SELECT aepg.finish_job(2, 'unknown option(s): epoch', NULL, NULL, true);
SELECT status, attempts, error FROM aepg.jobs WHERE id = 2;
SELECT aepg.enqueue('score', 'pts') AS job;
SELECT id FROM aepg.claim_job('w1');
SELECT aepg.finish_job(3, NULL, '{"rows": 400}');
SELECT status, result, error FROM aepg.jobs WHERE id = 3;
