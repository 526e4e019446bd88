//! Conditions on a record's own attributes: the `when = "..."` of rules, grounds and bars.
//!
//! ```text
//! condition  := or
//! or         := and ("or" and)*
//! and        := unary ("and" unary)*
//! unary      := "not" unary | "(" condition ")" | comparison
//! comparison := attribute [op literal | "in" "[" literal ("," literal)* "]"]
//! op         := "==" | "!=" | "<" | "<=" | ">" | ">="
//! literal    := number (12, 10000.50) | "text" | true | false
//! ```
//!
//! A condition can only name attributes of the record it is evaluated on: the language has no
//! way to reach another record, let alone another subject. A bare attribute name is a test of a
//! `bool` attribute. Conditions compile to [`Condition`], evaluated on the record's attribute
//! slots (integers) without allocation.

use std::ops::Range;

/// A parsed condition, with spans relative to the condition text.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    Or(Vec<Expr>),
    And(Vec<Expr>),
    Not(Box<Expr>),
    Compare {
        attribute: Name,
        op: Op,
        literal: Literal,
    },
    In {
        attribute: Name,
        literals: Vec<Literal>,
    },
    Flag(Name),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub value: LiteralValue,
    pub span: Range<usize>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum LiteralValue {
    /// A number as written, scaled by 100 (so money keeps its fen); `whole` when it had no
    /// decimal point.
    Number {
        hundredths: i64,
        whole: bool,
    },
    Text(String),
    Bool(bool),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    #[inline]
    pub fn holds(self, left: i64, right: i64) -> bool {
        match self {
            Op::Eq => left == right,
            Op::Ne => left != right,
            Op::Lt => left < right,
            Op::Le => left <= right,
            Op::Gt => left > right,
            Op::Ge => left >= right,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        }
    }
}

/// A syntax error in a condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    pub span: Range<usize>,
}

/// Conditions deeper than this are refused (they protect the evaluator, not the author).
pub const CONDITION_DEPTH_MAX: usize = 16;

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Ident(String),
    Number { hundredths: i64, whole: bool },
    Text(String),
    Op(Op),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
}

fn lex(text: &str) -> Result<Vec<(Token, Range<usize>)>, ExprError> {
    let bytes = text.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let start = i;
        let single = |token| (token, start..start + 1);
        match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'(' => tokens.push(single(Token::LParen)),
            b')' => tokens.push(single(Token::RParen)),
            b'[' => tokens.push(single(Token::LBracket)),
            b']' => tokens.push(single(Token::RBracket)),
            b',' => tokens.push(single(Token::Comma)),
            b'=' | b'!' | b'<' | b'>' => {
                let next = bytes.get(i + 1).copied();
                let (op, len) = match (c, next) {
                    (b'=', Some(b'=')) => (Op::Eq, 2),
                    (b'!', Some(b'=')) => (Op::Ne, 2),
                    (b'<', Some(b'=')) => (Op::Le, 2),
                    (b'>', Some(b'=')) => (Op::Ge, 2),
                    (b'<', _) => (Op::Lt, 1),
                    (b'>', _) => (Op::Gt, 1),
                    _ => {
                        return Err(ExprError {
                            message: "expected a comparison: `==`, `!=`, `<`, `<=`, `>` or `>=`"
                                .into(),
                            span: start..start + 1,
                        });
                    }
                };
                tokens.push((Token::Op(op), start..start + len));
                i += len;
                continue;
            }
            b'"' | b'\'' => {
                let end = text[i + 1..].find(c as char).ok_or_else(|| ExprError {
                    message: "text is not closed: add the closing quote".into(),
                    span: start..text.len(),
                })?;
                let value = text[i + 1..i + 1 + end].to_owned();
                i += end + 2;
                tokens.push((Token::Text(value), start..i));
                continue;
            }
            b'0'..=b'9' | b'-' => {
                i += 1;
                while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
                    i += 1;
                }
                let token = number(&text[start..i]).ok_or_else(|| ExprError {
                    message: format!(
                        "`{}` is not a number: write digits with at most two decimals",
                        &text[start..i]
                    ),
                    span: start..i,
                })?;
                tokens.push((token, start..i));
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push((Token::Ident(text[start..i].to_owned()), start..i));
                continue;
            }
            _ => {
                let width = text[i..].chars().next().map_or(1, char::len_utf8);
                return Err(ExprError {
                    message: format!("unexpected `{}` in a condition", &text[i..i + width]),
                    span: start..start + width,
                });
            }
        }
        i += 1;
    }
    Ok(tokens)
}

