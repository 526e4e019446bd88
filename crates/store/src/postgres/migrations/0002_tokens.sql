-- Bearer tokens, kept as the SHA-256 of the token, each row MAC'd under the registry's key
-- (`tokens::mac`, over every column but `mac`). A catalogue table: a reference table on Citus.
CREATE TABLE token (
    id            TEXT PRIMARY KEY,     -- the hash's first 12 hex characters
    hash          TEXT NOT NULL UNIQUE, -- SHA-256 of the token, hex
    role          TEXT NOT NULL,
    principal     TEXT NOT NULL,        -- a subject's is its pseudonym
    label         TEXT NOT NULL,        -- how listings show the principal
    issued_at_ms  BIGINT NOT NULL,
    revoked_at_ms BIGINT,
    mac           BYTEA NOT NULL
);
