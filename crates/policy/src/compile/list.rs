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
            context,
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
                            // A ground on a grade has no record to compare: bars read records.
                            let slot = match ground.category {
                                Some(c) => {
                                    let ground_category = policy.category(c).clone();
                                    self.attribute(
                                        file,
                                        same.span(),
                                        &ground_category,
                                        same.get_ref(),
                                    )
                                    .map(|(s, _)| s)
                                }
                                None => None,
                            };
                            slots.push(slot);
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
                        Some(i) if grounds[i].rated.is_some() => self.error(
                            file,
                            names.span(),
                            "bar",
                            format!(
                                "bar `{}` names ground `{name}`, which is a grade: bars read the record behind an entry, and a grade has none",
                                b.id.get_ref()
                            ),
                            None,
                        ),
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
        let category_name = match (&g.category, &g.rating) {
            (Some(category), None) => category,
            (None, Some(rating)) => {
                return self.rated_ground(file, list, ground, rating, policy);
            }
            (Some(category), Some(_)) => {
                self.error(
                    file,
                    category.span(),
                    "ground",
                    format!(
                        "ground `{}` has both a `category` and a `rating`",
                        g.id.get_ref()
                    ),
                    Some("a ground is records of one category, or one grade of a rating: split it into two grounds".into()),
                );
                return None;
            }
            (None, None) => {
                self.error(
                    file,
                    ground.span(),
                    "ground",
                    format!("ground `{}` needs a `category`", g.id.get_ref()),
                    Some("name the category whose records put a subject on the list".into()),
                );
                return None;
            }
        };
        if let Some(grade) = &g.grade {
            self.error(
                file,
                grade.span(),
                "ground",
                "`grade` belongs to a ground on a `rating`",
                Some("remove `grade`, or ground the entry on `rating` and `grade` instead of `category`".into()),
            );
        }
        let category_id = self.category_ref(file, policy, category_name)?;
        let category = policy.category(category_id).clone();
        if !overlap(category.subjects, list.subjects) {
            self.error(
                file,
                category_name.span(),
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
                category_name.span(),
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
                category_name.span(),
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
                category_name.span(),
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
            category: Some(category_id),
            rated: None,
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

    /// A `[[list.ground]]` on a rating's grade. A points total never puts anyone on a list;
    /// the one exception the law makes is an authority that rates the subjects of its own
    /// context each year and publishes the lowest grade (the tax bureau's D-rated taxpayers).
    /// So the ground is refused unless every condition of that exception holds: a `[[rating]]`
    /// of organisations only, fed only by records of the list's context, in a context whose
    /// built-in authority has that mandate, its lowest grade reached on points, on a black list
    /// of organisations, for a fixed time, citing the article.
    fn rated_ground(
        &mut self,
        file: usize,
        list: &ListSoFar<'_>,
        ground: &S<syntax::GroundDoc>,
        rating: &S<String>,
        policy: &Policy,
    ) -> Option<Ground> {
        let g = ground.get_ref();
        let id = g.id.get_ref();
        let refuse = |this: &mut Self, span: Range<usize>, message: String| {
            this.error(
                file,
                span,
                refusal::RESTRICTION_ON_SCORE,
                message,
                Some(refusal::RATED_GROUND_HELP.into()),
            );
        };
        if policy.scorecards.iter().any(|c| &c.id == rating.get_ref()) {
            refuse(
                self,
                rating.span(),
                format!(
                    "ground `{id}` lists subjects on the score of scorecard `{}`: a score only unlocks rewards",
                    rating.get_ref()
                ),
            );
            return None;
        }
        let Some(scheme_index) = policy.scheme_index(rating.get_ref()) else {
            let help = closest(
                rating.get_ref(),
                policy.schemes.iter().map(|s| s.id.as_str()),
            )
            .map(|c| format!("did you mean `{c}`?"))
            .or_else(|| Some("declare the [[rating]] before the list".into()));
            self.error(
                file,
                rating.span(),
                "ground",
                format!("no rating `{}`", rating.get_ref()),
                help,
            );
            return None;
        };
        let scheme = &policy.schemes[scheme_index];
        if list.colour != Colour::Black {
            self.error(
                file,
                rating.span(),
                "ground",
                format!("ground `{id}` puts a grade on the red list `{}`", list.id),
                Some("what a grade earns is a reward measure on the grade itself: `on = { scheme = \"...\", grades = [...] }`".into()),
            );
            return None;
        }
        if !scheme.is_rating {
            refuse(
                self,
                rating.span(),
                format!(
                    "ground `{id}` lists subjects on the points of `{}`, which is a [[scheme]], not an authority's [[rating]]",
                    scheme.id
                ),
            );
            return None;
        }
        if scheme.subjects.person || list.subjects.person {
            refuse(
                self,
                rating.span(),
                format!(
                    "ground `{id}` would list persons on a grade of `{}`: no person is ever listed on points",
                    scheme.id
                ),
            );
            return None;
        }
        let Some(grade_name) = &g.grade else {
            self.error(
                file,
                ground.span(),
                "ground",
                format!("ground `{id}` on rating `{}` needs its `grade`", scheme.id),
                None,
            );
            return None;
        };
        let Some(grade) = scheme.grade_index(grade_name.get_ref()) else {
            let names: Vec<&str> = scheme.grades.iter().map(|g| g.name.as_str()).collect();
            self.error(
                file,
                grade_name.span(),
                "ground",
                format!(
                    "rating `{}` has no grade `{}`",
                    scheme.id,
                    grade_name.get_ref()
                ),
                Some(format!("its grades are {}", names.join(", "))),
            );
            return None;
        };
        let lowest = scheme.grades.iter().rposition(|g| g.min.is_some());
        if scheme.grades[usize::from(grade)].min.is_none() {
            self.error(
                file,
                grade_name.span(),
                "ground",
                format!(
                    "grade `{}` of `{}` is reached only by its direct grounds",
                    grade_name.get_ref(),
                    scheme.id
                ),
                Some("ground the list on the records of those direct grounds".into()),
            );
            return None;
        }
        if lowest != Some(usize::from(grade)) {
            refuse(
                self,
                grade_name.span(),
                format!(
                    "ground `{id}` lists firms rated `{}` by `{}`: only a rating's lowest grade is published as a list",
                    grade_name.get_ref(),
                    scheme.id
                ),
            );
            return None;
        }
        let Some(authority) = crate::authority::rating_list_mandate(list.context) else {
            refuse(
                self,
                rating.span(),
                format!(
                    "no authority publishes a rating's lowest grade in `{}`, the context of list `{}`",
                    list.context.as_str(),
                    list.id
                ),
            );
            return None;
        };
        let foreign: Vec<&str> = scheme
            .rules
            .iter()
            .map(|r| r.category)
            .chain(scheme.direct.iter().map(|d| d.category))
            .map(|c| policy.category(c))
            .filter(|c| c.context != list.context)
            .map(|c| c.id.as_str())
            .collect();
        if !foreign.is_empty() {
            refuse(
                self,
                rating.span(),
                format!(
                    "rating `{}` reads records outside `{}` ({}): {} rates only its own context",
                    scheme.id,
                    list.context.as_str(),
                    foreign.join(", "),
                    authority.id
                ),
            );
            return None;
        }
        if !scheme.caps.is_empty() {
            self.error(
                file,
                rating.span(),
                "ground",
                format!(
                    "rating `{}` has caps: a listing on its grade must follow from each record's validity alone",
                    scheme.id
                ),
                Some("remove the caps, or ground the list on records".into()),
            );
            return None;
        }
        for (key, present) in [
            ("when", g.when.is_some()),
            ("repair_after", g.repair_after.is_some()),
            ("extendable", g.extendable),
        ] {
            if present {
                let span = self
                    .key_span(file, ground.span(), key)
                    .unwrap_or(ground.span());
                self.error(
                    file,
                    span,
                    "ground",
                    format!("`{key}` reads a record, and ground `{id}` is a grade"),
                    Some("an entry on a grade ends when the grade does: when the deductions behind it expire, are repaired, retracted or lost in a dispute".into()),
                );
            }
        }
        let duration = match g.duration.get_ref().as_str() {
            "until-performed" => {
                self.error(
                    file,
                    g.duration.span(),
                    "ground",
                    "a grade is not an obligation to perform: give the ground a fixed `duration`",
                    None,
                );
                None
            }
            _ => self.duration(file, &g.duration),
        };
        Some(Ground {
            id: id.clone(),
            title: g.title.clone(),
            category: None,
            rated: Some(RatedGround {
                scheme: u16::try_from(scheme_index).unwrap_or(u16::MAX),
                grade,
            }),
            when: Condition::Always,
            when_text: None,
            duration,
            duration_slot: 0,
            repair_after: None,
            extendable: false,
            extension_when: Condition::Always,
            basis: g.basis.get_ref().clone(),
        })
    }
}

/// What a ground is checked against: its list, as far as it is compiled.
struct ListSoFar<'a> {
    index: u16,
    id: &'a str,
    subjects: Kinds,
    context: Context,
    colour: Colour,
    exits: Exits,
    extension: bool,
    /// The extension's condition, compiled for each ground's category.
    extension_when: Option<&'a S<String>>,
}
