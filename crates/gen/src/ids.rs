//! Identifiers of the synthetic city: resident ids for people and USCCs for organisations.
//!
//! A person's or organisation's identifier is a pure function of the seed and its index, so an
//! organisation can name its legal representative (person `j`) without the generator holding
//! the population, and identifiers are unique by construction rather than by a lookup table:
//!
//! * a person's index is shuffled by a keyed permutation, the shuffled value is mapped
//!   monotonically to a birth date through the birth-date distribution, and the person's rank
//!   among those born that day picks the region and the sequence number, so that no two people
//!   share region, birth date and sequence number;
//! * an organisation's index is mapped by a keyed bijection to its 8-character organisation
//!   code body.

use credence_model::Day;
use credence_model::id::{ResidentId, resident_id_check_char, uscc_check_char};
#[cfg(test)]
use credence_model::{IdOptions, Identifier, SubjectKind, id::Uscc};

use crate::rng::{derive_seed, mix64};

/// A county-level administrative division (GB/T 2260) the city's subjects live in, with what
/// records about them say: the court's and the market regulator's names, the province's
/// one-character abbreviation used in case numbers, and a short name used in decision numbers.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Region {
    pub(crate) code: &'static str,
    pub(crate) name: &'static str,
    pub(crate) short: &'static str,
    pub(crate) province: &'static str,
}

impl Region {
    /// The enforcing court of the region.
    pub(crate) fn court(&self) -> String {
        format!("{}人民法院", self.name)
    }

    /// The market regulator of the region.
    pub(crate) fn regulator(&self) -> String {
        format!("{}市场监督管理局", self.name)
    }

    /// The four digits after the province in a case number (`闽0203`).
    pub(crate) fn case_prefix(&self) -> String {
        format!("{}{}", self.province, &self.code[2..])
    }
}

/// The regions of the city: real GB/T 2260 codes, each with a weight. The pilot cities of the
/// shipped packs (Xiamen, Fuzhou, Rongcheng, Huantai) weigh double, so more subjects live
/// there.
pub(crate) const REGIONS: &[(Region, u32)] = &[
    (region("350203", "厦门市思明区", "思", "闽"), 2),
    (region("350206", "厦门市湖里区", "湖", "闽"), 1),
    (region("350102", "福州市鼓楼区", "鼓", "闽"), 2),
    (region("350104", "福州市仓山区", "仓", "闽"), 1),
    (region("371082", "荣成市", "荣", "鲁"), 2),
    (region("370321", "桓台县", "桓", "鲁"), 2),
    (region("370303", "淄博市张店区", "张", "鲁"), 1),
    (region("110101", "北京市东城区", "东", "京"), 1),
    (region("110105", "北京市朝阳区", "朝", "京"), 1),
    (region("110108", "北京市海淀区", "海", "京"), 1),
    (region("310104", "上海市徐汇区", "徐", "沪"), 1),
    (region("310115", "上海市浦东新区", "浦", "沪"), 1),
    (region("440305", "深圳市南山区", "南", "粤"), 1),
    (region("330106", "杭州市西湖区", "西", "浙"), 1),
];

/// The largest weight in [`REGIONS`].
const REGION_WEIGHT_MAX: u64 = 2;

const fn region(
    code: &'static str,
    name: &'static str,
    short: &'static str,
    province: &'static str,
) -> Region {
    Region {
        code,
        name,
        short,
        province,
    }
}

/// The region of a stored identifier's region code (the first table entry when unknown).
pub(crate) fn region_of(code: &str) -> Region {
    REGIONS
        .iter()
        .map(|&(region, _)| region)
        .find(|r| r.code == code)
        .unwrap_or(REGIONS[0].0)
}

/// Stream labels for [`derive_seed`].
pub(crate) const STREAM_PERSON_PERMUTATION: u64 = 0x5045_524d;
pub(crate) const STREAM_PERSON: u64 = 0x5045_5253;
pub(crate) const STREAM_ORG: u64 = 0x4f52_4753;
pub(crate) const STREAM_ORG_CODE: u64 = 0x4f43_4f44;
const STREAM_BIRTH_DAY: u64 = 0x4249_5254;

/// A keyed pseudo-random permutation of `0..n` (a 4-round Feistel network on the smallest
/// even number of bits that covers `n`, with cycle walking).
#[derive(Clone, Debug)]
pub(crate) struct Permutation {
    n: u64,
    half_bits: u32,
    keys: [u64; 4],
}

impl Permutation {
    pub(crate) fn new(n: u64, seed: u64) -> Permutation {
        let mut half_bits = 1;
        while half_bits < 32 && (1u64 << (2 * half_bits)) < n {
            half_bits += 1;
        }
        let keys = [0, 1, 2, 3].map(|round| derive_seed(seed, STREAM_PERSON_PERMUTATION, round));
        Permutation { n, half_bits, keys }
    }

