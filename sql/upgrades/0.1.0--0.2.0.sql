-- aepg 0.1.0 -> 0.2.0, what aepg.sql cannot say with IF NOT EXISTS: the layers' role may be
-- the encoder fine-tuned by deep embedded clustering. Runs before aepg.sql.
ALTER TABLE aepg.layers DROP CONSTRAINT IF EXISTS layers_role_check;
ALTER TABLE aepg.layers ADD CONSTRAINT layers_role_check CHECK (role IN ('encoder', 'decoder', 'cluster_encoder'));