fn number(text: &str) -> Option<Token> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole_part, fraction) = match digits.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (digits, None),
    };
    if whole_part.is_empty() || whole_part.len() > 15 {
        return None;
    }
    let whole: i64 = whole_part.parse().ok()?;
    let cents: i64 = match fraction {
        None => 0,
        Some(f) if f.len() == 1 => f.parse::<i64>().ok()? * 10,
        Some(f) if f.len() == 2 => f.parse().ok()?,
        Some(_) => return None,
    };
    let value = whole * 100 + cents;
    Some(Token::Number {
        hundredths: if negative { -value } else { value },
        whole: fraction.is_none(),
    })
}

struct Parser {
    tokens: Vec<(Token, Range<usize>)>,
    position: usize,
    end: usize,
}

/// Parses a condition.
pub fn parse(text: &str) -> Result<Expr, ExprError> {
    let tokens = lex(text)?;
    if tokens.is_empty() {
        return Err(ExprError {
            message: "the condition is empty: write one such as `amount >= 10000`".into(),
            span: 0..text.len(),
        });
    }
    let mut parser = Parser {
        tokens,
        position: 0,
        end: text.len(),
    };
    let expr = parser.or(0)?;
    if let Some((_, span)) = parser.tokens.get(parser.position) {
        return Err(ExprError {
            message: "unexpected text after the condition: join conditions with `and` / `or`"
                .into(),
            span: span.clone(),
        });
    }
    Ok(expr)
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position).map(|(t, _)| t)
    }

    fn span(&self) -> Range<usize> {
        self.tokens
            .get(self.position)
            .map_or(self.end..self.end, |(_, s)| s.clone())
    }

    fn keyword(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Token::Ident(w)) if w == word) {
            self.position += 1;
            true
        } else {
            false
        }
    }

    fn too_deep(&self, depth: usize) -> Result<(), ExprError> {
        if depth > CONDITION_DEPTH_MAX {
            return Err(ExprError {
                message: format!("condition nested deeper than {CONDITION_DEPTH_MAX} levels"),
                span: self.span(),
            });
        }
        Ok(())
    }

    fn or(&mut self, depth: usize) -> Result<Expr, ExprError> {
        self.too_deep(depth)?;
        let mut parts = vec![self.and(depth + 1)?];
        while self.keyword("or") {
            parts.push(self.and(depth + 1)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::Or(parts)
        })
    }

    fn and(&mut self, depth: usize) -> Result<Expr, ExprError> {
        let mut parts = vec![self.unary(depth + 1)?];
        while self.keyword("and") {
            parts.push(self.unary(depth + 1)?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Expr::And(parts)
        })
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, ExprError> {
        self.too_deep(depth)?;
        if self.keyword("not") {
            return Ok(Expr::Not(Box::new(self.unary(depth + 1)?)));
        }
        if self.peek() == Some(&Token::LParen) {
            self.position += 1;
            let inner = self.or(depth + 1)?;
            if self.peek() != Some(&Token::RParen) {
                return Err(ExprError {
                    message: "expected `)`".into(),
                    span: self.span(),
                });
            }
            self.position += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Expr, ExprError> {
        let span = self.span();
        let attribute = match self.peek() {
            Some(Token::Ident(name))
                if !matches!(
                    name.as_str(),
                    "and" | "or" | "not" | "in" | "true" | "false"
                ) =>
            {
                Name {
                    text: name.clone(),
                    span,
                }
            }
            _ => {
                return Err(ExprError {
                    message: "expected an attribute name of the record".into(),
                    span,
                });
            }
        };
        self.position += 1;
        if let Some(Token::Op(op)) = self.peek().cloned() {
            self.position += 1;
            let literal = self.literal()?;
            return Ok(Expr::Compare {
                attribute,
                op,
                literal,
            });
        }
        if self.keyword("in") {
            if self.peek() != Some(&Token::LBracket) {
                return Err(ExprError {
                    message: "expected `[` after `in`".into(),
                    span: self.span(),
                });
            }
            self.position += 1;
            let mut literals = vec![self.literal()?];
            while self.peek() == Some(&Token::Comma) {
                self.position += 1;
                literals.push(self.literal()?);
            }
            if self.peek() != Some(&Token::RBracket) {
                return Err(ExprError {
                    message: "expected `,` or `]`".into(),
                    span: self.span(),
                });
            }
            self.position += 1;
            return Ok(Expr::In {
                attribute,
                literals,
            });
        }
        Ok(Expr::Flag(attribute))
    }

    fn literal(&mut self) -> Result<Literal, ExprError> {
        let span = self.span();
        let value = match self.peek() {
            Some(Token::Number { hundredths, whole }) => LiteralValue::Number {
                hundredths: *hundredths,
                whole: *whole,
            },
            Some(Token::Text(text)) => LiteralValue::Text(text.clone()),
            Some(Token::Ident(word)) if word == "true" => LiteralValue::Bool(true),
            Some(Token::Ident(word)) if word == "false" => LiteralValue::Bool(false),
            _ => {
                return Err(ExprError {
                    message: "expected a value: a number, \"text\", true or false".into(),
                    span,
                });
            }
        };
        self.position += 1;
        Ok(Literal { value, span })
    }
}

/// A compiled condition over a record's attribute slots.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    Always,
    Compare { slot: u16, op: Op, value: i64 },
    In { slot: u16, values: Vec<i64> },
    Not(Box<Condition>),
    All(Vec<Condition>),
    Any(Vec<Condition>),
}

/// The value of an attribute the record does not have. Comparisons with it are false.
pub const MISSING: i64 = i64::MIN;

impl Condition {
    /// Whether the condition holds for a record with these attribute slots.
    #[inline]
    pub fn holds(&self, attributes: &[i64]) -> bool {
        match self {
            Condition::Always => true,
            Condition::Compare { slot, op, value } => match attributes.get(usize::from(*slot)) {
                Some(&v) if v != MISSING => op.holds(v, *value),
                _ => false,
            },
            Condition::In { slot, values } => match attributes.get(usize::from(*slot)) {
                Some(&v) if v != MISSING => values.contains(&v),
                _ => false,
            },
            Condition::Not(inner) => !inner.holds(attributes),
            Condition::All(parts) => parts.iter().all(|p| p.holds(attributes)),
            Condition::Any(parts) => parts.iter().any(|p| p.holds(attributes)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_precedence_and_lists() {
        let expr = parse("a >= 10 and not b or c in [\"x\", 'y']").unwrap();
        let Expr::Or(parts) = expr else {
            panic!("expected or")
        };
        assert_eq!(parts.len(), 2);
        assert!(matches!(&parts[0], Expr::And(and) if and.len() == 2));
        assert!(matches!(&parts[1], Expr::In { literals, .. } if literals.len() == 2));
    }

    #[test]
    fn numbers_keep_two_decimals() {
        let Expr::Compare { literal, .. } = parse("amount > 10000.5").unwrap() else {
            panic!("expected a comparison")
        };
        assert_eq!(
            literal.value,
            LiteralValue::Number {
                hundredths: 1_000_050,
                whole: false
            }
        );
    }

    #[test]
    fn syntax_errors_point_into_the_text() {
        let cases = [
            ("amount >", "expected a value", 8..8),
            ("amount >= 1 2", "unexpected text", 12..13),
            ("(a", "expected `)`", 2..2),
            ("a = 1", "expected a comparison", 2..3),
            ("a == \"x", "not closed", 5..7),
            ("a == 1.234", "not a number", 5..10),
            ("", "empty", 0..0),
            ("a in 1", "expected `[`", 5..6),
            ("a == 1 § b", "unexpected `§`", 7..9),
        ];
        for (text, message, span) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.message.contains(message), "{text}: {}", error.message);
            assert_eq!(error.span, span, "{text}");
        }
    }

    #[test]
    fn depth_is_limited() {
        let text = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(parse(&text).unwrap_err().message.contains("deeper"));
    }

    #[test]
    fn compiled_conditions_treat_missing_as_false() {
        let c = Condition::Compare {
            slot: 0,
            op: Op::Ge,
            value: 5,
        };
        assert!(c.holds(&[5]));
        assert!(!c.holds(&[4]));
        assert!(!c.holds(&[MISSING]));
        assert!(Condition::Not(Box::new(c)).holds(&[MISSING]));
    }
}
