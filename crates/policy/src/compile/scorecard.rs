//! Scorecards: characteristics, bins, bands and reason codes.

use super::*;

impl Compiler<'_> {
    pub(super) fn scorecard(
        &mut self,
        file: usize,
        pack: usize,
        doc: &S<syntax::ScorecardDoc>,
        policy: &mut Policy,
    ) -> Scorecard {
        let span = doc.span();
        let doc = doc.get_ref();
        self.special_texts(
            file,
            (span.clone(), doc.id.span()),
            &format!("scorecard `{}`", doc.id.get_ref()),
            &[
                ("title", Some(&doc.title)),
                ("description", doc.description.as_deref()),
            ],
        );
        let subjects = self.kinds(file, &doc.subjects);
        let consent_required = self.consent(file, doc.consent.as_ref());
        let [low, high] = *doc.range.get_ref();
        if low >= high {
            self.error(
                file,
                doc.range.span(),
                "scorecard",
                "the range must be [lowest, highest]",
                None,
            );
        }
        let index = u16::try_from(policy.scorecards.len()).unwrap_or(u16::MAX);
        let mut characteristics = Vec::new();
        let mut seen = HashSet::new();
        for characteristic in &doc.characteristic {
            let c = characteristic.get_ref();
            self.check_id(file, &c.id, &mut seen, "characteristic");
            if let Some(lowered) = self.characteristic(
                file,
                (index, subjects),
                u16::try_from(characteristics.len()).unwrap_or(u16::MAX),
                characteristic,
                policy,
            ) {
                characteristics.push(lowered);
            }
        }
        let bands = self.grades(file, &doc.band, "band");
        for band in &doc.band {
            if let Some(min) = &band.get_ref().min
                && !(low..=high).contains(min.get_ref())
            {
                self.error(
                    file,
                    min.span(),
                    "grade",
                    format!(
                        "band `{}` starts at {}, outside the range {low}-{high}",
                        band.get_ref().grade.get_ref(),
                        min.get_ref()
                    ),
                    None,
                );
            }
        }
        if !(low..=high).contains(doc.base.get_ref()) {
            self.error(
                file,
                doc.base.span(),
                "scorecard",
                format!(
                    "base {} is outside the range {low}-{high}",
                    doc.base.get_ref()
                ),
                None,
            );
        }
        let min_age = self.min_age(
            file,
            (span.clone(), doc.id.get_ref()),
            consent_required,
            subjects,
            doc.min_age.as_ref(),
        );
        let mut scorecard = Scorecard {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            subjects,
            base: *doc.base.get_ref(),
            range: (low, high),
            consent_required,
            min_age,
            basis: doc.basis.clone(),
            description: doc.description.clone(),
            characteristics,
            bands,
            score_without_records: 0,
            pack,
        };
        scorecard.score_without_records = scorecard.score(
            scorecard
                .characteristics
                .iter()
                .map(|c| c.points_for(c.value_without_records())),
        );
        scorecard
    }

    pub(super) fn characteristic(
        &mut self,
        file: usize,
        (scorecard, subjects): (u16, Kinds),
        index: u16,
        table: &S<syntax::CharacteristicDoc>,
        policy: &mut Policy,
    ) -> Option<Characteristic> {
        let doc = table.get_ref();
        let what = format!("characteristic `{}`", doc.id.get_ref());
        self.special_texts(
            file,
            (table.span(), doc.id.span()),
            &what,
            &[("title", Some(&doc.title))],
        );
        let reason_text = &doc.reason.get_ref().text;
        if refusal::special_category(reason_text).is_some() {
            let span = self
                .key_span(file, doc.reason.span(), "text")
                .unwrap_or(doc.reason.span());
            self.special_text(file, span, &format!("the reason of {what}"), reason_text);
        }
        let Some(measurement) = Measurement::parse(doc.measure.get_ref()) else {
            self.error(
                file,
                doc.measure.span(),
                "scorecard",
                format!("`{}` is not a measurement", doc.measure.get_ref()),
                Some("use count, sum, days_since_last or days_since_first".into()),
            );
            return None;
        };
        if let Some(attribute) = &doc.attribute
            && measurement != Measurement::Sum
        {
            self.error(
                file,
                attribute.span(),
                "scorecard",
                format!(
                    "`attribute` `{}` is read only by `sum`, and {what} measures `{}`",
                    attribute.get_ref(),
                    doc.measure.get_ref()
                ),
                Some("remove `attribute`, or write `measure = \"sum\"`".into()),
            );
        }
        let written_window = doc.window.as_ref().and_then(|w| self.duration(file, w));
        let counts = matches!(measurement, Measurement::Count | Measurement::Sum);
        let since_last = measurement == Measurement::DaysSinceLast;
        let mut inputs = Vec::new();
        let mut categories = Vec::new();
        let mut retention = Duration::Days(0);
        let mut rewards_volume = false;
        let mut rewards_recency = false;
        let mut rewards_breaches = false;
        let mut rewards_breach_recency = false;
        let mut counts_contributions = false;
        let mut counts_fulfilments = false;
        for name in doc.categories.get_ref() {
            let Some(id) = policy.category_id(name) else {
                self.error(
                    file,
                    doc.categories.span(),
                    "unknown-category",
                    format!("no category `{name}`"),
                    None,
                );
                continue;
            };
            let category = policy.category(id).clone();
            let span = self.item_span(file, doc.categories.span(), name);
            if !overlap(category.subjects, subjects) {
                self.error(
                    file,
                    span.clone(),
                    "scorecard",
                    format!(
                        "`{}` records are about {}, and the scorecard scores {}: {what} never reads them",
                        category.id,
                        category.subjects.describe(),
                        subjects.describe()
                    ),
                    Some("read categories about the subjects the scorecard scores".into()),
                );
            }
            if category.kind == CategoryKind::Status {
                self.error(
                    file,
                    span,
                    "scorecard",
                    format!(
                        "{what} reads `{}`, a status category: status records describe the subject and may not be scored",
                        category.id
                    ),
                    Some("measure breaches and adjudications, or the time since the last one".into()),
                );
            }
            if let (Some(window), Some(text)) = (written_window, &doc.window)
                && window.may_exceed(category.retention)
            {
                self.error(
                    file,
                    text.span(),
                    "scorecard",
                    format!(
                        "window `{window}` outlives the retention `{}` of `{}`",
                        category.retention, category.id
                    ),
                    Some("a record cannot be measured after it expires: shorten the window, or leave it out to use the retention".into()),
                );
            }
            if category.retention.may_exceed(retention) {
                retention = category.retention;
            }
            rewards_volume |= category.kind.may_reward() && counts;
            rewards_recency |= category.kind.may_reward() && since_last;
            rewards_breaches |= category.kind.may_penalise() && counts;
            rewards_breach_recency |= category.kind.may_penalise() && since_last;
            counts_contributions |= category.kind == CategoryKind::Contribution && counts;
            counts_fulfilments |= category.kind == CategoryKind::Fulfilment && counts;
            let when = self.condition(file, &category, doc.when.as_ref());
            let slot = match (&doc.attribute, measurement) {
                (Some(attribute), Measurement::Sum) => self
                    .attribute(file, attribute.span(), &category, attribute.get_ref())
                    .and_then(|(slot, ty)| {
                        if matches!(ty, AttrType::Int | AttrType::Money) {
                            return Some(slot);
                        }
                        self.error(
                            file,
                            attribute.span(),
                            "scorecard",
                            format!(
                                "`sum` cannot add up `{}`: it is of type `{}` in `{}`",
                                attribute.get_ref(),
                                type_name(&ty),
                                category.id
                            ),
                            Some("sum an `int` or `money` attribute, or measure `count`".into()),
                        );
                        None
                    }),
                (None, Measurement::Sum) => {
                    self.error(
                        file,
                        doc.measure.span(),
                        "scorecard",
                        "`sum` needs `attribute`",
                        Some("name the `int` or `money` attribute to add up: `attribute = \"amount\"`".into()),
                    );
                    None
                }
                _ => None,
            };
            let input = u16::try_from(inputs.len()).unwrap_or(u16::MAX);
            policy.uses[usize::from(id.0)]
                .characteristics
                .push((scorecard, index, input));
            inputs.push(CharacteristicInput {
                category: id,
                when,
                slot,
                window_slot: 0,
            });
            categories.push(id);
        }
        let window = written_window.unwrap_or(retention);
        let mut bins = Vec::new();
        let mut previous: Option<i64> = None;
        let bins_doc = doc.bins.get_ref();
        for (i, bin) in bins_doc.iter().enumerate() {
            let b = bin.get_ref();
            let upto = b.upto.as_ref().map(|u| *u.get_ref());
            match (upto, i + 1 == bins_doc.len()) {
                (None, false) => self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "only the last bin may leave out `upto`",
                    None,
                ),
                (Some(_), true) => self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "the last bin takes every remaining value: leave out `upto`",
                    None,
                ),
                _ => {}
            }
            if let (Some(u), Some(p)) = (upto, previous)
                && u <= p
            {
                self.error(
                    file,
                    bin.span(),
                    "scorecard",
                    "bins must be in increasing order of `upto`",
                    None,
                );
            }
            previous = upto.or(previous);
            bins.push(Bin {
                upto,
                points: *b.points.get_ref(),
            });
        }
        if bins.is_empty() {
            self.error(
                file,
                doc.bins.span(),
                "scorecard",
                "a characteristic needs bins",
                None,
            );
        }
        let rising = bins.windows(2).any(|w| w[1].points > w[0].points);
        let falling = bins.windows(2).any(|w| w[1].points < w[0].points);
        let recent_rewarded = rewards_recency && falling;
        if recent_rewarded {
            self.error(file, doc.bins.span(), refusal::VOLUME_REWARD, format!("characteristic `{}` gives more points the more recent the last fulfilment or contribution", doc.id.get_ref()), Some("points may not reward keeping up activity: measure breaches, or the time since the last one".into()));
        }
        if rewards_breaches && rising {
            self.error(
                file,
                doc.bins.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "characteristic `{}` gives more points for more breaches",
                    doc.id.get_ref()
                ),
                Some("counts and sums of breaches may only lower the points".into()),
            );
        }
        if rewards_breach_recency && falling {
            self.error(
                file,
                doc.bins.span(),
                refusal::REWARD_SOURCE,
                format!(
                    "characteristic `{}` gives more points the more recent the last breach",
                    doc.id.get_ref()
                ),
                Some("the time since the last breach may only raise the points".into()),
            );
        }
        if rewards_volume && rising {
            self.error(file, doc.bins.span(), refusal::VOLUME_REWARD, format!("characteristic `{}` gives more points for more records", doc.id.get_ref()), Some("points may not grow with the volume of activity: measure breaches, or the time since the last one".into()));
        }
        if counts_contributions && falling {
            self.error(
                file,
                doc.bins.span(),
                refusal::PENALTY_ON_CONTRIBUTION,
                format!(
                    "characteristic `{}` gives fewer points for more voluntary contributions",
                    doc.id.get_ref()
                ),
                Some("a voluntary contribution may only help: a count or sum of contributions may not change the points; measure breaches instead".into()),
            );
        }
        if counts_fulfilments && falling {
            self.error(
                file,
                doc.bins.span(),
                "scorecard",
                format!(
                    "characteristic `{}` gives fewer points for more fulfilled obligations",
                    doc.id.get_ref()
                ),
                Some("fulfilling an obligation may not cost points: measure breaches and adjudications instead (a late repayment is a breach of its own category)".into()),
            );
        }
        let points_max = bins.iter().map(|b| b.points).max().unwrap_or(0);
        let reason = doc.reason.get_ref();
        Some(Characteristic {
            id: doc.id.get_ref().clone(),
            title: doc.title.clone(),
            measurement,
            inputs,
            categories,
            when_text: doc.when.as_ref().map(|w| w.get_ref().clone()),
            window,
            reason_code: reason.code.get_ref().clone(),
            reason: reason.text.clone(),
            bins,
            points_max,
        })
    }
}
