//! JSON documents written every way JSON allows that `jsonb` prints alike: keys of every
//! length and order, repeated keys, escapes, numbers in every form, whitespace anywhere.
//! Deterministic (a fixed xorshift seed), so a failure names a document that stays.

/// A small deterministic generator; no need for a crate to pick among a few cases.
pub struct Documents(u64);

const KEYS: &[&str] = &[
    "",
    "a",
    "b",
    "aa",
    "ab",
    "ba",
    "z",
    "id",
    "é",
    "ä",
    "ß",
    "€",
    "a\\\"b",
    "\\\\",
    "k\\n",
    "\\u0041",
    "tab\\t",
    "\\/",
    "event_id",
    "holds",
    "amount_minor",
    "emoji 🎟",
];

const STRINGS: &[&str] = &[
    "",
    "x",
    "café",
    "line\\nbreak",
    "\\u001f",
    "\\u0001\\u0002",
    "quote \\\" here",
    "back \\\\ slash",
    "\\/path\\/",
    "\\b\\f\\r\\t",
    "\\u0041\\u007e",
    "🎟 ticket",
    "2026-12-07T14:46:17.123456Z",
    "\\u007f",
    "\u{7f}",
];

const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "0.000",
    "1",
    "-1",
    "10",
    "1.5",
    "1.50",
    "-12.340",
    "1e2",
    "1E+2",
    "1e-2",
    "1.5e3",
    "1.50e1",
    "-12.34e-3",
    "0e-5",
    "-0e7",
    "9223372036854775807",
    "-9223372036854775808",
    "123456789012345678901234567890.123",
    "5e0",
    "0.1e1",
    "7E-0",
    "1e1000",
    "1e-1000",
    "2.5e-10",
];

const WHITESPACE: &[&str] = &["", "", "", " ", "\n", "\t ", "\r\n  "];

impl Documents {
    pub fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn space(&mut self) -> &'static str {
        self.pick(WHITESPACE)
    }

    /// One document, nested at most `depth` deep.
    pub fn document(&mut self, depth: usize) -> String {
        let mut out = String::new();
        self.value(depth, &mut out);
        out
    }

    fn value(&mut self, depth: usize, out: &mut String) {
        let kinds = if depth == 0 { 4 } else { 6 };
        out.push_str(self.space());
        match self.below(kinds) {
            0 => out.push_str(self.pick(&["true", "false", "null"])),
            1 => out.push_str(self.pick(NUMBERS)),
            2 => out.push_str(&(self.next() as i64 >> self.below(60)).to_string()),
            3 => {
                let text = self.pick(STRINGS);
                out.push_str(&format!("\"{text}\""));
            }
            4 => {
                out.push('[');
                let n = self.below(5);
                for index in 0..n {
                    if index > 0 {
                        out.push(',');
                    }
                    self.value(depth - 1, out);
                }
                out.push_str(self.space());
                out.push(']');
            }
            _ => {
                out.push('{');
                let n = self.below(7);
                for index in 0..n {
                    if index > 0 {
                        out.push(',');
                    }
                    let key = self.pick(KEYS);
                    out.push_str(&format!("{}\"{key}\"{}:", self.space(), self.space()));
                    self.value(depth - 1, out);
                }
                out.push_str(self.space());
                out.push('}');
            }
        }
        out.push_str(self.space());
    }
}
