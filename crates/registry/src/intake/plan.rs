//! What a source may submit, looked up once per file: every category and opt-in scheme of
//! the policy by name, with its subjects, its attributes and whether this source may report
//! it. Rows then cost one hash lookup for their category and a short scan of its attributes.

use std::collections::HashMap;

use credence_policy::{Attribute, Kinds, Policy};
use credence_store::SourceRecord;

/// A category, or an opt-in scheme consent events name.
#[derive(Debug)]
pub(crate) struct Target<'p> {
    pub id: &'p str,
    pub subjects: Kinds,
    /// The source may report it.
    pub allowed: bool,
    /// In the policy's slot order (empty for a scheme).
    pub attributes: &'p [Attribute],
}

impl Target<'_> {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// `case`, `court`: the attribute names, for messages.
    pub fn attribute_list(&self) -> String {
        self.attributes
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug)]
pub(crate) struct Plan<'p> {
    pub source: &'p SourceRecord,
    pub categories: Vec<Target<'p>>,
    pub schemes: Vec<Target<'p>>,
    category_index: HashMap<&'p str, u32>,
    scheme_index: HashMap<&'p str, u32>,
}

impl<'p> Plan<'p> {
    pub fn new(policy: &'p Policy, source: &'p SourceRecord) -> Plan<'p> {
        let allowed = |id: &str| source.categories.iter().any(|c| c == id);
        let categories: Vec<Target<'p>> = policy
            .categories
            .iter()
            .map(|c| Target {
                id: &c.id,
                subjects: c.subjects,
                allowed: allowed(&c.id),
                attributes: &c.attributes,
            })
            .collect();
        let schemes: Vec<Target<'p>> = policy
            .schemes
            .iter()
            .filter(|s| s.consent_required)
            .map(|s| (s.id.as_str(), s.subjects))
            .chain(
                policy
                    .scorecards
                    .iter()
                    .filter(|s| s.consent_required)
                    .map(|s| (s.id.as_str(), s.subjects)),
            )
            .map(|(id, subjects)| Target {
                id,
                subjects,
                allowed: allowed(id),
                attributes: &[],
            })
            .collect();
        let index = |targets: &[Target<'p>]| {
            targets
                .iter()
                .enumerate()
                .filter_map(|(i, t)| u32::try_from(i).ok().map(|i| (t.id, i)))
                .collect::<HashMap<_, _>>()
        };
        Plan {
            source,
            category_index: index(&categories),
            scheme_index: index(&schemes),
            categories,
            schemes,
        }
    }

    pub fn category(&self, name: &str) -> Option<u32> {
        self.category_index.get(name).copied()
    }

    pub fn scheme(&self, name: &str) -> Option<u32> {
        self.scheme_index.get(name).copied()
    }

    /// The category or scheme at `index` of the kind the action names.
    pub fn target(&self, names_scheme: bool, index: u32) -> &Target<'p> {
        let list = if names_scheme {
            &self.schemes
        } else {
            &self.categories
        };
        &list[index as usize]
    }

    /// The source's registered categories (or schemes), for messages.
    pub fn allowed_list(&self, names_scheme: bool) -> String {
        let list = if names_scheme {
            &self.schemes
        } else {
            &self.categories
        };
        let names: Vec<String> = list
            .iter()
            .filter(|t| t.allowed)
            .map(|t| format!("`{}`", t.id))
            .collect();
        if names.is_empty() {
            "none".to_owned()
        } else {
            names.join(", ")
        }
    }
}