    /// The image of `x` (which must be below `n`).
    pub(crate) fn apply(&self, x: u64) -> u64 {
        let mut value = x;
        // Cycle walking: the Feistel network permutes 0..4^half_bits, which holds 0..n, so
        // iterating until the value falls inside 0..n permutes 0..n.
        loop {
            value = self.feistel(value);
            if value < self.n {
                return value;
            }
        }
    }

    fn feistel(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let mut left = x >> self.half_bits;
        let mut right = x & mask;
        for key in self.keys {
            let next = left ^ (mix64(right ^ key) & mask);
            left = right;
            right = next;
        }
        (left << self.half_bits) | right
    }
}

/// A segment of the birth-date distribution: every day in `start..=last` has weight `weight`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    start: Day,
    days: u64,
    weight: u64,
    /// Total weight of the segments before this one.
    before: u64,
}

/// Everything needed to compute person `k`'s resident id from `k`.
#[derive(Clone, Debug)]
pub(crate) struct PersonIds {
    people: u64,
    permutation: Permutation,
    segments: Vec<Segment>,
    total_weight: u64,
    seed: u64,
    /// Shifts the birth-date grid (below `people`).
    offset: u64,
    /// Each region once per unit of weight, with the number of the repetition.
    slots: Vec<(Region, u64)>,
}

/// People whose birth dates are drawn with these weights per day: the elderly (born before
/// 1960) half as dense as working-age adults, minors (12-17 on `end`) a quarter as dense, so
/// that about 2-3% of the population are minors.
const WEIGHT_ELDERLY: u64 = 2;
const WEIGHT_ADULT: u64 = 4;
const WEIGHT_MINOR: u64 = 1;

/// A resident id's sequence number runs 000-999 and its parity is the sex, so at most this
/// many people are born on the same day in the same region.
const SEQUENCE_PAIRS_PER_REGION_DAY: u64 = 499;
/// Coprime with [`SEQUENCE_PAIRS_PER_REGION_DAY`].
const SEQUENCE_STRIDE: u64 = 173;

impl PersonIds {
    pub(crate) fn new(people: u64, seed: u64, end: Day) -> PersonIds {
        // Birth dates run from 1950-01-01 (or 70 years before the youngest, for an early `end`)
        // to 12 years before `end`.
        let last = end.add_months(-12 * 12);
        let adult_last = end.add_months(-12 * 18);
        let mut first = Day::from_ymd(1950, 1, 1).unwrap_or(Day(-7305));
        if last.0 - first.0 < 30 * 365 {
            first = last.add_months(-12 * 70);
        }
        let elderly_end = Day::from_ymd(1960, 1, 1).unwrap_or(Day(-3653));
        let mut segments = Vec::new();
        let mut before = 0;
        let mut push = |start: Day, stop: Day, weight: u64| {
            // Days in start..stop (stop exclusive), clipped to first..=last.
            let start = start.max(first);
            let stop = stop.min(last.add_days(1));
            if stop > start {
                let days = u64::from((stop.0 - start.0).unsigned_abs());
                segments.push(Segment {
                    start,
                    days,
                    weight,
                    before,
                });
                before += days * weight;
            }
        };
        push(first, elderly_end, WEIGHT_ELDERLY);
        push(elderly_end, adult_last.add_days(1), WEIGHT_ADULT);
        push(adult_last.add_days(1), last.add_days(1), WEIGHT_MINOR);
        PersonIds {
            people,
            permutation: Permutation::new(people, seed),
            segments,
            total_weight: before.max(1),
            seed,
            offset: derive_seed(seed, STREAM_BIRTH_DAY, u64::MAX),
            slots: REGIONS
                .iter()
                .flat_map(|&(region, weight)| (0..u64::from(weight)).map(move |i| (region, i)))
                .collect(),
        }
    }

