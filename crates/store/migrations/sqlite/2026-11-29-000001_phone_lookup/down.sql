CREATE INDEX phones_e164 ON phones (e164);
