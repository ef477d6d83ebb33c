//! JSON as Python's `json` module reads and writes it: objects keep their key order (as
//! `json.loads` dicts do), `dumps(sort_keys=True, indent=2)` output with `ensure_ascii`, and
//! Python's `str()`/`repr()` of the loaded values (what `swift capabilities` prints).

use crate::pyfmt::py_repr_str;

/// A JSON value with Python's distinctions (int vs float) and dict order.
#[derive(Clone, Debug, PartialEq)]
pub enum Json {
    /// `null` / `None`.
    Null,
    /// `true` / `True`.
    Bool(bool),
    /// An integer, as its decimal text (Python ints are unbounded).
    Int(String),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    List(Vec<Json>),
    /// An object, in document order.
    Dict(Vec<(String, Json)>),
}

impl Json {
    /// Parses JSON text.
    pub fn parse(text: &str) -> Result<Json, String> {
        let mut p = JsonParser {
            s: text.as_bytes(),
            i: 0,
            text,
        };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("Extra data at char {}", p.i));
        }
        Ok(v)
    }

    /// From a `serde_json` value (object keys come sorted, which `sort_keys` output does not
    /// mind).
    pub fn from_serde(v: &serde_json::Value) -> Json {
        use serde_json::Value;
        match v {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Json::Int(i.to_string())
                } else if let Some(u) = n.as_u64() {
                    Json::Int(u.to_string())
                } else {
                    Json::Float(n.as_f64().unwrap_or(0.0))
                }
            }
            Value::String(s) => Json::Str(s.clone()),
            Value::Array(a) => Json::List(a.iter().map(Json::from_serde).collect()),
            Value::Object(o) => Json::Dict(
                o.iter()
                    .map(|(k, v)| (k.clone(), Json::from_serde(v)))
                    .collect(),
            ),
        }
    }

    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Json::Null => false,
            Json::Bool(b) => *b,
            Json::Int(i) => !i.trim_start_matches('-').trim_start_matches('0').is_empty(),
            Json::Float(f) => *f != 0.0,
            Json::Str(s) => !s.is_empty(),
            Json::List(l) => !l.is_empty(),
            Json::Dict(d) => !d.is_empty(),
        }
    }

    /// Python's `str()` of the loaded value.
    pub fn py_str(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.py_repr(),
        }
    }

    /// Python's `repr()` of the loaded value.
    pub fn py_repr(&self) -> String {
        match self {
            Json::Null => "None".into(),
            Json::Bool(true) => "True".into(),
            Json::Bool(false) => "False".into(),
            Json::Int(i) => i.clone(),
            Json::Float(f) => py_float_repr(*f),
            Json::Str(s) => py_repr_str(s),
            Json::List(l) => {
                let items: Vec<String> = l.iter().map(Json::py_repr).collect();
                format!("[{}]", items.join(", "))
            }
            Json::Dict(d) => {
                let items: Vec<String> = d
                    .iter()
                    .map(|(k, v)| format!("{}: {}", py_repr_str(k), v.py_repr()))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
        }
    }

    /// `json.dumps(value, sort_keys=True, indent=2)`.
    pub fn dumps_sorted(&self) -> String {
        let mut out = String::new();
        self.dump(&mut out, 0);
        out
    }

    fn dump(&self, out: &mut String, level: usize) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(i) => out.push_str(i),
            Json::Float(f) => out.push_str(&json_float(*f)),
            Json::Str(s) => dump_str(out, s),
            Json::List(l) => {
                if l.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, v) in l.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(&"  ".repeat(level + 1));
                    v.dump(out, level + 1);
                }
                out.push('\n');
                out.push_str(&"  ".repeat(level));
                out.push(']');
            }
            Json::Dict(d) => {
                if d.is_empty() {
                    out.push_str("{}");
                    return;
                }
                let mut items: Vec<&(String, Json)> = d.iter().collect();
                items.sort_by(|a, b| a.0.cmp(&b.0));
                out.push('{');
                for (i, (k, v)) in items.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('\n');
                    out.push_str(&"  ".repeat(level + 1));
                    dump_str(out, k);
                    out.push_str(": ");
                    v.dump(out, level + 1);
                }
                out.push('\n');
                out.push_str(&"  ".repeat(level));
                out.push('}');
            }
        }
    }

    /// One item of a list being dumped at `level` 1 (for the streamed `list --json`).
    pub fn dump_at(&self, level: usize) -> String {
        let mut out = String::new();
        self.dump(&mut out, level);
        out
    }
}

/// `json.dumps` of a string with `ensure_ascii`.
fn dump_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            c => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
        }
    }
    out.push('"');
}

/// Python's `float.__repr__`: the shortest round-trip digits, in fixed notation for
/// exponents -4..16, otherwise `1e+16` style.
pub fn py_float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let sci = format!("{f:e}");
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m.to_owned(), e.parse::<i32>().unwrap_or(0)),
        None => (sci.clone(), 0),
    };
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let point = exp + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat((-point) as usize), digits)
        } else if point >= n {
            format!("{}{}.0", digits, "0".repeat((point - n) as usize))
        } else {
            format!(
                "{}.{}",
                &digits[..point as usize],
                &digits[point as usize..]
            )
        };
        format!("{sign}{body}")
    } else {
        let m = if digits.len() > 1 {
            format!("{}.{}", &digits[..1], &digits[1..])
        } else {
            digits
        };
        let esign = if exp < 0 { '-' } else { '+' };
        format!("{sign}{m}e{esign}{:02}", exp.abs())
    }
}

fn json_float(f: f64) -> String {
    if f.is_nan() {
        "NaN".into()
    } else if f.is_infinite() {
        if f > 0.0 {
            "Infinity".into()
        } else {
            "-Infinity".into()
        }
    } else {
        py_float_repr(f)
    }
}