    /// Person `k`'s resident id, as 18 characters, and birth date.
    pub(crate) fn resident_id(&self, k: u64, female: bool) -> (String, Day) {
        let p = self.permutation.apply(k);
        let people = u128::from(self.people.max(1));
        let total = u128::from(self.total_weight);
        // A seeded offset below one step shifts the whole grid of birth dates, so that
        // another seed gives other birth dates, not just the same ones reshuffled.
        let offset = u128::from(self.offset % self.people.max(1));
        let x = ((u128::from(p) * total + offset) / people) as u64;
        let mut birth = Day::from_ymd(1980, 1, 1).unwrap_or(Day(3652));
        let mut cumulative = 0u64;
        for segment in &self.segments {
            if x < segment.before + segment.days * segment.weight {
                let offset = (x - segment.before) / segment.weight;
                birth = segment.start.add_days(offset as i32);
                cumulative = segment.before + offset * segment.weight;
                break;
            }
        }
        // The first shuffled value born that day: every p from there on that maps to `birth`
        // has its own rank.
        let first_p = (u128::from(cumulative) * people)
            .saturating_sub(offset)
            .div_ceil(total) as u64;
        let rank = p.saturating_sub(first_p);
        // Ranks go round the weighted slots (starting at a slot that depends on the day); a
        // region's repetitions and the rounds split its sequence numbers, so that no two
        // ranks of a day share region and sequence number.
        let slots = self.slots.len() as u64;
        let day_hash = derive_seed(
            self.seed,
            STREAM_BIRTH_DAY,
            u64::from(birth.0.unsigned_abs()),
        );
        let (region, repetition) = self.slots[((rank + day_hash % slots) % slots) as usize];
        let pair = ((rank / slots) * REGION_WEIGHT_MAX + repetition)
            .min(SEQUENCE_PAIRS_PER_REGION_DAY - 1);
        // Spread the sequence numbers over 001-998 by a bijection of 0..499 (499 is prime),
        // so that the first person of a day does not always get 001.
        let pair = (pair * SEQUENCE_STRIDE + (day_hash >> 32) % SEQUENCE_PAIRS_PER_REGION_DAY)
            % SEQUENCE_PAIRS_PER_REGION_DAY;
        // Odd sequence numbers are men.
        let sequence = 2 * pair + 1 + u64::from(female);
        let (y, m, d) = birth.ymd();
        let first17 = format!("{}{y:04}{m:02}{d:02}{sequence:03}", region.code);
        let check = resident_id_check_char(&first17).unwrap_or('0');
        (format!("{first17}{check}"), birth)
    }
}

/// The kinds of organisation code bodies: new-style codes ("MA" and six characters) and
/// pre-2015 numeric organisation codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeStyle {
    New,
    Numeric,
}

const USCC_ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const NEW_SPACE: u64 = 31u64.pow(6);
const NUMERIC_SPACE: u64 = 100_000_000;

/// The largest number of organisations whose codes are unique by construction.
pub(crate) const ORG_CAPACITY: u64 = NUMERIC_SPACE;

/// Everything needed to compute organisation `k`'s USCC from `k`.
#[derive(Clone, Debug)]
pub(crate) struct OrgIds {
    new_multiplier: u64,
    new_offset: u64,
    numeric_multiplier: u64,
    numeric_offset: u64,
}

impl OrgIds {
    pub(crate) fn new(seed: u64) -> OrgIds {
        let draw = |i| derive_seed(seed, STREAM_ORG_CODE, i);
        // Multipliers coprime with the space make k -> k * m + c a bijection of the space.
        let mut new_multiplier = draw(0) % NEW_SPACE;
        if new_multiplier.is_multiple_of(31) {
            new_multiplier += 1;
        }
        let mut numeric_multiplier = (draw(2) % NUMERIC_SPACE) | 1;
        if numeric_multiplier.is_multiple_of(5) {
            numeric_multiplier += 2;
        }
        OrgIds {
            new_multiplier,
            new_offset: draw(1) % NEW_SPACE,
            numeric_multiplier,
            numeric_offset: draw(3) % NUMERIC_SPACE,
        }
    }

    /// Organisation `k`'s USCC. `kind` is the second character (1 enterprise, 2 sole
    /// proprietor, 3 farmers' cooperative). A legacy code gets a check character that does not
    /// verify (`wrong` picks which), and always a new-style body, so that it can never be read
    /// as a resident id.
    pub(crate) fn uscc(
        &self,
        k: u64,
        kind: char,
        region: &Region,
        style: CodeStyle,
        legacy_wrong: Option<u64>,
    ) -> String {
        let numeric = self.body(k, CodeStyle::Numeric);
        let use_numeric = style == CodeStyle::Numeric
            && legacy_wrong.is_none()
            && !reads_as_resident_id(kind, region, &numeric);
        let body = if use_numeric {
            numeric
        } else {
            self.body(k, CodeStyle::New)
        };
        let first17 = format!("9{kind}{}{body}{}", region.code, gb11714_check(&body));
        let check = uscc_check_char(&first17).unwrap_or('0');
        let check = match legacy_wrong {
            None => check,
            Some(wrong) => {
                let index = USCC_ALPHABET
                    .iter()
                    .position(|&c| char::from(c) == check)
                    .unwrap_or(0) as u64;
                let other = (index + 1 + wrong % 30) % 31;
                char::from(USCC_ALPHABET[other as usize])
            }
        };
        format!("{first17}{check}")
    }

