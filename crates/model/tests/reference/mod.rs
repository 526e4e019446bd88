//! A reference for the identifier rules, written from the standards' text and kept apart from
//! `credence_model::id`: it restates the rules of GB 11643-1999 (resident identity number),
//! GB 32100-2015 (unified social credit code), GB 11714-1997 (organisation code) and GB/T 2260
//! (region codes) as directly as possible, computes its check characters by the formulas of
//! the standards (ISO 7064 MOD 11-2, MOD 31 over the 31-symbol alphabet, MOD 11 with the
//! weights of GB 11714) rather than by lookup tables, and decides the reading of a value by
//! the rules the registry publishes:
//!
//! * valid as a resident id and as a USCC: ambiguous, refused until the kind is stated;
//! * valid as a resident id only: a person;
//! * valid as a USCC only: an organisation, unless the value has the shape of a resident id
//!   (17 digits and a digit or X, a province code, a birth year 19xx or 20xx), in which case it
//!   is refused until the kind is stated (it is more likely a mistyped resident id);
//! * otherwise refused.
//!
//! Used by the model's tests and by the command line's (`id check`).

#![allow(dead_code, reason = "each test crate uses part of the reference")]

use credence_gen::SplitMix64;

// ---------------------------------------------------------------------------------------------
// The reference.

/// GB/T 2260: the first two digits of the province-level divisions of the mainland.
pub fn mainland_province(two: u32) -> bool {
    matches!(two, 11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65)
}

/// Taiwan, Hong Kong and Macau have one code each in GB/T 2260 (710000, 810000, 820000), with
/// no subdivisions; residence permits of Hong Kong, Macau and Taiwan residents carry 810000,
/// 820000 and 830000 as their address code.
pub const WHOLE_UNIT_RESIDENT: [&str; 4] = ["710000", "810000", "820000", "830000"];
/// A USCC's region is where the registering authority sits: a GB/T 2260 code, or 100000 for a
/// national registration.
pub const WHOLE_UNIT_USCC: [&str; 4] = ["100000", "710000", "810000", "820000"];

pub fn digits_value(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

pub fn leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

pub fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Placeholder values: every character the same, or one run of consecutive digits up or down.
pub fn placeholder(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 2 {
        return false;
    }
    let same = b.iter().all(|&c| c == b[0]);
    let step = |d: u8| {
        b.iter().all(u8::is_ascii_digit)
            && b.windows(2).all(|w| (w[0] - b'0' + d) % 10 == w[1] - b'0')
    };
    same || step(1) || step(9)
}

/// ISO 7064 MOD 11-2 as GB 11643 applies it: weights 2^(18-i) mod 11 for i = 1..17, and the
/// check character c satisfies (sum + c) mod 11 = 1, c = 10 written X.
pub fn mod_11_2(first17: &[u8]) -> u8 {
    let mut sum = 0u32;
    for (i, &d) in first17.iter().enumerate() {
        let weight = (1u32 << (17 - i)) % 11;
        sum += u32::from(d - b'0') * weight;
    }
    let c = (12 - sum % 11) % 11;
    if c == 10 { b'X' } else { b'0' + c as u8 }
}

/// The resident id reading: the birth date when valid.
pub fn ref_resident(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 18 || !b[..17].iter().all(u8::is_ascii_digit) {
        return None;
    }
    if !(b[17].is_ascii_digit() || b[17] == b'X') || placeholder(s) {
        return None;
    }
    let region = &s[..6];
    if !mainland_province(digits_value(&s[..2])?) && !WHOLE_UNIT_RESIDENT.contains(&region) {
        return None;
    }
    let (y, m, d) = (
        digits_value(&s[6..10])?,
        digits_value(&s[10..12])?,
        digits_value(&s[12..14])?,
    );
    if !(1900..=2099).contains(&y) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    (mod_11_2(&b[..17]) == b[17]).then_some((y, m, d))
}

/// GB 32100 symbols: digits and capital letters except I, O, Z, S, V.
pub fn uscc_value(c: u8) -> Option<u32> {
    let symbols = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    symbols.iter().position(|&x| x == c).map(|p| p as u32)
}

/// Registration authority codes and the organisation categories each assigns (GB 32100-2015
/// table 1 and the authority codes assigned since).
pub fn authority_categories(authority: u8) -> &'static [u8] {
    match authority {
        b'1' => b"1239",
        b'2' => b"19",
        b'3' => b"123459",
        b'4' => b"19",
        b'5' => b"1239",
        b'6' => b"129",
        b'7' => b"129",
        b'8' => b"19",
        b'9' => b"123",
        b'A' => b"19",
        b'N' => b"1239",
        b'Y' => b"1",
        _ => b"",
    }
}

