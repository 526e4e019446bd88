-- The initial schema of the PostgreSQL backend: the same keyed history as the embedded store.
--
-- Tables about subjects carry `subject`, a number derived from the subject's pseudonym alone
-- (`postgres::subject_key`), in their primary key and in every unique constraint, so that a
-- distributed PostgreSQL (Citus) can distribute them on it and keep one subject's rows on one
-- node. The catalogue tables (meta, batch, policy, source) are small and read by every answer:
-- reference tables, copied to every node.

-- Catalogue: reference tables.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE batch (
    id             BIGINT PRIMARY KEY,
    kind           TEXT NOT NULL,    -- 'events' or 'publication'
    source         TEXT NOT NULL,
    origin         TEXT NOT NULL,
    recorded_at_ms BIGINT NOT NULL,
    recorded       INTEGER NOT NULL, -- the registry's date: the latest recorded day
    events         BIGINT NOT NULL,  -- appended
    unchanged      BIGINT NOT NULL,  -- resubmitted unchanged, skipped
    commitment     BYTEA NOT NULL,   -- to the (subject, head, count) left, or the publication
    key_id         TEXT NOT NULL,
    digest         BYTEA NOT NULL    -- MAC(previous digest, the fields above)
);

CREATE TABLE policy (
    version         BIGINT NOT NULL,
    name            TEXT NOT NULL,
    text            TEXT NOT NULL,
    published_at_ms BIGINT NOT NULL,
    in_force        BOOLEAN NOT NULL,
    batch           BIGINT NOT NULL, -- the publication
    PRIMARY KEY (version, name)
);
CREATE INDEX policy_in_force ON policy (in_force, name);

CREATE TABLE source (
    batch      BIGINT NOT NULL, -- the publication
    id         TEXT NOT NULL,
    title      TEXT NOT NULL,
    categories TEXT NOT NULL,   -- JSON array of category names
    PRIMARY KEY (batch, id)
);

-- About subjects: distributed by `subject`.
CREATE TABLE subject (
    subject     BIGINT NOT NULL,
    pseudonym   TEXT NOT NULL,
    kind        TEXT NOT NULL,
    birth       BYTEA,   -- sealed under the registry's key
    masked      TEXT NOT NULL,
    birth_at    BIGINT,  -- position of the link that set birth (0: genesis)
    birth_batch BIGINT,  -- the batch of that link
    PRIMARY KEY (subject)
);

CREATE TABLE event (
    subject    BIGINT NOT NULL,
    seq        BIGINT NOT NULL,
    position   BIGINT NOT NULL,  -- in the subject's chain
    source     TEXT NOT NULL,
    reference  TEXT NOT NULL,
    action     TEXT NOT NULL,
    category   TEXT NOT NULL,
    target     TEXT,
    valid      INTEGER NOT NULL,
    recorded   INTEGER NOT NULL,
    attributes TEXT NOT NULL,    -- canonical JSON
    content    BYTEA NOT NULL,   -- sha256 of the canonical content
    batch      BIGINT NOT NULL,
    hash       BYTEA NOT NULL,   -- the subject's chain link (a MAC)
    PRIMARY KEY (subject, seq),
    UNIQUE (subject, position)
);
-- A reference names one event of a source; the store checks that before appending (a unique
-- constraint without the subject could not be kept by a distributed table).
CREATE INDEX event_reference ON event (source, reference);
CREATE INDEX event_seq ON event (seq);
CREATE INDEX event_recorded ON event (recorded);

CREATE TABLE link (
    subject   BIGINT NOT NULL, -- the subject whose event names the link
    seq       BIGINT NOT NULL,
    pseudonym TEXT NOT NULL,   -- the subject named
    PRIMARY KEY (subject, seq, pseudonym)
);
CREATE INDEX link_pseudonym ON link (pseudonym);

-- How many link rows name a subject, MAC'd: keyed by the named subject's own key.
CREATE TABLE linked (
    subject   BIGINT NOT NULL,
    pseudonym TEXT NOT NULL,
    count     BIGINT NOT NULL,
    mac       BYTEA NOT NULL,
    PRIMARY KEY (subject)
);

CREATE TABLE subject_head (
    subject BIGINT NOT NULL,
    batch   BIGINT NOT NULL,
    head    BYTEA NOT NULL,
    count   BIGINT NOT NULL,
    PRIMARY KEY (subject, batch)
);

CREATE TABLE standing (
    subject BIGINT NOT NULL,
    body    BYTEA NOT NULL,
    PRIMARY KEY (subject)
);

CREATE TABLE access (
    subject   BIGINT NOT NULL, -- the key of the subject asked about
    seq       BIGINT NOT NULL,
    pseudonym TEXT NOT NULL,
    party     TEXT NOT NULL,
    purpose   TEXT NOT NULL,
    at_ms     BIGINT NOT NULL,
    outcome   TEXT NOT NULL,
    day       INTEGER NOT NULL,
    mac       BYTEA NOT NULL,  -- MAC(previous entry's mac, this entry)
    PRIMARY KEY (subject, seq)
);
CREATE INDEX access_seq ON access (seq);

-- The history is append-only: the store itself never updates or deletes an event or an access.
CREATE FUNCTION credence_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END;
$$;
CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION credence_append_only();
CREATE TRIGGER access_append_only BEFORE UPDATE OR DELETE ON access
    FOR EACH ROW EXECUTE FUNCTION credence_append_only();

-- A standing, a head, an event is about a stored subject (both sides distributed by subject,
-- so the keys hold on Citus too).
ALTER TABLE event ADD FOREIGN KEY (subject) REFERENCES subject (subject);
ALTER TABLE subject_head ADD FOREIGN KEY (subject) REFERENCES subject (subject);
ALTER TABLE standing ADD FOREIGN KEY (subject) REFERENCES subject (subject);
