//! Conditions (`when`): parsed, type-checked against a category's attributes, compiled to slots.

use super::*;

impl Compiler<'_> {
    /// Compiles a condition text against the attributes of `category`.
    pub(super) fn condition(
        &mut self,
        file: usize,
        category: &Category,
        text: Option<&S<String>>,
    ) -> Condition {
        let Some(text) = text else {
            return Condition::Always;
        };
        let raw = &self.sources[file].text;
        let start = text.span().start;
        let quote = if raw
            .get(start..start + 3)
            .is_some_and(|q| q == "\"\"\"" || q == "'''")
        {
            3
        } else {
            1
        };
        let offset = start + quote;
        match expr::parse(text.get_ref()) {
            Ok(parsed) => self.typecheck(file, offset, category, &parsed),
            Err(error) => {
                self.error(
                    file,
                    offset + error.span.start..offset + error.span.end,
                    "condition",
                    error.message,
                    None,
                );
                Condition::Always
            }
        }
    }

    pub(super) fn typecheck(
        &mut self,
        file: usize,
        offset: usize,
        category: &Category,
        parsed: &Expr,
    ) -> Condition {
        let shift = |span: &Range<usize>| offset + span.start..offset + span.end;
        match parsed {
            Expr::Or(parts) => Condition::Any(
                parts
                    .iter()
                    .map(|p| self.typecheck(file, offset, category, p))
                    .collect(),
            ),
            Expr::And(parts) => Condition::All(
                parts
                    .iter()
                    .map(|p| self.typecheck(file, offset, category, p))
                    .collect(),
            ),
            Expr::Not(inner) => {
                Condition::Not(Box::new(self.typecheck(file, offset, category, inner)))
            }
            Expr::Flag(name) => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&name.span), category, &name.text)
                else {
                    return Condition::Always;
                };
                if ty != AttrType::Bool {
                    self.error(
                        file,
                        shift(&name.span),
                        "condition",
                        format!(
                            "`{}` is not a bool attribute: compare it with a value",
                            name.text
                        ),
                        None,
                    );
                }
                Condition::Compare {
                    slot,
                    op: Op::Eq,
                    value: 1,
                }
            }
            Expr::Compare {
                attribute,
                op,
                literal,
            } => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&attribute.span), category, &attribute.text)
                else {
                    return Condition::Always;
                };
                let ordered = matches!(ty, AttrType::Int | AttrType::Money | AttrType::Date);
                if !ordered && !matches!(op, Op::Eq | Op::Ne) {
                    self.error(
                        file,
                        shift(&literal.span),
                        "condition",
                        format!(
                            "`{}` can only be compared with `==` or `!=`",
                            attribute.text
                        ),
                        None,
                    );
                }
                let value = self
                    .literal(
                        file,
                        shift(&literal.span),
                        &ty,
                        &attribute.text,
                        &literal.value,
                    )
                    .unwrap_or(0);
                Condition::Compare {
                    slot,
                    op: *op,
                    value,
                }
            }
            Expr::In {
                attribute,
                literals,
            } => {
                let Some((slot, ty)) =
                    self.attribute(file, shift(&attribute.span), category, &attribute.text)
                else {
                    return Condition::Always;
                };
                let values = literals
                    .iter()
                    .filter_map(|l| {
                        self.literal(file, shift(&l.span), &ty, &attribute.text, &l.value)
                    })
                    .collect();
                Condition::In { slot, values }
            }
        }
    }

    pub(super) fn attribute(
        &mut self,
        file: usize,
        span: Range<usize>,
        category: &Category,
        name: &str,
    ) -> Option<(u16, AttrType)> {
        let Some(slot) = category.slot(name) else {
            let names: Vec<&str> = category
                .attributes
                .iter()
                .map(|a| a.name.as_str())
                .collect();
            self.error(
                file,
                span,
                "condition",
                format!("category `{}` has no attribute `{name}`", category.id),
                Some(if names.is_empty() {
                    "it declares no attributes".into()
                } else {
                    format!("its attributes are {}", names.join(", "))
                }),
            );
            return None;
        };
        let ty = category.attributes[usize::from(slot)].ty.clone();
        if ty == AttrType::Subject {
            self.error(file, span, refusal::OTHER_SUBJECT, format!("`{name}` names another subject and cannot be read by a rule"), Some("a standing is computed from the subject's own records only; another subject's identifier serves only a measure's declared extension to the legal representative".into()));
            return None;
        }
        Some((slot, ty))
    }

    pub(super) fn literal(
        &mut self,
        file: usize,
        span: Range<usize>,
        ty: &AttrType,
        name: &str,
        value: &LiteralValue,
    ) -> Option<i64> {
        let result = match (ty, value) {
            (
                AttrType::Int,
                LiteralValue::Number {
                    hundredths,
                    whole: true,
                },
            ) => Ok(hundredths / 100),
            (AttrType::Money, LiteralValue::Number { hundredths, .. }) => Ok(*hundredths),
            (AttrType::Bool, LiteralValue::Bool(b)) => Ok(i64::from(*b)),
            (AttrType::Date, LiteralValue::Text(text)) => credence_model::Day::parse(text)
                .map(|d| i64::from(d.0))
                .map_err(|e| e.to_string()),
            (AttrType::Text, LiteralValue::Text(text)) => Ok(text_hash(text)),
            (AttrType::Enum(values), LiteralValue::Text(text)) => values
                .iter()
                .position(|v| v == text)
                .map(|i| i as i64)
                .ok_or_else(|| {
                    format!(
                        "`{text}` is not a value of `{name}`: use one of {}",
                        values.join(", ")
                    )
                }),
            (ty, _) => Err(format!(
                "`{name}` is {}, and this value is not",
                type_phrase(ty)
            )),
        };
        match result {
            Ok(v) => Some(v),
            Err(message) => {
                self.error(file, span, "condition", message, None);
                None
            }
        }
    }
}