    fn body(&self, k: u64, style: CodeStyle) -> String {
        match style {
            CodeStyle::Numeric => {
                let value = (u128::from(k) * u128::from(self.numeric_multiplier)
                    + u128::from(self.numeric_offset))
                    % u128::from(NUMERIC_SPACE);
                format!("{value:08}")
            }
            CodeStyle::New => {
                let mut value = ((u128::from(k) * u128::from(self.new_multiplier)
                    + u128::from(self.new_offset))
                    % u128::from(NEW_SPACE)) as u64;
                let mut chars = [b'0'; 6];
                for slot in chars.iter_mut().rev() {
                    *slot = USCC_ALPHABET[(value % 31) as usize];
                    value /= 31;
                }
                let mut body = String::from("MA");
                body.extend(chars.iter().map(|&c| char::from(c)));
                body
            }
        }
    }
}

/// The GB 11714 check character of an 8-character organisation code body.
fn gb11714_check(body: &str) -> char {
    const WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| {
            let value = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                _ => u32::from(b.saturating_sub(b'A')) + 10,
            };
            value * w
        })
        .sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        digit => char::from(b'0' + digit as u8),
    }
}

/// Whether an all-digit code would also read as a valid resident id (then the organisation
/// gets a new-style body instead, so that its code is never mistaken for a person's).
fn reads_as_resident_id(kind: char, region: &Region, numeric_body: &str) -> bool {
    let first17 = format!(
        "9{kind}{}{numeric_body}{}",
        region.code,
        gb11714_check(numeric_body)
    );
    let Some(check) = uscc_check_char(&first17) else {
        return false;
    };
    ResidentId::parse(&format!("{first17}{check}")).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutation_is_a_bijection() {
        for n in [1u64, 2, 3, 10, 1000, 4097] {
            let permutation = Permutation::new(n, 11);
            let mut seen = vec![false; n as usize];
            for x in 0..n {
                let y = permutation.apply(x);
                assert!(y < n);
                assert!(!seen[y as usize], "{n}: {y} twice");
                seen[y as usize] = true;
            }
        }
    }

    #[test]
    fn region_codes_are_distinct_and_weights_bounded() {
        let codes: std::collections::HashSet<_> = REGIONS.iter().map(|(r, _)| r.code).collect();
        assert_eq!(codes.len(), REGIONS.len());
        let heaviest = REGIONS.iter().map(|&(_, w)| u64::from(w)).max();
        assert_eq!(heaviest, Some(REGION_WEIGHT_MAX));
    }

    #[test]
    fn gb11714_check_matches_a_published_code() {
        // 91110000600037341L: organisation code 60003734-1.
        assert_eq!(gb11714_check("60003734"), '1');
    }

    #[test]
    fn resident_ids_are_unique_and_valid() {
        let end = Day::from_ymd(2026, 11, 1).unwrap();
        let ids = PersonIds::new(50_000, 3, end);
        let mut all = std::collections::HashSet::new();
        for k in 0..50_000 {
            let (id, birth) = ids.resident_id(k, k % 3 == 0);
            let parsed = ResidentId::parse(&id).unwrap();
            assert_eq!(parsed.birth_date(), birth);
            assert_eq!(parsed.is_male(), k % 3 != 0);
            assert!(all.insert(id));
        }
    }

    #[test]
    fn generated_identifiers_have_one_reading_only() {
        // A generated value valid under both GB 11643 and GB 32100 would be refused by intake
        // unless the file stated its kind: the city never produces one.
        let end = Day::from_ymd(2026, 11, 1).unwrap();
        let people = PersonIds::new(20_000, 5, end);
        for k in 0..20_000 {
            let (id, _) = people.resident_id(k, k % 2 == 0);
            assert!(Uscc::parse(&id, IdOptions::default()).is_err(), "{id}");
            let parsed = Identifier::parse(&id, IdOptions::default()).unwrap();
            assert_eq!(parsed.kind(), SubjectKind::Person, "{id}");
        }
        let orgs = OrgIds::new(5);
        for k in 0..20_000u64 {
            let region = &REGIONS[(k % REGIONS.len() as u64) as usize].0;
            let kind = ['1', '2', '3'][(k % 3) as usize];
            let style = if k % 2 == 0 {
                CodeStyle::Numeric
            } else {
                CodeStyle::New
            };
            let code = orgs.uscc(k, kind, region, style, None);
            assert!(ResidentId::parse(&code).is_err(), "{code}");
            let parsed = Identifier::parse(&code, IdOptions::default()).unwrap();
            assert_eq!(parsed.kind(), SubjectKind::Organisation, "{code}");
            assert_eq!(parsed.canonical(), code);
        }
    }
}