/// GB 11714: weights 3 7 9 10 5 8 4 2, digits their value and letters A=10 ... Z=35; the check
/// is 11 - (sum mod 11), written X for 10 and 0 for 11.
pub fn gb11714_check(body: &[u8]) -> Option<u8> {
    let weights = [3, 7, 9, 10, 5, 8, 4, 2];
    let mut sum = 0;
    for (&c, w) in body.iter().zip(weights) {
        let v = match c {
            b'0'..=b'9' => u32::from(c - b'0'),
            b'A'..=b'Z' => u32::from(c - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => b'X',
        11 => b'0',
        n => b'0' + n as u8,
    })
}

/// GB 32100 check: weights 3^(i-1) mod 31, check value (31 - sum mod 31) mod 31.
pub fn mod_31(first17: &[u8]) -> Option<u8> {
    let mut sum = 0u32;
    let mut weight = 1u32;
    for &c in first17 {
        sum += uscc_value(c)? * weight;
        weight = weight * 3 % 31;
    }
    let value = (31 - sum % 31) % 31;
    Some(b"0123456789ABCDEFGHJKLMNPQRTUWXY"[value as usize])
}

/// The USCC reading; `legacy` excuses the last character only.
pub fn ref_uscc(s: &str, legacy: bool) -> bool {
    let b = s.as_bytes();
    if b.len() != 18 || b.iter().any(|&c| uscc_value(c).is_none()) || placeholder(s) {
        return false;
    }
    if !authority_categories(b[0]).contains(&b[1]) {
        return false;
    }
    let region = &s[2..8];
    let Some(province) = digits_value(&region[..2]) else {
        return false;
    };
    if digits_value(region).is_none()
        || !(mainland_province(province) || WHOLE_UNIT_USCC.contains(&region))
    {
        return false;
    }
    if &s[8..16] == "00000000" || gb11714_check(&b[8..16]) != Some(b[16]) {
        return false;
    }
    legacy || mod_31(&b[..17]) == Some(b[17])
}

/// 17 digits then a digit or X, a province code and a birth year 19xx or 20xx.
pub fn resident_shaped(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 18
        && b[..17].iter().all(u8::is_ascii_digit)
        && (b[17].is_ascii_digit() || b[17] == b'X')
        && digits_value(&s[..2])
            .is_some_and(|p| mainland_province(p) || [71, 81, 82, 83].contains(&p))
        && matches!(&s[6..8], "19" | "20")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reading {
    Person,
    Organisation,
    /// Refused as it is written (invalid, ambiguous, or needing its kind stated).
    Refused,
}

pub fn reference(s: &str, legacy: bool) -> Reading {
    let digit_shape = s.len() == 18
        && s.as_bytes()[..17].iter().all(u8::is_ascii_digit)
        && (s.as_bytes()[17].is_ascii_digit() || s.as_bytes()[17] == b'X');
    let person = ref_resident(s).is_some();
    // A value of resident id shape is never excused as a legacy code.
    let organisation = ref_uscc(s, legacy && !digit_shape);
    match (person, organisation) {
        (true, true) => Reading::Refused,
        (true, false) => Reading::Person,
        (false, true) if resident_shaped(s) => Reading::Refused,
        (false, true) => Reading::Organisation,
        (false, false) => Reading::Refused,
    }
}

// ---------------------------------------------------------------------------------------------
// Generators.

pub const PROVINCES: [u32; 34] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82,
];

pub fn pick<T: Copy>(rng: &mut SplitMix64, items: &[T]) -> T {
    items[rng.below(items.len() as u64) as usize]
}

pub fn random_date(rng: &mut SplitMix64) -> String {
    let y = 1900 + rng.below(200) as u32;
    let m = 1 + rng.below(12) as u32;
    let d = 1 + rng.below(u64::from(days_in_month(y, m))) as u32;
    format!("{y:04}{m:02}{d:02}")
}

pub fn valid_resident(rng: &mut SplitMix64) -> String {
    let region = if rng.below(20) == 0 {
        pick(rng, &WHOLE_UNIT_RESIDENT).to_owned()
    } else {
        let province = pick(rng, &PROVINCES[..31]);
        format!("{province}{:04}", rng.below(10_000))
    };
    let first17 = format!("{region}{}{:03}", random_date(rng), rng.below(1000));
    let check = char::from(mod_11_2(first17.as_bytes()));
    let id = format!("{first17}{check}");
    if placeholder(&id) {
        valid_resident(rng)
    } else {
        id
    }
}

pub const SYMBOLS: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
pub const AUTHORITIES: &[u8] = b"123456789ANY";

pub fn valid_uscc(rng: &mut SplitMix64, numeric: bool) -> String {
    let authority = if numeric {
        pick(rng, &AUTHORITIES[..9])
    } else {
        pick(rng, AUTHORITIES)
    };
    let category = pick(rng, authority_categories(authority));
    let region = if rng.below(20) == 0 {
        pick(rng, &WHOLE_UNIT_USCC).to_owned()
    } else {
        format!("{}{:04}", pick(rng, &PROVINCES[..31]), rng.below(10_000))
    };
    let body: String = (0..8)
        .map(|_| {
            let set = if numeric { &SYMBOLS[..10] } else { SYMBOLS };
            char::from(pick(rng, set))
        })
        .collect();
    let Some(org_check) = gb11714_check(body.as_bytes()) else {
        unreachable!()
    };
    if numeric && org_check == b'X' || body == "00000000" {
        return valid_uscc(rng, numeric);
    }
    let first17 = format!(
        "{}{}{region}{body}{}",
        char::from(authority),
        char::from(category),
        char::from(org_check)
    );
    let check = mod_31(first17.as_bytes()).map(char::from).unwrap_or('?');
    format!("{first17}{check}")
}

/// A value valid both as a resident id and as a USCC.
pub fn ambiguous(rng: &mut SplitMix64) -> String {
    // Province codes that are also an authority and one of its categories.
    let both: Vec<u32> = PROVINCES[..31]
        .iter()
        .copied()
        .filter(|&p| {
            let text = p.to_string();
            authority_categories(text.as_bytes()[0]).contains(&text.as_bytes()[1])
        })
        .collect();
    loop {
        // Positions 3-4 a province (the USCC region), 7-8 a birth century (the county).
        let first2 = pick(rng, &both);
        let date = random_date(rng);
        let first8 = format!(
            "{first2}{}{:02}{}",
            pick(rng, &PROVINCES[..31]),
            rng.below(100),
            &date[..2]
        );
        let body = format!("{}{:02}", &date[2..], rng.below(100));
        let Some(org_check) = gb11714_check(body.as_bytes()) else {
            continue;
        };
        if org_check == b'X' {
            continue;
        }
        let first17 = format!("{first8}{body}{}", char::from(org_check));
        let check = mod_11_2(first17.as_bytes());
        if mod_31(first17.as_bytes()) == Some(check) {
            let value = format!("{first17}{}", char::from(check));
            assert!(
                ref_resident(&value).is_some() && ref_uscc(&value, false),
                "{value}"
            );
            return value;
        }
    }
}

/// One random change: a character replaced (by a digit, a symbol or any capital letter), two
/// neighbours swapped, or a digit inserted or deleted.
pub fn mutate(rng: &mut SplitMix64, value: &str) -> String {
    let mut chars: Vec<u8> = value.bytes().collect();
    let i = rng.below(chars.len() as u64) as usize;
    match rng.below(10) {
        0..=5 => chars[i] = pick(rng, b"0123456789X"),
        6 => chars[i] = pick(rng, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
        7 | 8 if i + 1 < chars.len() => chars.swap(i, i + 1),
        _ => chars[i] = pick(rng, SYMBOLS),
    }
    String::from_utf8(chars).unwrap_or_default()
}

/// The reading when the source states the kind: the value must be valid as that kind.
pub fn reference_as(s: &str, legacy: bool, stated: Reading) -> Reading {
    let digit_shape = s.len() == 18
        && s.as_bytes()[..17].iter().all(u8::is_ascii_digit)
        && (s.as_bytes()[17].is_ascii_digit() || s.as_bytes()[17] == b'X');
    match stated {
        Reading::Person if ref_resident(s).is_some() => Reading::Person,
        Reading::Organisation if ref_uscc(s, legacy && !digit_shape) => Reading::Organisation,
        _ => Reading::Refused,
    }
}

/// A valid value of either kind, a mutation of one, or an ambiguous one, by `round`.
pub fn sample(rng: &mut SplitMix64, round: usize) -> String {
    let valid = match round % 3 {
        0 => valid_resident(rng),
        1 => valid_uscc(rng, round.is_multiple_of(2)),
        _ => ambiguous(rng),
    };
    match round % 4 {
        0 => valid,
        1 => {
            let once = mutate(rng, &valid);
            mutate(rng, &once)
        }
        _ => mutate(rng, &valid),
    }
}
