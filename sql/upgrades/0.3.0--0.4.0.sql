-- aepg 0.3.0 -> 0.4.0, what aepg.sql cannot say with IF NOT EXISTS: ensembles keep each member's
-- layers (aepg.layers.member) and scale (aepg.versions.members); versions before are one network.
ALTER TABLE aepg.layers ADD COLUMN IF NOT EXISTS member integer NOT NULL DEFAULT 0;
ALTER TABLE aepg.versions ADD COLUMN IF NOT EXISTS members jsonb;
