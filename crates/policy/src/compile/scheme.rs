//! Points schemes and ratings: rules, caps, grades and direct grounds.

use super::*;

impl Compiler<'_> {
    pub(super) fn scheme(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::SchemeDoc>,
        is_rating: bool,
        policy: &mut Policy,
    ) -> Scheme {
        let span = doc.span();
        let doc = doc.get_ref();
        let subjects = self.kinds(file, &doc.subjects);
        if is_rating && subjects.person {
            self.error(
                file,
                doc.subjects.span(),
                "rating",
                "a rating rates organisations only",
                Some("use [[scheme]] for persons".into()),
            );
        }
        let what = if is_rating { "rating" } else { "scheme" };
        self.special_texts(
            file,
            (span.clone(), doc.id.span()),
            &format!("{what} `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let consent_required = self.consent(file, doc.consent.as_ref());
        let index = u16::try_from(policy.schemes.len()).unwrap_or(u16::MAX);
        let mut rules = Vec::new();
        let mut seen = HashSet::new();
        for rule_doc in &doc.rule {
            if let Some(rule) = self.rule(file, index, rules.len(), rule_doc, &mut seen, policy) {
                rules.push(rule);
            }
        }
        let mut caps = Vec::new();
        for cap in &doc.cap {
            let cap_doc = cap.get_ref();
            let categories: Vec<CategoryId> = cap_doc
                .categories
                .get_ref()
                .iter()
                .filter_map(|c| {
                    let found = policy.category_id(c);
                    if found.is_none() {
                        self.error(
                            file,
                            cap_doc.categories.span(),
                            "unknown-category",
                            format!("no category `{c}`"),
                            None,
                        );
                    }
                    found
                })
                .collect();
            let per = match cap_doc.per.get_ref().as_str() {
                "year" => Period::Year,
                "month" => Period::Month,
                "ever" => Period::Ever,
                other => {
                    self.error(
                        file,
                        cap_doc.per.span(),
                        "cap",
                        format!("`{other}` is not a cap period"),
                        Some("use \"year\", \"month\" or \"ever\"".into()),
                    );
                    Period::Ever
                }
            };
            let gain = cap_doc.gain.as_ref().map(|g| *g.get_ref());
            let loss = cap_doc.loss.as_ref().map(|l| *l.get_ref());
            if gain.is_none() && loss.is_none()
                || gain.is_some_and(|g| g < 0)
                || loss.is_some_and(|l| l < 0)
            {
                self.error(
                    file,
                    cap.span(),
                    "cap",
                    "a cap needs `gain` and/or `loss`, as positive numbers of points",
                    None,
                );
            }
            caps.push(Cap {
                categories,
                per,
                gain,
                loss,
            });
        }
        self.volume_caps(file, doc, &caps, &rules, policy);
        for rule in rules.iter().filter(|r| r.points > 0) {
            let capped = caps
                .iter()
                .any(|c| c.gain.is_some() && c.categories.contains(&rule.category));
            if !capped {
                let span = doc
                    .rule
                    .iter()
                    .find(|r| r.get_ref().id.get_ref() == &rule.id)
                    .map_or(span.clone(), |r| r.get_ref().points.span());
                self.error(file, span, refusal::VOLUME_REWARD, format!("rule `{}` rewards every record of `{}` without a cap", rule.id, policy.category(rule.category).id), Some("points may not grow with the volume of activity: add a [[scheme.cap]] with `gain` covering this category".into()));
            }
        }
        let grades = self.grades(file, &doc.grade, "grade");
        let (low, high) = (
            doc.min.as_ref().map(|m| *m.get_ref()),
            doc.max.as_ref().map(|m| *m.get_ref()),
        );
        let outside =
            |value: i64| low.is_some_and(|l| value < l) || high.is_some_and(|h| value > h);
        if outside(*doc.base.get_ref()) || matches!((low, high), (Some(l), Some(h)) if l > h) {
            self.error(
                file,
                doc.base.span(),
                "scheme",
                format!("base {} is outside the scheme's range", doc.base.get_ref()),
                Some("keep min <= base <= max".into()),
            );
        }
        for grade in &doc.grade {
            if let Some(min) = &grade.get_ref().min
                && high.is_some_and(|h| *min.get_ref() > h)
            {
                self.error(
                    file,
                    min.span(),
                    "grade",
                    format!(
                        "grade `{}` needs {} points, more than the maximum",
                        grade.get_ref().grade.get_ref(),
                        min.get_ref()
                    ),
                    Some("leave out `min` for a grade reached only by a direct ground".into()),
                );
            }
        }
        for rule in &doc.rule {
            if let Some(id) = policy.category_id(rule.get_ref().category.get_ref()) {
                let kinds = policy.category(id).subjects;
                if !(kinds.person && subjects.person || kinds.organisation && subjects.organisation)
                {
                    self.error(file, rule.get_ref().category.span(), "rule", format!("`{}` records are about {}, and the scheme rates {}: the rule never applies", policy.category(id).id, kinds.describe(), subjects.describe()), None);
                }
            }
        }
        let mut direct = Vec::new();
        for ground in &doc.direct {
            if let Some(ground) = self.direct(file, index, direct.len(), ground, &grades, policy) {
                direct.push(ground);
            }
        }
        let min_age = self.min_age(
            file,
            (span.clone(), doc.id.get_ref()),
            consent_required,
            subjects,
            doc.min_age.as_ref(),
        );
        let mut needs_records = Vec::new();
        if let Some(names) = &doc.needs_records {
            if names.get_ref().is_empty() {
                self.error(
                    file,
                    names.span(),
                    "scheme",
                    "`needs_records` names no category",
                    Some("name the categories whose records the rating needs, or remove it".into()),
                );
            }
            for name in names.get_ref() {
                match policy.category_id(name) {
                    Some(id) => {
                        needs_records.push(id);
                        policy.uses[usize::from(id.0)].presence.push(index);
                    }
                    None => self.error(
                        file,
                        names.span(),
                        "unknown-category",
                        format!("no category `{name}`"),
                        None,
                    ),
                }
            }
        }
        Scheme {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            is_rating,
            subjects,
            base: *doc.base.get_ref(),
            min: doc.min.as_ref().map(|m| *m.get_ref()),
            max: doc.max.as_ref().map(|m| *m.get_ref()),
            consent_required,
            min_age,
            needs_records,
            reward_only: doc.reward_only.as_ref().is_some_and(|r| *r.get_ref()),
            basis: doc.basis.clone(),
            description: doc.description.clone(),
            rules,
            caps,
            grades,
            direct,
            pack,
        }
    }

    /// The age from which a person may be scored. A person's consent binds only from the age
    /// of majority (PRC Civil Code art. 17: 18), so an opt-in scheme or scorecard of persons
    /// must declare an age of at least 18.
    pub(super) fn min_age(
        &mut self,
        file: usize,
        (span, id): (Range<usize>, &str),
        consent_required: bool,
        subjects: Kinds,
        min_age: Option<&S<i64>>,
    ) -> Option<i32> {
        let age = min_age.map(|a| (*a.get_ref(), a.span()));
        match age {
            None if consent_required && subjects.person => {
                self.error(
                    file,
                    span,
                    "consent",
                    format!("`{id}` scores persons who consent and declares no `min_age`"),
                    Some("a minor cannot consent to being scored: add `min_age = 18` (PRC Civil Code art. 17; Rongcheng scores residents from 18)".into()),
                );
                None
            }
            None => None,
            Some((years, span)) if !(18..=120).contains(&years) && consent_required => {
                self.error(
                    file,
                    span,
                    "consent",
                    format!("`min_age = {years}`: consent to scoring binds only from 18 (PRC Civil Code art. 17)"),
                    None,
                );
                None
            }
            Some((years, span)) if !(0..=120).contains(&years) => {
                self.error(
                    file,
                    span,
                    "scheme",
                    format!("`min_age = {years}` is not an age"),
                    None,
                );
                None
            }
            Some((years, _)) => i32::try_from(years).ok(),
        }
    }

    pub(super) fn consent(&mut self, file: usize, consent: Option<&S<String>>) -> bool {
        match consent.map(|c| (c.get_ref().as_str(), c.span())) {
            None | Some(("none", _)) => false,
            Some(("opt-in", _)) => true,
            Some((other, span)) => {
                self.error(
                    file,
                    span,
                    "consent",
                    format!("`{other}` is not a consent rule"),
                    Some(
                        "use \"opt-in\" (scored only after the subject consents) or \"none\""
                            .into(),
                    ),
                );
                false
            }
        }
    }

    pub(super) fn grades(
        &mut self,
        file: usize,
        docs: &[S<syntax::GradeDoc>],
        what: &str,
    ) -> Vec<Grade> {
        let mut grades: Vec<Grade> = Vec::new();
        for doc in docs {
            let grade = doc.get_ref();
            if grades.iter().any(|g| &g.name == grade.grade.get_ref()) {
                self.error(
                    file,
                    grade.grade.span(),
                    "grade",
                    format!("{what} `{}` is defined twice", grade.grade.get_ref()),
                    None,
                );
            }
            let min = grade.min.as_ref().map(|m| *m.get_ref());
            match (&grade.min, grades.iter().rev().find_map(|g| g.min)) {
                (Some(this), Some(previous)) if *this.get_ref() >= previous => self.error(
                    file,
                    this.span(),
                    "grade",
                    format!("{what} thresholds must fall from the first to the last ({} is not below {previous})", this.get_ref()),
                    Some(format!("list the highest {what} first")),
                ),
                (None, _) if what == "band" => self.error(file, grade.grade.span(), "grade", format!("band `{}` needs its cut-off `min`", grade.grade.get_ref()), None),
                _ => {}
            }
            grades.push(Grade {
                name: grade.grade.get_ref().clone(),
                min,
                title: grade.title.clone(),
            });
        }
        grades
    }

    /// One `[[scheme.rule]]`, registered in the uses of its category.
    fn rule(
        &mut self,
        file: usize,
        index: u16,
        rule_index: usize,
        rule_doc: &S<syntax::RuleDoc>,
        seen: &mut HashSet<String>,
        policy: &mut Policy,
    ) -> Option<Rule> {
        let rule = rule_doc.get_ref();
        self.check_id(file, &rule.id, seen, "rule");
        self.special_texts(
            file,
            (rule_doc.span(), rule.id.span()),
            &format!("rule `{}`", rule.id.get_ref()),
            &[("title", rule.title.as_deref())],
        );
        let category_id = self.category_ref(file, policy, &rule.category)?;
        let category = policy.category(category_id).clone();
        let points = *rule.points.get_ref();
        if points > 0 && !category.kind.may_reward() {
            self.error(
                file,
                rule.points.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "rule `{}` rewards `{}`, a {} category",
                    rule.id.get_ref(),
                    category.id,
                    category.kind.as_str()
                ),
                Some(
                    "rewards come from fulfilled obligations and recorded contributions only"
                        .into(),
                ),
            );
        }
        if points < 0 && category.kind == CategoryKind::Contribution {
            self.error(
                file,
                rule.points.span(),
                refusal::PENALTY_ON_CONTRIBUTION,
                format!(
                    "rule `{}` penalises `{}`, a voluntary contribution",
                    rule.id.get_ref(),
                    category.id
                ),
                Some("a voluntary contribution can only earn points, never lose them".into()),
            );
        }
        if points < 0
            && !category.kind.may_penalise()
            && category.kind != CategoryKind::Contribution
        {
            self.error(
                file,
                rule.points.span(),
                "penalty-kind",
                format!(
                    "rule `{}` penalises `{}`, a {} category",
                    rule.id.get_ref(),
                    category.id,
                    category.kind.as_str()
                ),
                Some("only breaches and adjudications may lose points".into()),
            );
        }
        let validity = self
            .duration(file, &rule.validity)
            .unwrap_or(category.retention);
        if validity.may_exceed(category.retention) {
            self.error(
                file,
                rule.validity.span(),
                "validity",
                format!(
                    "validity `{validity}` outlives the category's retention `{}`",
                    category.retention
                ),
                Some("points cannot count after their record expires".into()),
            );
        }
        let when = self.condition(file, &category, rule.when.as_ref());
        let rule_index = u16::try_from(rule_index).unwrap_or(u16::MAX);
        policy.uses[usize::from(category_id.0)]
            .rules
            .push((index, rule_index));
        Some(Rule {
            id: rule.id.get_ref().clone(),
            title: rule.title.clone(),
            category: category_id,
            when,
            when_text: rule.when.as_ref().map(|w| w.get_ref().clone()),
            points,
            validity,
            validity_slot: 0,
        })
    }

    /// One direct ground, registered in the uses of its category.
    fn direct(
        &mut self,
        file: usize,
        index: u16,
        direct_index: usize,
        ground: &S<syntax::DirectDoc>,
        grades: &[Grade],
        policy: &mut Policy,
    ) -> Option<Direct> {
        let ground = ground.get_ref();
        let category_id = self.category_ref(file, policy, &ground.category)?;
        let category = policy.category(category_id).clone();
        let Some(grade) = grades
            .iter()
            .position(|g| &g.name == ground.grade.get_ref())
        else {
            self.error(
                file,
                ground.grade.span(),
                "grade",
                format!("no grade `{}` in this rating", ground.grade.get_ref()),
                None,
            );
            return None;
        };
        if category.kind == CategoryKind::Contribution {
            self.error(
                file,
                ground.category.span(),
                refusal::PENALTY_ON_CONTRIBUTION,
                format!(
                    "a voluntary contribution (`{}`) cannot set a grade directly",
                    category.id
                ),
                None,
            );
        } else if category.kind == CategoryKind::Fulfilment {
            self.error(
                file,
                ground.category.span(),
                "direct",
                format!(
                    "a fulfilment (`{}`) cannot set a grade directly",
                    category.id
                ),
                Some("direct grades are downgrades for breaches and adjudications, or classifications from status records; rewards come through rules".into()),
            );
        }
        let validity = match &ground.validity {
            None => category.retention,
            Some(text) => {
                let validity = self.duration(file, text).unwrap_or(category.retention);
                if validity.may_exceed(category.retention) {
                    self.error(
                        file,
                        text.span(),
                        "validity",
                        format!(
                            "validity `{validity}` outlives the category's retention `{}`",
                            category.retention
                        ),
                        Some("a direct grade cannot hold after its record expires: shorten the validity, or leave it out to use the retention".into()),
                    );
                }
                validity
            }
        };
        let when = self.condition(file, &category, ground.when.as_ref());
        let direct_index = u16::try_from(direct_index).unwrap_or(u16::MAX);
        policy.uses[usize::from(category_id.0)]
            .directs
            .push((index, direct_index));
        Some(Direct {
            grade: u8::try_from(grade).unwrap_or(u8::MAX),
            category: category_id,
            when,
            when_text: ground.when.as_ref().map(|w| w.get_ref().clone()),
            basis: ground.basis.get_ref().clone(),
            score_at_least: ground.score_at_least.as_ref().map(|s| *s.get_ref()),
            validity,
            validity_slot: 0,
        })
    }
}
