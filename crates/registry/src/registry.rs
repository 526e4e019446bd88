//! A registry: the policy in force and the registered sources, shared by every request
//! ([`Shared`]), and a handle on its store ([`Registry`]), with the operations users perform
//! on them (ingest, report, check, recompute).
//!
//! What is read by every request is built once, when the registry is opened: the policy
//! compiled from the published texts, the registered sources, the relying parties the measures
//! name and the key that makes pseudonyms. It is `Send + Sync` and shared behind an [`Arc`], so
//! a service opens it once and gives each request or worker a [`Registry`] of its own: the
//! shared state and one store handle, generic over the [`Store`] trait. A handle reads through
//! `&self`; what writes (an ingest, a recompute, and a check or report, which log the access
//! before they answer) takes `&mut self`.
//!
//! The registry owns no rules: intake validates, the engine evaluates, the store keeps. It
//! wires them so that a standing is written in the same transaction as the events that changed
//! it, and so that a relying party's check consults only the subject asked about, plus the
//! organisations it legally represents where a measure declares that extension.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use credence_engine::{Standing, evaluate};
use credence_model::{Day, Event, IdOptions, Identifier, SubjectFacts};
use credence_policy::{Policy, PolicySource};
use credence_store::{
    AnyStore, BatchReceipt, Paths, PolicyRecord, SourceRecord, StandingUpdate, Store, StoreError,
    StoredSubject, TokenRecord,
};

pub use crate::answer::{CheckAnswer, FileEvent, Report, Representation, SubjectAccess};
use crate::intake::{self, Format, IntakeContext, IntakeFailure};
use crate::sources::parse_sources;
use crate::tokens::{Presented, Principal, Role, SubjectPrincipal};

/// Why a registry operation failed.
#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Policy(#[from] credence_policy::Diagnostics),
    #[error("{0}")]
    Sources(String),
    /// The file was refused whole: every bad row by line and field.
    #[error(transparent)]
    Rejected(#[from] crate::intake::IntakeErrors),
    /// The file's name says no format intake reads.
    #[error(transparent)]
    Format(#[from] crate::intake::FormatError),
    /// The file could not be read within the limits of a batch, or is not UTF-8.
    #[error(transparent)]
    Read(#[from] crate::submission::ReadError),
    #[error("no source `{name}` is registered: the registered sources are {registered}")]
    UnknownSource { name: String, registered: String },
    #[error("`{0}`: {1}")]
    Identifier(String, credence_model::IdError),
    #[error("no measure `{0}` in the policy in force: `credence policy describe` lists them")]
    UnknownMeasure(String),
    #[error(
        "`{party}` does not apply `{measure}` and may not ask about it: the measure is applied by {parties}"
    )]
    NotPermitted {
        party: String,
        measure: String,
        parties: String,
    },
    /// No relying party of that name: none of the policy's measures names it.
    #[error(
        "no measure of the policy in force names the relying party `{name}`: the relying parties are {known}"
    )]
    UnknownParty { name: String, known: String },
    /// No token has that id.
    #[error("no token `{0}`: `credence token list` shows every token and its id")]
    UnknownToken(String),
    /// A name a token cannot be issued for.
    #[error("{0}")]
    Principal(String),
    /// A store handle and shared state that belong to different registries.
    #[error("the store belongs to another registry than the state it was opened with")]
    OtherRegistry,
    #[error("the stored policy no longer compiles: {0}")]
    StoredPolicy(String),
    /// A day that would make time run backwards: a batch recorded before what the registry
    /// already holds, or a question about what will be known after the registry's date.
    #[error("{0}")]
    Time(String),
}

/// What every request of an open registry reads and none changes, built once: the policy in
/// force compiled, the registered sources, the relying parties its measures name, and the key
/// that makes pseudonyms. `Send + Sync`: share it behind an [`Arc`].
pub struct Shared {
    policy: Policy,
    sources: Vec<SourceRecord>,
    relying_parties: BTreeSet<String>,
    pseudonym_key: Vec<u8>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        f.debug_struct("Shared")
            .field("packs", &self.policy.packs.len())
            .field("sources", &self.sources.len())
            .field("relying_parties", &self.relying_parties)
            .finish_non_exhaustive()
    }
}

