-- aepg 0.2.0 -> 0.3.0, what aepg.sql cannot say with IF NOT EXISTS: models remember whether
-- realtime scoring is on (the trigger checks it), taken from the triggers that 0.2.0 created.
ALTER TABLE aepg.models ADD COLUMN IF NOT EXISTS realtime boolean NOT NULL DEFAULT false;
UPDATE aepg.models m
   SET realtime = EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = m.source AND t.tgname = 'aepg_realtime_' || m.name);
