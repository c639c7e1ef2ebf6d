//! JSON text into [`Value`]s, strict as PostgreSQL's lexer; `None` for anything it would
//! refuse or that [`super`] leaves to it.

use std::borrow::Cow;

use super::{Value, MAX_DEPTH, MAX_DIGITS, MAX_EXPONENT};

pub(super) struct Parser<'a> {
    bytes: &'a [u8],
    text: &'a str,
    at: usize,
}

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        Self {
            bytes: text.as_bytes(),
            text,
            at: 0,
        }
    }

    /// The whole text as one value, nothing after it but whitespace.
    pub(super) fn document(mut self) -> Option<Value<'a>> {
        let value = self.value(0)?;
        self.skip_whitespace();
        (self.at == self.bytes.len()).then_some(value)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.at) {
            self.at += 1;
        }
    }

    fn value(&mut self, depth: usize) -> Option<Value<'a>> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_whitespace();
        match *self.bytes.get(self.at)? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => self.string().map(Value::String),
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    fn literal(&mut self, literal: &'static str) -> Option<Value<'a>> {
        let end = self.at + literal.len();
        (self.bytes.get(self.at..end)? == literal.as_bytes()).then(|| {
            self.at = end;
            Value::Literal(literal)
        })
    }

    fn eat(&mut self, byte: u8) -> bool {
        self.skip_whitespace();
        let found = self.bytes.get(self.at) == Some(&byte);
        if found {
            self.at += 1;
        }
        found
    }

    fn array(&mut self, depth: usize) -> Option<Value<'a>> {
        self.at += 1;
        let mut elements = Vec::new();
        if self.eat(b']') {
            return Some(Value::Array(elements));
        }
        loop {
            elements.push(self.value(depth + 1)?);
            if self.eat(b']') {
                return Some(Value::Array(elements));
            }
            if !self.eat(b',') {
                return None;
            }
        }
    }

    fn object(&mut self, depth: usize) -> Option<Value<'a>> {
        self.at += 1;
        let mut members = Vec::new();
        if !self.eat(b'}') {
            loop {
                self.skip_whitespace();
                if self.bytes.get(self.at) != Some(&b'"') {
                    return None;
                }
                let key = self.string()?;
                if !self.eat(b':') {
                    return None;
                }
                members.push((key, self.value(depth + 1)?));
                if self.eat(b'}') {
                    break;
                }
                if !self.eat(b',') {
                    return None;
                }
            }
        }
        // A stable sort keeps repeated keys in document order; the last one stays.
        members
            .sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then(a.as_bytes().cmp(b.as_bytes())));
        members.dedup_by(|later, earlier| {
            let repeated = later.0 == earlier.0;
            if repeated {
                std::mem::swap(later, earlier);
            }
            repeated
        });
        Some(Value::Object(members))
    }

    /// A string from its opening quote, its escapes decoded.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.at += 1;
        let start = self.at;
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    let text = self.text.get(start..self.at)?;
                    self.at += 1;
                    return Some(Cow::Borrowed(text));
                }
                b'\\' => break,
                byte if byte < b' ' => return None,
                _ => self.at += 1,
            }
        }
        let mut decoded = String::from(self.text.get(start..self.at)?);
        loop {
            match *self.bytes.get(self.at)? {
                b'"' => {
                    self.at += 1;
                    return Some(Cow::Owned(decoded));
                }
                b'\\' => {
                    let escaped = match *self.bytes.get(self.at + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hex = self.text.get(self.at + 2..self.at + 6)?;
                            if !hex.bytes().all(|digit| digit.is_ascii_hexdigit()) {
                                return None;
                            }
                            let code = u32::from_str_radix(hex, 16).ok()?;
                            // Beyond ASCII the database's encoding decides; NUL jsonb refuses.
                            if code == 0 || code > 0x7f {
                                return None;
                            }
                            self.at += 4;
                            char::from_u32(code)?
                        }
                        _ => return None,
                    };
                    decoded.push(escaped);
                    self.at += 2;
                }
                byte if byte < b' ' => return None,
                _ => {
                    let run_start = self.at;
                    while let Some(&byte) = self.bytes.get(self.at) {
                        if byte == b'"' || byte == b'\\' || byte < b' ' {
                            break;
                        }
                        self.at += 1;
                    }
                    decoded.push_str(self.text.get(run_start..self.at)?);
                }
            }
        }
    }

    /// A number as JSON writes it: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    fn number(&mut self) -> Option<Value<'a>> {
        let start = self.at;
        let digits = |parser: &mut Self| {
            let from = parser.at;
            while parser.bytes.get(parser.at).is_some_and(u8::is_ascii_digit) {
                parser.at += 1;
            }
            parser.at - from
        };
        if self.bytes.get(self.at) == Some(&b'-') {
            self.at += 1;
        }
        let integer_start = self.at;
        let integer = digits(self);
        if integer == 0 || (integer > 1 && self.bytes[integer_start] == b'0') {
            return None;
        }
        let mut fraction = 0;
        if self.bytes.get(self.at) == Some(&b'.') {
            self.at += 1;
            fraction = digits(self);
            if fraction == 0 {
                return None;
            }
        }
        // Longer numbers meet numeric's own limits; PostgreSQL decides those.
        if integer + fraction > MAX_DIGITS {
            return None;
        }
        if let Some(b'e' | b'E') = self.bytes.get(self.at) {
            self.at += 1;
            if let Some(b'+' | b'-') = self.bytes.get(self.at) {
                self.at += 1;
            }
            let exponent_start = self.at;
            let exponent_digits = digits(self);
            // A long exponent is beyond MAX_EXPONENT whatever its digits.
            if exponent_digits == 0 || exponent_digits > 6 {
                return None;
            }
            let exponent: i64 = self.text.get(exponent_start..self.at)?.parse().ok()?;
            if exponent.abs() > MAX_EXPONENT {
                return None;
            }
        }
        // PostgreSQL's lexer refuses a number run into a letter or a digit (`1x`, `01`).
        if self
            .bytes
            .get(self.at)
            .is_some_and(|byte| byte.is_ascii_alphanumeric() || *byte == b'_' || *byte >= 0x80)
        {
            return None;
        }
        self.text.get(start..self.at).map(Value::Number)
    }
}