impl Shared {
    /// Reads what the store has published and compiles it, once.
    ///
    /// Nothing is built from a history that does not verify: the batch chain's digests, the
    /// catalogue in force (the policy texts and sources against their publication) and the
    /// latest batch against the witness file's last line are checked first, and a mismatch is
    /// [`StoreError::Tampered`] or [`StoreError::RolledBack`].
    pub fn load<S: Store>(store: &S) -> Result<Shared, RegistryError> {
        store.verify_published()?;
        let sources_in_store: Vec<PolicySource> = store
            .policies()?
            .into_iter()
            .map(|p| PolicySource {
                name: p.name,
                text: p.text,
            })
            .collect();
        let policy = credence_policy::compile(&sources_in_store)
            .map_err(|d| RegistryError::StoredPolicy(d.to_string()))?;
        Ok(Shared::new(
            policy,
            store.sources()?,
            store.pseudonym_key()?,
        ))
    }

    fn new(policy: Policy, sources: Vec<SourceRecord>, pseudonym_key: Vec<u8>) -> Shared {
        let relying_parties = policy
            .measures
            .iter()
            .flat_map(|m| m.relying_parties.iter().cloned())
            .collect();
        Shared {
            policy,
            sources,
            relying_parties,
            pseudonym_key,
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn sources(&self) -> &[SourceRecord] {
        &self.sources
    }

    /// Every relying party some measure of the policy in force names.
    pub fn relying_parties(&self) -> &BTreeSet<String> {
        &self.relying_parties
    }
}

/// A handle on an open registry: the state every request shares and one store handle (one per
/// request or worker).
#[derive(Debug)]
pub struct Registry<S: Store = AnyStore> {
    shared: Arc<Shared>,
    store: S,
}

/// How reliable a source's records have proved: the measured rates an operator watches (and
/// may suspend a source on).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct SourceQuality {
    pub source: String,
    pub records: u64,
    pub corrections: u64,
    pub retractions: u64,
    pub disputes: u64,
    /// Disputes its answers did not uphold.
    pub disputes_lost: u64,
    /// Disputes it left unanswered past their deadline: the record stopped counting, so they
    /// count as reversals (a source that ignores disputes must not look more reliable than one
    /// that answers them).
    pub disputes_unanswered: u64,
    /// Records later retracted, lost in a dispute or left unanswered in one, per record.
    pub reversal_rate: f64,
    /// Records later corrected, per record.
    pub correction_rate: f64,
}

/// The two phases of an ingest, for progress reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IngestPhase {
    /// Rows validated so far.
    Validating,
    /// Events written so far (then standings are recomputed and the batch committed).
    Writing,
}

/// Per source, the disputes of its records it lost and those it left unanswered.
struct Reversals {
    lost: std::collections::HashMap<String, u64>,
    unanswered: std::collections::HashMap<String, u64>,
}

/// An organisation the subject represents, evaluated.
struct Represented {
    organisation: StoredSubject,
    standing: Standing,
}

impl Registry<AnyStore> {
    /// Creates a registry in `dir` (its key file and witness inside it) with the policy packs
    /// and the sources file.
    pub fn init(
        dir: &Path,
        policies: Vec<PolicySource>,
        sources_name: &str,
        sources_text: &str,
    ) -> Result<Registry, RegistryError> {
        Self::init_at(&Paths::new(dir), policies, sources_name, sources_text)
    }

    /// Creates a registry with its files at `paths`, with the policy packs and the sources file.
    pub fn init_at(
        paths: &Paths,
        policies: Vec<PolicySource>,
        sources_name: &str,
        sources_text: &str,
    ) -> Result<Registry, RegistryError> {
        let policy = credence_policy::compile(&policies)?;
        let sources = parse_sources(sources_name, sources_text, &policy)
            .map_err(|e| RegistryError::Sources(e.to_string()))?;
        let mut store = AnyStore::create_at(paths)?;
        let records: Vec<PolicyRecord> = policies
            .into_iter()
            .map(|p| PolicyRecord {
                name: p.name,
                text: p.text,
            })
            .collect();
        store.publish(&records, &sources)?;
        let key = store.pseudonym_key()?;
        Ok(Registry {
            shared: Arc::new(Shared::new(policy, sources, key)),
            store,
        })
    }

    /// Opens an existing registry (its files in their default places) and compiles the policy
    /// in force.
    pub fn open(dir: &Path) -> Result<Registry, RegistryError> {
        Self::open_at(&Paths::new(dir))
    }

