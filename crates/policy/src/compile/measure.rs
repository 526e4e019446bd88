//! Measures: effects, triggers, legal links and the extension to the legal representative.

use super::*;

impl Compiler<'_> {
    pub(super) fn measure(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::MeasureDoc>,
        policy: &Policy,
    ) -> Option<Measure> {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span.clone(), doc.id.span()),
            &format!("measure `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let effect = match doc.effect.get_ref().as_str() {
            "reward" => Effect::Reward,
            "restriction" => Effect::Restriction,
            other => {
                self.error(
                    file,
                    doc.effect.span(),
                    "measure",
                    format!("`{other}` is not an effect"),
                    Some("use \"reward\" or \"restriction\"".into()),
                );
                return None;
            }
        };
        let context = self.context(file, &doc.context);
        let trigger = self.trigger(file, &doc.on, policy)?;
        let grounds = self.trigger_grounds(file, &doc.on, &trigger, policy);
        let subjects = match &trigger {
            Trigger::List(l) => policy.lists[*l].subjects,
            Trigger::SchemeGrades { scheme, .. } | Trigger::SchemeScore { scheme, .. } => {
                policy.schemes[*scheme].subjects
            }
            Trigger::ScorecardBands { scorecard, .. }
            | Trigger::ScorecardScore { scorecard, .. } => policy.scorecards[*scorecard].subjects,
        };
        let binds_persons = subjects.person || doc.extends_to.is_some();
        self.measure_texts(file, span.clone(), doc, effect, binds_persons);
        if effect == Effect::Reward
            && let Trigger::List(l) = &trigger
            && policy.lists[*l].colour == Colour::Black
        {
            self.error(
                file,
                doc.on.span(),
                "measure",
                format!("a reward cannot bind to the black list `{}`", policy.lists[*l].id),
                Some("rewards bind to red lists (fulfilments and contributions) or to a scheme's grades or score; a black list carries restrictions".into()),
            );
        }
        if effect == Effect::Restriction {
            match &trigger {
                Trigger::List(l) => {
                    let list = &policy.lists[*l];
                    if list.colour == Colour::Red {
                        self.error(file, doc.on.span(), "measure", format!("a restriction cannot bind to the red list `{}`", list.id), Some("restrictions bind to black lists, whose grounds are breaches and adjudications".into()));
                    }
                    let mut contexts: Vec<Context> = list
                        .grounds
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| grounds.as_ref().is_none_or(|g| g.contains(&(*i as u16))))
                        .map(|(_, g)| g.category.map_or(list.context, |c| policy.category(c).context))
                        .collect();
                    contexts.dedup();
                    let named: Vec<&str> = contexts.iter().map(|c| c.as_str()).collect();
                    let linked = doc.link.as_ref().is_some_and(|l| !l.get_ref().basis.get_ref().trim().is_empty());
                    if binds_persons && contexts.iter().any(|c| *c != context) && !linked {
                        self.error(file, doc.context.span(), refusal::CROSS_CONTEXT, format!("restriction `{}` applies in `{context}` but its grounds are in `{}`", doc.id.get_ref(), named.join("`, `")), Some("a restriction on persons outside the context of its grounds needs the published legal link: add `link = { basis = \"...\" }` citing the law that connects them (EU AI Act art. 5(1)(c))".into()));
                    }
                }
                _ => self.error(file, doc.on.span(), refusal::RESTRICTION_ON_SCORE, format!("restriction `{}` is triggered by a points total, grade or score", doc.id.get_ref()), Some("restrictions attach only to lists with specific legal grounds; a score or grade can only unlock rewards".into())),
            }
        }
        let extends_to_representative = match &doc.extends_to {
            None => None,
            Some(extends) => {
                let e = extends.get_ref();
                if e.to.get_ref() != refusal::REPRESENTATIVE {
                    self.error(file, e.to.span(), refusal::OTHER_SUBJECT, format!("a measure cannot extend to `{}`", e.to.get_ref()), Some("the only extension the law gives is from an organisation to its legal representative: `to = \"legal-representative\"`".into()));
                    None
                } else if !subjects.organisation {
                    self.error(
                        file,
                        extends.span(),
                        "measure",
                        "only measures on organisations can extend to a legal representative",
                        None,
                    );
                    None
                } else if e.basis.get_ref().trim().is_empty() {
                    self.error(
                        file,
                        e.basis.span(),
                        "measure",
                        "the extension needs its legal basis",
                        None,
                    );
                    None
                } else {
                    Some(e.basis.get_ref().clone())
                }
            }
        };
        if doc.relying_parties.get_ref().is_empty() {
            self.error(
                file,
                doc.relying_parties.span(),
                "measure",
                "name the relying parties that apply the measure",
                None,
            );
        }
        if let Some(link) = &doc.link
            && link.get_ref().basis.get_ref().trim().is_empty()
        {
            self.error(
                file,
                link.get_ref().basis.span(),
                "measure",
                "the link needs its legal basis",
                Some(
                    "cite the provision that connects the restriction's context to its grounds"
                        .into(),
                ),
            );
        }
        if doc.basis.get_ref().trim().is_empty() {
            self.error(
                file,
                doc.basis.span(),
                "measure",
                "every measure needs its legal basis",
                None,
            );
        }
        Some(Measure {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            effect,
            context,
            trigger,
            grounds,
            basis: doc.basis.get_ref().clone(),
            relying_parties: doc.relying_parties.get_ref().clone(),
            description: doc.description.clone(),
            link: doc
                .link
                .as_ref()
                .map(|l| l.get_ref().basis.get_ref().clone()),
            extends_to_representative,
            pack,
        })
    }

    /// What only a measure's words reveal: publication of the persons it binds, and a reward
    /// that restores what every person has by default.
    fn measure_texts(
        &mut self,
        file: usize,
        table: Range<usize>,
        doc: &syntax::MeasureDoc,
        effect: Effect,
        binds_persons: bool,
    ) {
        use crate::lexicon::{Scope, find};
        let mut texts: Vec<(&str, Range<usize>, &str)> = vec![
            (doc.id.get_ref(), doc.id.span(), "id"),
            (&doc.title, doc.id.span(), "title"),
        ];
        if let Some(description) = &doc.description {
            texts.push((description, doc.id.span(), "description"));
        }
        for party in doc.relying_parties.get_ref() {
            texts.push((party, doc.relying_parties.span(), "relying party"));
        }
        let mut scopes = Vec::new();
        if binds_persons {
            scopes.push(Scope::Measure);
        }
        if effect == Effect::Reward {
            scopes.push(Scope::Reward);
        }
        for (text, span, field) in texts {
            let Some(hit) = find(text, &scopes) else {
                continue;
            };
            let help = if hit.class.code == refusal::PUBLISH_PERSONS {
                "credence never publishes individuals: a relying party asks about one subject for one measure it applies itself; publish organisations only, through a list's `publish`"
            } else {
                "a reward can only add to what every person has by default (a deposit waived, a faster approval); being allowed what everyone may do is the lifting of a restriction, not a reward"
            };
            let span = match field {
                "title" | "description" => {
                    self.key_span(file, table.clone(), field).unwrap_or(span)
                }
                _ => span,
            };
            self.error(
                file,
                span,
                hit.class.code,
                format!(
                    "the {field} of measure `{}` names {} (`{}` in `{text}`)",
                    doc.id.get_ref(),
                    hit.class.name,
                    hit.term
                ),
                Some(help.into()),
            );
            return;
        }
    }

    /// The grounds a list-triggered measure is limited to, if it names any.
    pub(super) fn trigger_grounds(
        &mut self,
        file: usize,
        on: &S<syntax::TriggerDoc>,
        trigger: &Trigger,
        policy: &Policy,
    ) -> Option<Vec<u16>> {
        let names = on.get_ref().grounds.as_ref()?;
        let Trigger::List(list) = trigger else {
            self.error(
                file,
                names.span(),
                "measure",
                "`grounds` only narrows a list trigger",
                None,
            );
            return None;
        };
        let list = &policy.lists[*list];
        let mut indexes = Vec::new();
        for name in names.get_ref() {
            match list.grounds.iter().position(|g| &g.id == name) {
                Some(i) => indexes.push(u16::try_from(i).unwrap_or(u16::MAX)),
                None => {
                    let all: Vec<&str> = list.grounds.iter().map(|g| g.id.as_str()).collect();
                    self.error(
                        file,
                        names.span(),
                        "measure",
                        format!("list `{}` has no ground `{name}`", list.id),
                        Some(format!("its grounds are {}", all.join(", "))),
                    );
                }
            }
        }
        if names.get_ref().is_empty() {
            self.error(
                file,
                names.span(),
                "measure",
                "name at least one ground, or leave `grounds` out",
                None,
            );
        }
        Some(indexes)
    }

    pub(super) fn trigger(
        &mut self,
        file: usize,
        on: &S<syntax::TriggerDoc>,
        policy: &Policy,
    ) -> Option<Trigger> {
        let t = on.get_ref();
        let help = Some("write `on = { list = \"...\" }`, `on = { scheme = \"...\", grades = [...] }` or `on = { scheme = \"...\", score_at_least = N }`".to_owned());
        match (&t.list, &t.scheme, &t.grades, &t.score_at_least) {
            (Some(list), None, None, None) => match policy.list_index(list.get_ref()) {
                Some(l) => Some(Trigger::List(l)),
                None => {
                    self.error(
                        file,
                        list.span(),
                        "measure",
                        format!("no list `{}`", list.get_ref()),
                        None,
                    );
                    None
                }
            },
            (None, Some(scheme), grades, score) if grades.is_some() != score.is_some() => {
                let name = scheme.get_ref();
                if let Some(s) = policy.scheme_index(name) {
                    let scheme_doc = &policy.schemes[s];
                    if let Some(grades) = grades {
                        let indexes = self.grade_refs(file, grades, &scheme_doc.grades)?;
                        Some(Trigger::SchemeGrades {
                            scheme: s,
                            grades: indexes,
                        })
                    } else {
                        Some(Trigger::SchemeScore {
                            scheme: s,
                            min: score.as_ref().map_or(0, |s| *s.get_ref()),
                        })
                    }
                } else if let Some(c) = policy.scorecards.iter().position(|c| &c.id == name) {
                    if let Some(grades) = grades {
                        let indexes = self.grade_refs(file, grades, &policy.scorecards[c].bands)?;
                        Some(Trigger::ScorecardBands {
                            scorecard: c,
                            bands: indexes,
                        })
                    } else {
                        Some(Trigger::ScorecardScore {
                            scorecard: c,
                            min: score.as_ref().map_or(0, |s| *s.get_ref()),
                        })
                    }
                } else {
                    self.error(
                        file,
                        scheme.span(),
                        "measure",
                        format!("no scheme, rating or scorecard `{name}`"),
                        None,
                    );
                    None
                }
            }
            _ => {
                self.error(
                    file,
                    on.span(),
                    "measure",
                    "a measure is triggered by a list, or by a scheme's grades or score",
                    help,
                );
                None
            }
        }
    }

    pub(super) fn grade_refs(
        &mut self,
        file: usize,
        names: &S<Vec<String>>,
        grades: &[Grade],
    ) -> Option<Vec<u8>> {
        let mut indexes = Vec::new();
        for name in names.get_ref() {
            match grades.iter().position(|g| &g.name == name) {
                Some(i) => indexes.push(u8::try_from(i).unwrap_or(u8::MAX)),
                None => {
                    let all: Vec<&str> = grades.iter().map(|g| g.name.as_str()).collect();
                    self.error(
                        file,
                        names.span(),
                        "measure",
                        format!("no grade `{name}`"),
                        Some(format!("the grades are {}", all.join(", "))),
                    );
                    return None;
                }
            }
        }
        Some(indexes)
    }
}
