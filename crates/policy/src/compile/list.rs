//! Red and black lists: grounds, durations, extension, exits and bars.

use super::*;

impl Compiler<'_> {
    pub(super) fn list(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::ListDoc>,
        policy: &mut Policy,
    ) -> List {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span, doc.id.span()),
            &format!("list `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let index = u16::try_from(policy.lists.len()).unwrap_or(u16::MAX);
        let subjects = self.kinds(file, &doc.subjects);
        let context = self.context(file, &doc.context);
        let colour = match doc.colour.get_ref().as_str() {
            "red" => Colour::Red,
            "black" => Colour::Black,
            other => {
                self.error(
                    file,
                    doc.colour.span(),
                    "list",
                    format!("`{other}` is not a list colour"),
                    Some("use \"red\" (rewards) or \"black\" (restrictions)".into()),
                );
                Colour::Black
            }
        };
        let publish = doc
            .publish
            .as_ref()
            .map(|p| self.kinds(file, p))
            .unwrap_or_default();
        if publish.person
            && let Some(p) = &doc.publish
        {
            self.error(file, p.span(), refusal::PUBLISH_PERSONS, "a list may not publish persons", Some("credence never publishes individuals: relying parties ask about one subject for one measure; publish organisations only".into()));
        }
        let mut exits = Exits::default();
        for exit in doc.exit.get_ref() {
            match exit.as_str() {
                "performance" => exits.performance = true,
                "retraction" => exits.retraction = true,
                "repair" => exits.repair = true,
                other => self.error(
                    file,
                    doc.exit.span(),
                    "list",
                    format!("`{other}` is not an exit"),
                    Some("use performance, retraction and/or repair".into()),
                ),
            }
        }
        if !exits.retraction {
            self.error(
                file,
                doc.exit.span(),
                "list",
                "every list must end an entry whose record is retracted",
                Some("add \"retraction\" to `exit`".into()),
            );
        }
        let extension = doc.extension.as_ref().map(|e| {
            let e = e.get_ref();
            let mut months = |text: &S<String>| match self.duration(file, text) {
                Some(d) if d.months().is_some() => d,
                Some(_) => {
                    self.error(
                        file,
                        text.span(),
                        "list",
                        "an extension is written in months or years (`12mo`, `3y`)",
                        None,
                    );
                    Duration::Years(1)
                }
                None => Duration::Years(1),
            };
            let (min, max) = (months(&e.min), months(&e.max));
            if min.may_exceed(max) {
                self.error(
                    file,
                    e.min.span(),
                    "list",
                    format!("the extension's minimum `{min}` is longer than its maximum `{max}`"),
                    None,
                );
            }
            Extension {
                min,
                max,
                basis: e.basis.get_ref().clone(),
                when_text: e.when.as_ref().map(|w| w.get_ref().clone()),
            }
        });
        let mut grounds = Vec::new();
        let mut seen = HashSet::new();
        let so_far = ListSoFar {
            index,
            id: doc.id.get_ref(),
            subjects,
            colour,
            exits,
            extension: extension.is_some(),
            extension_when: doc
                .extension
                .as_ref()
                .and_then(|e| e.get_ref().when.as_ref()),
        };
        for ground in &doc.ground {
            if let Some(ground) =
                self.ground(file, &so_far, grounds.len(), ground, &mut seen, policy)
            {
                grounds.push(ground);
            }
        }
        if grounds.is_empty() {
            self.error(
                file,
                doc.id.span(),
                "list",
                format!("list `{}` has no grounds", doc.id.get_ref()),
                Some("every entry needs a specific legal ground: add [[list.ground]]".into()),
            );
        }
        let mut bars = Vec::new();
        for bar in &doc.bar {
            let b = bar.get_ref();
            self.check_id(file, &b.id, &mut seen, "bar");
            self.special_texts(
                file,
                (bar.span(), b.id.span()),
                &format!("bar `{}`", b.id.get_ref()),
                &[("title", Some(&b.title))],
            );
            let rule = if b.minor.as_ref().is_some_and(|m| *m.get_ref()) {
                for (field, value) in [
                    ("category", &b.category),
                    ("same", &b.same),
                    ("when", &b.when),
                ] {
                    if let Some(value) = value {
                        self.error(
                            file,
                            value.span(),
                            "bar",
                            format!(
                                "bar `{}` has `minor = true` and `{field}`: a bar bars minors or reads records, not both",
                                b.id.get_ref()
                            ),
                            Some("split it into two bars, one with `minor = true` and one with `category`".into()),
                        );
                    }
                }
                BarRule::Minor
            } else if let Some(category_name) = &b.category {
                let Some(category_id) = self.category_ref(file, policy, category_name) else {
                    continue;
                };
                let category = policy.category(category_id).clone();
                let when = self.condition(file, &category, b.when.as_ref());
                let (bar_slot, ground_slots) = match &b.same {
                    None => (None, vec![None; grounds.len()]),
                    Some(same) => {
                        let bar_slot = self
                            .attribute(file, same.span(), &category, same.get_ref())
                            .map(|(s, _)| s);
                        let mut slots = Vec::new();
                        for ground in &grounds {
                            let ground_category = policy.category(ground.category).clone();
                            slots.push(
                                self.attribute(file, same.span(), &ground_category, same.get_ref())
                                    .map(|(s, _)| s),
                            );
                        }
                        (bar_slot, slots)
                    }
                };
                let bar_index = u16::try_from(bars.len()).unwrap_or(u16::MAX);
                policy.uses[usize::from(category_id.0)]
                    .bars
                    .push((index, bar_index));
                BarRule::Record {
                    category: category_id,
                    when,
                    same: b.same.as_ref().map(|s| s.get_ref().clone()),
                    bar_slot,
                    ground_slots,
                }
            } else {
                let mut reported = false;
                for (field, value) in [("same", &b.same), ("when", &b.when)] {
                    if let Some(value) = value {
                        reported = true;
                        self.error(
                            file,
                            value.span(),
                            "bar",
                            format!(
                                "`{field}` of bar `{}` reads the records of a `category`, and the bar has none",
                                b.id.get_ref()
                            ),
                            Some(format!("add the `category` whose records bar the entry, or remove `{field}`")),
                        );
                    }
                }
                if !reported {
                    self.error(
                        file,
                        bar.span(),
                        "bar",
                        "a bar needs `minor = true` or a `category`",
                        Some("write `minor = true` (the subject is a minor) or `category = \"...\"` (a counting record of that category bars the entry)".into()),
                    );
                }
                continue;
            };
            let bar_grounds = b.grounds.as_ref().map(|names| {
                let mut indexes = Vec::new();
                for name in names.get_ref() {
                    match grounds.iter().position(|g| &g.id == name) {
                        Some(i) => indexes.push(u16::try_from(i).unwrap_or(u16::MAX)),
                        None => self.error(
                            file,
                            names.span(),
                            "bar",
                            format!(
                                "bar `{}` names ground `{name}`, which list `{}` does not have",
                                b.id.get_ref(),
                                doc.id.get_ref()
                            ),
                            Some(format!(
                                "use the ids of the list's grounds: {}",
                                grounds
                                    .iter()
                                    .map(|g| g.id.as_str())
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )),
                        ),
                    }
                }
                if names.get_ref().is_empty() {
                    self.error(
                        file,
                        names.span(),
                        "bar",
                        format!("bar `{}` applies to no ground", b.id.get_ref()),
                        Some(
                            "name the grounds it bars, or remove `grounds` to bar every ground"
                                .into(),
                        ),
                    );
                }
                indexes
            });
            bars.push(Bar {
                id: b.id.get_ref().clone(),
                title: b.title.clone(),
                basis: b.basis.get_ref().clone(),
                grounds: bar_grounds,
                rule,
            });
        }
        List {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            colour,
            subjects,
            context,
            basis: doc.basis.get_ref().clone(),
            description: doc.description.clone(),
            publish,
            exits,
            extension,
            grounds,
            bars,
            suspends: None,
            pack,
        }
    }

    /// A list's `suspends`, resolved once every measure of the set is compiled.
    pub(super) fn suspension(
        &mut self,
        file: usize,
        doc: &S<syntax::ListDoc>,
        policy: &mut Policy,
    ) {
        let doc = doc.get_ref();
        let Some(suspends) = &doc.suspends else {
            return;
        };
        let Some(index) = policy.list_index(doc.id.get_ref()) else {
            return;
        };
        let s = suspends.get_ref();
        if s.basis.get_ref().trim().is_empty() {
            self.error(
                file,
                s.basis.span(),
                "list",
                "`suspends` needs the legal basis that removes the rewards",
                None,
            );
        }
        if policy.lists[index].colour != Colour::Black {
            self.error(
                file,
                suspends.span(),
                "list",
                "only a black list suspends rewards",
                None,
            );
        }
        let mut suspension = Suspension {
            all: false,
            measures: Vec::new(),
            basis: s.basis.get_ref().clone(),
        };
        match s.rewards.get_ref() {
            syntax::RewardsDoc::All(all) if all == "all" => suspension.all = true,
            syntax::RewardsDoc::All(other) => self.error(
                file,
                s.rewards.span(),
                "list",
                format!("`rewards = \"{other}\"`: write \"all\" or a list of reward measures"),
                None,
            ),
            syntax::RewardsDoc::These(ids) => {
                for id in ids {
                    match policy.measure_index(id) {
                        Some(m) if policy.measures[m].effect == Effect::Reward => {
                            suspension.measures.push(m);
                        }
                        Some(_) => self.error(
                            file,
                            s.rewards.span(),
                            "list",
                            format!("`{id}` is a restriction; a list suspends rewards only"),
                            None,
                        ),
                        None => self.error(
                            file,
                            s.rewards.span(),
                            "list",
                            format!("no reward measure `{id}` in the set"),
                            None,
                        ),
                    }
                }
            }
        }
        policy.lists[index].suspends = Some(suspension);
    }

    /// One `[[list.ground]]`, checked against its list and registered in the uses of its
    /// category.
    fn ground(
        &mut self,
        file: usize,
        list: &ListSoFar<'_>,
        ground_index: usize,
        ground: &S<syntax::GroundDoc>,
        seen: &mut HashSet<String>,
        policy: &mut Policy,
    ) -> Option<Ground> {
        let g = ground.get_ref();
        self.check_id(file, &g.id, seen, "ground");
        self.special_texts(
            file,
            (ground.span(), g.id.span()),
            &format!("ground `{}`", g.id.get_ref()),
            &[("title", Some(&g.title))],
        );
        let category_id = self.category_ref(file, policy, &g.category)?;
        let category = policy.category(category_id).clone();
        if !overlap(category.subjects, list.subjects) {
            self.error(
                file,
                g.category.span(),
                "ground",
                format!(
                    "`{}` records are about {}, and the list holds {}: ground `{}` never applies",
                    category.id,
                    category.subjects.describe(),
                    list.subjects.describe(),
                    g.id.get_ref()
                ),
                Some("ground the list on records about the subjects it can hold".into()),
            );
        }
        if category.kind == CategoryKind::Contribution && list.colour == Colour::Black {
            self.error(
                file,
                g.category.span(),
                refusal::PENALTY_ON_CONTRIBUTION,
                format!(
                    "a voluntary contribution (`{}`) cannot be a ground of a black list",
                    category.id
                ),
                None,
            );
        } else if list.colour == Colour::Red && !category.kind.may_reward() {
            self.error(
                file,
                g.category.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "`{}` is a {} category and cannot put a subject on the red list `{}`",
                    category.id,
                    category.kind.as_str(),
                    list.id
                ),
                Some(
                    "rewards come from fulfilled obligations and recorded contributions only"
                        .into(),
                ),
            );
        } else if list.colour == Colour::Black && !category.kind.may_penalise() {
            self.error(
                file,
                g.category.span(),
                "ground",
                format!(
                    "`{}` is a {} category; black-list grounds are breaches or adjudications",
                    category.id,
                    category.kind.as_str()
                ),
                None,
            );
        }
        let duration = match g.duration.get_ref().as_str() {
            "until-performed" => {
                if !list.exits.performance {
                    self.error(
                        file,
                        g.duration.span(),
                        "ground",
                        "`until-performed` needs \"performance\" in the list's `exit`",
                        None,
                    );
                }
                None
            }
            _ => self.duration(file, &g.duration),
        };
        if let Some(d) = duration
            && d.may_exceed(category.retention)
        {
            self.error(
                file,
                g.duration.span(),
                "ground",
                format!(
                    "duration `{d}` outlives the category's retention `{}`",
                    category.retention
                ),
                None,
            );
        }
        let repair_after = g.repair_after.as_ref().and_then(|r| self.duration(file, r));
        if repair_after.is_some() && !list.exits.repair {
            self.error(
                file,
                g.repair_after.as_ref().map_or(ground.span(), |r| r.span()),
                "ground",
                "`repair_after` needs \"repair\" in the list's `exit`",
                None,
            );
        }
        let extendable_span = || {
            self.key_span(file, ground.span(), "extendable")
                .unwrap_or(ground.span())
        };
        if g.extendable && duration.is_none() && g.duration.get_ref() == "until-performed" {
            let span = extendable_span();
            self.error(
                file,
                span,
                "ground",
                format!(
                    "ground `{}` lasts `until-performed`, which no extension lengthens",
                    g.id.get_ref()
                ),
                Some("remove `extendable`, or give the ground a fixed `duration`".into()),
            );
        } else if g.extendable && !list.extension {
            let span = extendable_span();
            self.error(
                file,
                span,
                "ground",
                "an extendable ground needs the list's `extension`",
                Some("add `extension = { min = \"1y\", max = \"3y\", basis = \"...\" }` to the list, or remove `extendable`".into()),
            );
        }
        let when = self.condition(file, &category, g.when.as_ref());
        let extension_when = if g.extendable {
            self.condition(file, &category, list.extension_when)
        } else {
            Condition::Always
        };
        let ground_index = u16::try_from(ground_index).unwrap_or(u16::MAX);
        policy.uses[usize::from(category_id.0)]
            .grounds
            .push((list.index, ground_index));
        Some(Ground {
            id: g.id.get_ref().clone(),
            title: g.title.clone(),
            category: category_id,
            when,
            when_text: g.when.as_ref().map(|w| w.get_ref().clone()),
            duration,
            duration_slot: 0,
            repair_after,
            extendable: g.extendable,
            extension_when,
            basis: g.basis.get_ref().clone(),
        })
    }
}

/// What a ground is checked against: its list, as far as it is compiled.
struct ListSoFar<'a> {
    index: u16,
    id: &'a str,
    subjects: Kinds,
    colour: Colour,
    exits: Exits,
    extension: bool,
    /// The extension's condition, compiled for each ground's category.
    extension_when: Option<&'a S<String>>,
}