    /// Opens an existing registry with its files at `paths` and compiles the policy in force.
    ///
    /// Nothing is answered from a history that does not verify: the batch chain's digests, the
    /// catalogue in force (the policy texts and sources against their publication) and the
    /// latest batch against the witness file's last line are checked first, and a mismatch is
    /// [`StoreError::Tampered`] or [`StoreError::RolledBack`].
    pub fn open_at(paths: &Paths) -> Result<Registry, RegistryError> {
        let store = AnyStore::open_at(paths)?;
        let shared = Arc::new(Shared::load(&store)?);
        Ok(Registry { shared, store })
    }

    /// Another handle on a registry already open: its store opened again at `paths`, checked as
    /// [`Registry::open_at`] checks it, with the shared state reused rather than compiled again.
    pub fn open_with(shared: Arc<Shared>, paths: &Paths) -> Result<Registry, RegistryError> {
        let store = AnyStore::open_at(paths)?;
        store.verify_published()?;
        Registry::with_store(shared, store)
    }
}

impl Registry {
    /// Refuses a `known_at` after the registry's date `today`: what will be known then is not
    /// known yet, so there is no answer to give.
    pub fn known_at_allowed(known_at: Day, today: Day) -> Result<(), RegistryError> {
        if known_at > today {
            return Err(RegistryError::Time(format!(
                "--known-at {known_at} is after the registry's date {today}: the registry cannot \
                 answer with what it will know later; give a day on or before {today}"
            )));
        }
        Ok(())
    }
}

impl<S: Store> Registry<S> {
    /// A handle made of shared state and a store handle on the same registry. Refuses a store
    /// whose pseudonym key is not the one the shared state was built with (another registry:
    /// every subject would be looked up under the wrong pseudonym).
    pub fn with_store(shared: Arc<Shared>, store: S) -> Result<Registry<S>, RegistryError> {
        if store.pseudonym_key()? != shared.pseudonym_key {
            return Err(RegistryError::OtherRegistry);
        }
        Ok(Registry { shared, store })
    }

