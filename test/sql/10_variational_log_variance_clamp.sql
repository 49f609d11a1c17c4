-- A variational network's log-variance past ±20 counts as ±20 in aepg.reconstruct, as in the
-- worker (Network.logVarianceLimit): a finite ELBO score instead of exp overflowing. The network
-- is written by hand as version 3 of pts: its encoder outputs mean 0.5 and log-variance 200 (then
-- -200) for every row, its decoder outputs 0. Input (0.3, -0.2): errors 0.09 and 0.04, their mean
-- 0.065, plus kl_weight / 2 inputs x KL, KL = -0.5 (1 + v - 0.25 - exp(v)) at v = 20 (or -20).
INSERT INTO aepg.versions SELECT model, 3, options, features, preprocessing, threshold, threshold_rule, centroids,
       inertia, loss_history, metrics, training_rows, scored_rows, seconds, stage_seconds, trained_at
  FROM aepg.versions WHERE model = 'pts' AND version = 1;
INSERT INTO aepg.layers (model, version, layer, role, inputs, outputs, activation, weights, bias)
VALUES ('pts', 3, 0, 'encoder', 2, 2, 'linear', '{0, 0, 0, 0}', '{0.5, 200}'),
       ('pts', 3, 1, 'decoder', 1, 2, 'linear', '{0, 0}', '{0, 0}');
SELECT round(score::numeric, 3) AS score, latent,
       round((0.065 + 0.5 * -0.5 * (1 + 20 - 0.25 - exp(20::float8)))::numeric, 3) AS closed_form
  FROM aepg.reconstruct('pts', 3, 0, ARRAY[0.3, -0.2], false, 1);
UPDATE aepg.layers SET bias = '{0.5, -200}' WHERE model = 'pts' AND version = 3 AND layer = 0;
SELECT round(score::numeric, 6) AS score,
       round((0.065 + 0.5 * -0.5 * (1 - 20 - 0.25 - exp(-20::float8)))::numeric, 6) AS closed_form
  FROM aepg.reconstruct('pts', 3, 0, ARRAY[0.3, -0.2], false, 1);
-- Without a KL weight the log-variance plays no part.
SELECT round(score::numeric, 6) AS score FROM aepg.reconstruct('pts', 3, 0, ARRAY[0.3, -0.2], false, NULL);