struct JsonParser<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl JsonParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at char {}", self.i))
    }

    fn value(&mut self, depth: usize) -> Result<Json, String> {
        if depth > 512 {
            return self.err("nesting too deep");
        }
        match self.s.get(self.i) {
            None => self.err("Expecting value"),
            Some(b'{') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b'}') {
                    self.i += 1;
                    return Ok(Json::Dict(items));
                }
                loop {
                    self.ws();
                    if self.s.get(self.i) != Some(&b'"') {
                        return self.err("Expecting property name enclosed in double quotes");
                    }
                    let k = self.string()?;
                    self.ws();
                    if self.s.get(self.i) != Some(&b':') {
                        return self.err("Expecting ':' delimiter");
                    }
                    self.i += 1;
                    self.ws();
                    let v = self.value(depth + 1)?;
                    if let Some(e) = items
                        .iter_mut()
                        .find(|(ek, _): &&mut (String, Json)| *ek == k)
                    {
                        e.1 = v;
                    } else {
                        items.push((k, v));
                    }
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b'}') => {
                            self.i += 1;
                            return Ok(Json::Dict(items));
                        }
                        _ => return self.err("Expecting ',' delimiter"),
                    }
                }
            }
            Some(b'[') => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.s.get(self.i) == Some(&b']') {
                    self.i += 1;
                    return Ok(Json::List(items));
                }
                loop {
                    self.ws();
                    items.push(self.value(depth + 1)?);
                    self.ws();
                    match self.s.get(self.i) {
                        Some(b',') => self.i += 1,
                        Some(b']') => {
                            self.i += 1;
                            return Ok(Json::List(items));
                        }
                        _ => return self.err("Expecting ',' delimiter"),
                    }
                }
            }
            Some(b'"') => Ok(Json::Str(self.string()?)),
            Some(_) => {
                for (word, v) in [
                    ("true", Json::Bool(true)),
                    ("false", Json::Bool(false)),
                    ("null", Json::Null),
                    ("NaN", Json::Float(f64::NAN)),
                    ("Infinity", Json::Float(f64::INFINITY)),
                    ("-Infinity", Json::Float(f64::NEG_INFINITY)),
                ] {
                    if self.s[self.i..].starts_with(word.as_bytes()) {
                        self.i += word.len();
                        return Ok(v);
                    }
                }
                self.number()
            }
        }
    }

    fn number(&mut self) -> Result<Json, String> {
        let start = self.i;
        let mut float = false;
        while let Some(&c) = self.s.get(self.i) {
            match c {
                b'0'..=b'9' | b'-' | b'+' => {}
                b'.' | b'e' | b'E' => float = true,
                _ => break,
            }
            self.i += 1;
        }
        let t = &self.text[start..self.i];
        if t.is_empty() {
            return self.err("Expecting value");
        }
        if float {
            t.parse::<f64>()
                .map(Json::Float)
                .or_else(|_| self.err("Expecting value"))
        } else if t
            .trim_start_matches('-')
            .chars()
            .all(|c| c.is_ascii_digit())
            && t != "-"
        {
            Ok(Json::Int(t.to_owned()))
        } else {
            self.err("Expecting value")
        }
    }

    fn string(&mut self) -> Result<String, String> {
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(&c) = self.s.get(self.i) else {
                return self.err("Unterminated string");
            };
            match c {
                b'"' => {
                    self.i += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.i += 1;
                    let Some(&e) = self.s.get(self.i) else {
                        return self.err("Unterminated string");
                    };
                    self.i += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let cp = if (0xd800..0xdc00).contains(&hi)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                let save = self.i;
                                self.i += 2;
                                let lo = self.hex4()?;
                                if (0xdc00..0xe000).contains(&lo) {
                                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                                } else {
                                    self.i = save;
                                    0xfffd
                                }
                            } else {
                                hi
                            };
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => return self.err("Invalid \\escape"),
                    }
                }
                _ => {
                    // Copy one UTF-8 character.
                    let rest = &self.text[self.i..];
                    let ch = rest.chars().next().unwrap_or('\u{fffd}');
                    out.push(ch);
                    self.i += ch.len_utf8();
                }
            }
        }
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let Some(h) = self.text.get(self.i..self.i + 4) else {
            return self.err("Invalid \\uXXXX escape");
        };
        let v = u32::from_str_radix(h, 16).or_else(|_| self.err("Invalid \\uXXXX escape"))?;
        self.i += 4;
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn order_and_reprs() {
        let j = Json::parse(r#"{"b": [{"name": "gold", "aliases": "g", "default": true}], "a": 1.5, "c": null, "d": "\u00e9"}"#).unwrap();
        let Json::Dict(d) = &j else { panic!() };
        assert_eq!(
            d[0].1.py_str(),
            "[{'name': 'gold', 'aliases': 'g', 'default': True}]"
        );
        assert_eq!(
            j.dumps_sorted(),
            "{\n  \"a\": 1.5,\n  \"b\": [\n    {\n      \"aliases\": \"g\",\n      \"default\": true,\n      \"name\": \"gold\"\n    }\n  ],\n  \"c\": null,\n  \"d\": \"\\u00e9\"\n}"
        );
    }

    #[test]
    fn floats_like_python() {
        assert_eq!(py_float_repr(1.0), "1.0");
        assert_eq!(py_float_repr(0.1), "0.1");
        assert_eq!(py_float_repr(1e16), "1e+16");
        assert_eq!(py_float_repr(1e-5), "1e-05");
        assert_eq!(py_float_repr(0.0001), "0.0001");
        assert_eq!(py_float_repr(123456.789), "123456.789");
        assert_eq!(py_float_repr(-2.5e20), "-2.5e+20");
    }
}