    /// The state this handle shares with every other handle on the registry.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    pub fn policy(&self) -> &Policy {
        &self.shared.policy
    }

    pub fn sources(&self) -> &[SourceRecord] {
        &self.shared.sources
    }

    pub fn store_stats(&self) -> Result<credence_store::StoreStats, RegistryError> {
        Ok(self.store.stats()?)
    }

    pub fn store(&self) -> &S {
        &self.store
    }

    /// Validates a file from `source` and appends it as one atomic batch, recomputing the
    /// standings of the subjects it touches. `today` is the registry's date. The file is named
    /// `file_name` (its extension gives its format) and is read from `input`: its text, or the
    /// file at a path, read block by block.
    pub fn ingest<'a>(
        &mut self,
        file_name: &str,
        input: impl Into<crate::submission::Submitted<'a>>,
        source: &str,
        today: Day,
        now_ms: i64,
        progress: &mut dyn FnMut(IngestPhase, usize),
    ) -> Result<BatchReceipt, RegistryError> {
        let format = Format::from_path(Path::new(file_name))?;
        self.ingest_format(file_name, input, format, source, today, now_ms, progress)
    }

    /// [`Registry::ingest`] of a file in the format given (a pipe, a request body: whatever
    /// has no telling name).
    #[allow(clippy::too_many_arguments)]
    pub fn ingest_format<'a>(
        &mut self,
        file_name: &str,
        input: impl Into<crate::submission::Submitted<'a>>,
        format: Format,
        source: &str,
        today: Day,
        now_ms: i64,
        progress: &mut dyn FnMut(IngestPhase, usize),
    ) -> Result<BatchReceipt, RegistryError> {
        let source_record = self
            .shared
            .sources
            .iter()
            .find(|s| s.id == source)
            .ok_or_else(|| RegistryError::UnknownSource {
                name: source.to_owned(),
                registered: self
                    .shared
                    .sources
                    .iter()
                    .map(|s| s.id.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?
            .clone();
        if let Some(latest) = self.store.latest_recorded()?
            && today < latest
        {
            return Err(RegistryError::Time(format!(
                "`{file_name}` would be recorded on {today}, before {latest}, the latest day the \
                 registry has already recorded: recorded time only moves forward (check the \
                 registry's date, `--today`)"
            )));
        }
        let context = IntakeContext {
            policy: &self.shared.policy,
            source: &source_record,
            pseudonym_key: &self.shared.pseudonym_key,
            today,
            recorded_at_ms: now_ms,
        };
        let batch = intake::read_batch_with_progress(
            &context,
            file_name,
            input,
            format,
            &self.store,
            &mut |rows| progress(IngestPhase::Validating, rows),
        )
        .map_err(|failure| match failure {
            IntakeFailure::Store(e) => RegistryError::Store(e),
            IntakeFailure::Read(e) => RegistryError::Read(e),
            IntakeFailure::Rejected(errors) => {
                tracing::warn!(
                    source,
                    file = file_name,
                    errors = errors.errors.len(),
                    "batch rejected"
                );
                RegistryError::Rejected(errors)
            }
        })?;
        tracing::info!(
            source,
            file = file_name,
            events = batch.events.len(),
            "batch validated"
        );
        let policy = &self.shared.policy;
        let mut evaluator = credence_engine::Evaluator::default();
        let mut recompute = |subject: &StoredSubject, events: &[Event]| {
            standing_bytes(&mut evaluator, policy, subject, events, today)
        };
        let receipt = self.store.ingest(&batch, &mut recompute, &mut |events| {
            progress(IngestPhase::Writing, events)
        })?;
        tracing::info!(
            source,
            batch = receipt.batch,
            appended = receipt.appended,
            unchanged = receipt.unchanged,
            standings = receipt.subjects,
            "batch committed"
        );
        Ok(receipt)
    }

    /// The identifier and the pseudonym the registry keeps for it. Subjects are found by
    /// identifier, never by name.
    fn identify(&self, identifier: &str) -> Result<(Identifier, String), RegistryError> {
        let id = Identifier::parse(
            identifier,
            IdOptions {
                allow_legacy_uscc: true,
            },
        )
        .map_err(|e| RegistryError::Identifier(identifier.to_owned(), e))?;
        let pseudonym = intake::pseudonym(&self.shared.pseudonym_key, &id);
        Ok((id, pseudonym))
    }

    /// The pseudonym the registry keeps for an identifier.
    pub fn pseudonym_of(&self, identifier: &str) -> Result<String, RegistryError> {
        Ok(self.identify(identifier)?.1)
    }

    /// The subject with its events; a valid identifier the registry holds no records about is
    /// a subject with an empty file (it may still be named as an organisation's legal
    /// representative, and rewards open to everyone still apply to it).
    fn resolve(&self, identifier: &str) -> Result<(StoredSubject, Vec<Event>), RegistryError> {
        let (id, pseudonym) = self.identify(identifier)?;
        // Read and verified together: the subject's facts and events against its chain and the
        // heads its batches recorded, and the links naming it against their sealed count.
        match self.store.verified_subject(&pseudonym)? {
            Some(found) => Ok(found),
            None => Ok((
                StoredSubject {
                    id: 0,
                    pseudonym,
                    kind: id.kind(),
                    birth: id.birth_date(),
                    masked: id.masked(),
                },
                Vec::new(),
            )),
        }
    }

    /// The full disclosure a subject is owed, as of `as_of`, as known on `known_at`.
    /// The access is logged as the subject's own, stamped `at`: the registry's date and the
    /// wall-clock time (a bare wall-clock time stands for its UTC day).
    pub fn report(
        &mut self,
        identifier: &str,
        as_of: Day,
        known_at: Day,
        at: impl Into<credence_store::Stamp>,
    ) -> Result<Report, RegistryError> {
        let (subject, events) = self.resolve(identifier)?;
        self.disclose(subject, events, as_of, known_at, at.into())
    }

    /// [`Registry::report`] for the subject a subject's token names (by what the registry keeps
    /// of its identifier, never the identifier).
    pub fn report_of(
        &mut self,
        subject: &SubjectPrincipal,
        as_of: Day,
        known_at: Day,
        at: impl Into<credence_store::Stamp>,
    ) -> Result<Report, RegistryError> {
        let (found, events) = self.resolve_principal(subject)?;
        self.disclose(found, events, as_of, known_at, at.into())
    }

    /// Who looked at the subject a subject's token names, and what they were told. Reading the
    /// log is a read of the subject's data too: it is logged first, as the subject's own
    /// access, stamped `at`.
    pub fn accesses_of(
        &mut self,
        subject: &SubjectPrincipal,
        at: impl Into<credence_store::Stamp>,
    ) -> Result<Vec<SubjectAccess>, RegistryError> {
        let at = at.into();
        self.store.log_access(&credence_store::Access {
            subject: subject.pseudonym.clone(),
            party: SUBJECT_PARTY.to_owned(),
            purpose: "accesses".to_owned(),
            day: at.day,
            at_ms: at.at_ms,
            outcome: "the access log".to_owned(),
        })?;
        Ok(self
            .store
            .accesses(&subject.pseudonym)?
            .into_iter()
            .map(SubjectAccess::from)
            .collect())
    }

    /// The subject a token names, with its events (verified); an empty file when the registry
    /// holds no records about it.
    fn resolve_principal(
        &self,
        subject: &SubjectPrincipal,
    ) -> Result<(StoredSubject, Vec<Event>), RegistryError> {
        match self.store.verified_subject(&subject.pseudonym)? {
            Some(found) => Ok(found),
            None => Ok((
                StoredSubject {
                    id: 0,
                    pseudonym: subject.pseudonym.clone(),
                    kind: subject.kind,
                    // Not kept with the token: a birth date narrows an identifier.
                    birth: None,
                    masked: subject.masked.clone(),
                },
                Vec::new(),
            )),
        }
    }

    /// The disclosure of `subject`, logged as its own access before it is returned.
    fn disclose(
        &mut self,
        subject: StoredSubject,
        mut events: Vec<Event>,
        as_of: Day,
        known_at: Day,
        at: credence_store::Stamp,
    ) -> Result<Report, RegistryError> {
        // The disclosure describes the world as known on `known_at`: what was learned later is
        // not in it, not even in the file.
        events.retain(|e| e.recorded <= known_at);
        let standing = evaluate(
            &self.shared.policy,
            facts(&subject),
            &events,
            as_of,
            known_at,
        );
        let representing = self
            .represented(&subject, as_of, known_at)?
            .into_iter()
            .filter_map(|r| {
                let measures: Vec<credence_engine::MeasureInForce> = r
                    .standing
                    .measures
                    .into_iter()
                    .filter(|m| {
                        self.shared
                            .policy
                            .measure_index(&m.measure)
                            .is_some_and(|i| {
                                self.shared.policy.measures[i]
                                    .extends_to_representative
                                    .is_some()
                            })
                    })
                    .collect();
                (!measures.is_empty()).then_some(Representation {
                    organisation: r.organisation.masked,
                    measures,
                })
            })
            .collect();
        self.store.log_access(&credence_store::Access {
            subject: subject.pseudonym.clone(),
            party: SUBJECT_PARTY.to_owned(),
            purpose: "report".to_owned(),
            day: at.day,
            at_ms: at.at_ms,
            outcome: format!("full disclosure as of {as_of}, as known on {known_at}"),
        })?;
        let accesses = self.store.accesses(&subject.pseudonym)?;
        Ok(crate::answer::disclosure(
            &self.shared.policy,
            &subject,
            events,
            standing,
            representing,
            accesses,
        ))
    }

    /// Whether `measure` applies to the subject on `as_of`, with reasons.
    ///
    /// `party` is the kind of relying party asking (`airline`): it must be one the measure
    /// names, and it learns only this measure's answer. Every check, refused or answered, is
    /// logged and shown to the subject, stamped `at` (as for [`Registry::report`]).
    pub fn check(
        &mut self,
        identifier: &str,
        measure_id: &str,
        as_of: Day,
        party: &str,
        at: impl Into<credence_store::Stamp>,
    ) -> Result<CheckAnswer, RegistryError> {
        let at = at.into();
        let measure_index = self
            .shared
            .policy
            .measure_index(measure_id)
            .ok_or_else(|| RegistryError::UnknownMeasure(measure_id.to_owned()))?;
        let (subject, events) = self.resolve(identifier)?;
        let parties = &self.shared.policy.measures[measure_index].relying_parties;
        // A party that does not apply the measure learns nothing, so nothing is evaluated.
        let outcome = if parties.iter().any(|p| p == party) {
            self.answer(&subject, &events, measure_index, as_of)
        } else {
            Err(RegistryError::NotPermitted {
                party: party.to_owned(),
                measure: measure_id.to_owned(),
                parties: parties.join(", "),
            })
        };
        let told = match &outcome {
            Ok(answer) if answer.applies => format!(
                "applies until {}",
                answer
                    .until
                    .map_or_else(|| "further notice".to_owned(), |d| d.to_string())
            ),
            Ok(_) => "does not apply".to_owned(),
            Err(e) => format!("refused: {e}"),
        };
        self.store.log_access(&credence_store::Access {
            subject: subject.pseudonym,
            party: party.to_owned(),
            purpose: format!("check {measure_id} as of {as_of}"),
            day: at.day,
            at_ms: at.at_ms,
            outcome: told,
        })?;
        outcome
    }

    /// The organisations the subject is the current legal representative of (as of `as_of`, as
    /// known on `known_at`), each with its events and standing. Used only for measures that
    /// declare the extension.
    fn represented(
        &self,
        subject: &StoredSubject,
        as_of: Day,
        known_at: Day,
    ) -> Result<Vec<Represented>, RegistryError> {
        let mut out = Vec::new();
        for linked in self.store.linked_to(&subject.pseudonym)? {
            let Some((organisation, mut events)) =
                self.store.verified_subject(&linked.pseudonym)?
            else {
                continue;
            };
            events.retain(|e| e.recorded <= known_at);
            let representative = credence_engine::lifecycle::representative(
                &self.shared.policy,
                &events,
                as_of,
                known_at,
            );
            if representative == Some(subject.pseudonym.as_str()) {
                let standing = evaluate(
                    &self.shared.policy,
                    facts(&organisation),
                    &events,
                    as_of,
                    known_at,
                );
                out.push(Represented {
                    organisation,
                    standing,
                });
            }
        }
        Ok(out)
    }

    /// The answer to a check, before it is logged.
    fn answer(
        &self,
        subject: &StoredSubject,
        events: &[Event],
        measure_index: usize,
        as_of: Day,
    ) -> Result<CheckAnswer, RegistryError> {
        let measure = &self.shared.policy.measures[measure_index];
        let standing = evaluate(&self.shared.policy, facts(subject), events, as_of, as_of);
        let mut answer =
            crate::answer::check_answer(&self.shared.policy, measure, subject, &standing);
        if !answer.applies && measure.extends_to_representative.is_some() {
            for Represented {
                organisation,
                standing,
            } in self.represented(subject, as_of, as_of)?
            {
                let via = crate::answer::check_answer(
                    &self.shared.policy,
                    measure,
                    &organisation,
                    &standing,
                );
                if via.applies {
                    // The party learns that and why the measure binds the subject, not which
                    // organisation it represents.
                    answer = CheckAnswer {
                        subject: subject.masked.clone(),
                        as_representative: measure.extends_to_representative.clone(),
                        ..via
                    };
                    break;
                }
            }
        }
        Ok(answer)
    }

    /// Issues a bearer token for one principal: `named` is a registered source (role
    /// `source`), a relying party some measure names (`relying-party`), a subject's identifier
    /// (`subject`: kept only as its kind and pseudonym, shown masked) or a person's name
    /// (`operator`, `auditor`). Returns the token, to be handed over once, and what is kept of
    /// it (its SHA-256, never the token).
    pub fn issue_token(
        &mut self,
        role: Role,
        named: &str,
        now_ms: i64,
    ) -> Result<(String, TokenRecord), RegistryError> {
        let (principal, label) = match role {
            Role::Source => {
                if !self.shared.sources.iter().any(|s| s.id == named) {
                    return Err(RegistryError::UnknownSource {
                        name: named.to_owned(),
                        registered: self
                            .shared
                            .sources
                            .iter()
                            .map(|s| s.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                (named.to_owned(), named.to_owned())
            }
            Role::RelyingParty => {
                if !self.shared.relying_parties.contains(named) {
                    return Err(RegistryError::UnknownParty {
                        name: named.to_owned(),
                        known: self
                            .shared
                            .relying_parties
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .join(", "),
                    });
                }
                (named.to_owned(), named.to_owned())
            }
            Role::Subject => {
                let (id, pseudonym) = self.identify(named)?;
                (format!("{}:{pseudonym}", id.kind()), id.masked())
            }
            Role::Operator | Role::Auditor => {
                if named.trim().is_empty() {
                    return Err(RegistryError::Principal(format!(
                        "a token for an {role} names the person it is for: `--for NAME`"
                    )));
                }
                if let Some(message) = credence_model::text::forbidden_message(named) {
                    return Err(RegistryError::Principal(format!(
                        "the name of the {role}: {message}"
                    )));
                }
                (named.to_owned(), named.to_owned())
            }
        };
        let token = format!(
            "{}{}",
            crate::tokens::TOKEN_PREFIX,
            credence_store::keys::random_hex()?
        );
        let hash = crate::tokens::token_hash(&token);
        let record = TokenRecord {
            id: hash[..12].to_owned(),
            hash,
            role: role.as_str().to_owned(),
            principal,
            label,
            issued_at_ms: now_ms,
            revoked_at_ms: None,
        };
        self.store.add_token(&record)?;
        tracing::info!(id = %record.id, role = %role, "token issued");
        Ok((token, record))
    }

    /// What a presented token is: valid (and whom it names), revoked, or unknown. A token whose
    /// source or relying party the policy in force no longer knows opens nothing.
    pub fn present(&self, token: &str) -> Result<Presented, RegistryError> {
        let Some(record) = self.store.token(&crate::tokens::token_hash(token))? else {
            return Ok(Presented::Unknown);
        };
        if let Some(at_ms) = record.revoked_at_ms {
            return Ok(Presented::Revoked {
                id: record.id,
                at_ms,
            });
        }
        let principal = crate::tokens::principal_of(&record);
        let registered = match &principal {
            Some(Principal::Source { source }) => {
                self.shared.sources.iter().any(|s| &s.id == source)
            }
            Some(Principal::RelyingParty { party }) => self.shared.relying_parties.contains(party),
            Some(_) => true,
            None => false,
        };
        Ok(match principal {
            Some(principal) if registered => Presented::Valid {
                id: record.id,
                principal,
            },
            _ => Presented::Unknown,
        })
    }

    /// Every token issued, revoked ones included (what is kept of them: never a token).
    pub fn tokens(&self) -> Result<Vec<TokenRecord>, RegistryError> {
        Ok(self.store.tokens()?)
    }

    /// Revokes a token by its id; from then on it opens nothing.
    pub fn revoke_token(&mut self, id: &str, now_ms: i64) -> Result<TokenRecord, RegistryError> {
        let revoked = self
            .store
            .revoke_token(id, now_ms)?
            .ok_or_else(|| RegistryError::UnknownToken(id.to_owned()))?;
        tracing::info!(id, "token revoked");
        Ok(revoked)
    }

    /// Every registered source's measured reliability, from the history.
    pub fn source_quality(&self, today: Day) -> Result<Vec<SourceQuality>, RegistryError> {
        let activity = self.store.source_activity()?;
        let Reversals { lost, unanswered } = self.reversals(today)?;
        Ok(self
            .shared
            .sources
            .iter()
            .map(|source| {
                let found = activity.iter().find(|a| a.source == source.id);
                let count = |action: &str| {
                    found
                        .and_then(|a| a.actions.get(action).copied())
                        .unwrap_or(0)
                };
                let records = count("record");
                let disputes_lost = lost.get(&source.id).copied().unwrap_or(0);
                let disputes_unanswered = unanswered.get(&source.id).copied().unwrap_or(0);
                let per_record = |n: u64| {
                    if records == 0 {
                        0.0
                    } else {
                        n as f64 / records as f64
                    }
                };
                SourceQuality {
                    source: source.id.clone(),
                    records,
                    corrections: count("correct"),
                    retractions: count("retract"),
                    disputes: count("dispute"),
                    disputes_lost,
                    disputes_unanswered,
                    reversal_rate: per_record(
                        count("retract") + disputes_lost + disputes_unanswered,
                    ),
                    correction_rate: per_record(count("correct")),
                }
            })
            .collect())
    }

    /// Per source, the disputes its records lost (as the engine's state machine decides,
    /// [`credence_engine::lifecycle::disputes_lost`]) and those whose deadline (the category's
    /// `dispute_answer` from the dispute's date) passed by `today` without an answer dated by
    /// the deadline.
    fn reversals(&self, today: Day) -> Result<Reversals, RegistryError> {
        use credence_model::Action;
        let policy = &self.shared.policy;
        let mut lost: std::collections::HashMap<String, u64> = std::collections::HashMap::new();
        let mut unanswered: std::collections::HashMap<String, u64> =
            std::collections::HashMap::new();
        self.store.scan(&mut |subject, events| {
            for index in credence_engine::lifecycle::disputes_lost(policy, facts(subject), events) {
                if let Some(answer) = events.get(index) {
                    *lost.entry(answer.source.clone()).or_default() += 1;
                }
            }
            for (index, dispute) in events.iter().enumerate() {
                if dispute.action != Action::Dispute {
                    continue;
                }
                let Some(category) = policy.category_id(&dispute.category) else {
                    continue;
                };
                let deadline = policy
                    .category(category)
                    .dispute_answer
                    .after(dispute.valid, &policy.calendar);
                // `deadline` is the first day after the last day to answer.
                if deadline > today {
                    continue;
                }
                let answered = events[index + 1..].iter().any(|answer| {
                    answer.action == Action::Resolve
                        && answer.source == dispute.source
                        && answer.target == dispute.target
                        && answer.valid >= dispute.valid
                        && answer.valid < deadline
                });
                if !answered {
                    *unanswered.entry(dispute.source.clone()).or_default() += 1;
                }
            }
        })?;
        Ok(Reversals { lost, unanswered })
    }

    /// Re-evaluates every subject and rewrites the stored standings.
    ///
    /// Subjects are read in one snapshot and evaluated outside any write lock, so a batch may
    /// commit meanwhile; the store then evaluates the subjects that batch grew once more, from
    /// their history as it is when the standings are written (`Store::put_standings`): a
    /// recompute racing an intake never leaves a standing computed from a stale history.
    /// `progress` is told how many subjects were evaluated, after each chunk.
    pub fn recompute(
        &mut self,
        as_of: Day,
        progress: &mut dyn FnMut(usize),
    ) -> Result<usize, RegistryError> {
        use rayon::prelude::*;
        /// Subjects read from the store before they are evaluated in parallel.
        const CHUNK_SUBJECTS: usize = 16_384;
        let policy = &self.shared.policy;
        let mut standings: Vec<StandingUpdate> = Vec::new();
        let mut chunk: Vec<(StoredSubject, Vec<Event>)> = Vec::with_capacity(CHUNK_SUBJECTS);
        let mut flush = |chunk: &mut Vec<(StoredSubject, Vec<Event>)>,
                         progress: &mut dyn FnMut(usize)| {
            let computed: Vec<StandingUpdate> = chunk
                .par_iter()
                .map_init(
                    credence_engine::Evaluator::default,
                    |evaluator, (subject, events)| StandingUpdate {
                        subject: subject.id,
                        events: events.len(),
                        body: standing_bytes(evaluator, policy, subject, events, as_of),
                    },
                )
                .collect();
            progress(computed.len());
            standings.extend(computed);
            chunk.clear();
        };
        self.store.scan(&mut |subject, events| {
            chunk.push((subject.clone(), events.to_vec()));
            if chunk.len() == CHUNK_SUBJECTS {
                flush(&mut chunk, progress);
            }
        })?;
        flush(&mut chunk, progress);
        let mut evaluator = credence_engine::Evaluator::default();
        let again = self
            .store
            .put_standings(&standings, &mut |subject, events| {
                standing_bytes(&mut evaluator, policy, subject, events, as_of)
            })?;
        tracing::info!(
            subjects = standings.len(),
            again,
            %as_of,
            "standings recomputed"
        );
        Ok(standings.len())
    }
}

/// The facts about a subject that rules may read.
pub fn facts(subject: &StoredSubject) -> SubjectFacts {
    SubjectFacts {
        kind: subject.kind,
        birth: subject.birth,
    }
}

/// The stored form of a standing: the compact row of the population layout (every scheme's
/// and scorecard's points and grade, every list's end day), little-endian `i32`s after the
/// day it was computed for. Kept current on ingest so that a population's standings can be
/// read without evaluating; the explanation is computed by the same engine when a report or a
/// check asks for it.
pub fn standing_bytes(
    evaluator: &mut credence_engine::Evaluator,
    policy: &Policy,
    subject: &StoredSubject,
    events: &[Event],
    as_of: Day,
) -> Vec<u8> {
    let history = credence_engine::History::build(policy, facts(subject), events);
    let layout = credence_engine::CompactLayout::new(policy);
    let mut row = vec![0i32; layout.width()];
    if let Some(view) = history.view() {
        evaluator.compact(policy, view, as_of, as_of, &layout, &mut row);
    }
    let mut bytes = Vec::with_capacity(4 * (row.len() + 1));
    bytes.extend_from_slice(&as_of.0.to_le_bytes());
    for value in row {
        bytes.extend_from_slice(&value.to_le_bytes());
    }
    bytes
}

/// Who the subject is in the access log when it asks about itself.
pub const SUBJECT_PARTY: &str = "subject";
