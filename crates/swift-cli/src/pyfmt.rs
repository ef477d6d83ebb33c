//! Python's text forms that the reference's output is made of: `repr()` of text and bytes,
//! `str.title()`, `shlex.quote`, and python-swiftclient's `prt_bytes`.

/// Python's `repr(text)`: single quotes unless the text has `'` and no `"`.
pub fn py_repr_str(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if !is_printable(c) => {
                let n = u32::from(c);
                if n <= 0xff {
                    out.push_str(&format!("\\x{n:02x}"));
                } else if n <= 0xffff {
                    out.push_str(&format!("\\u{n:04x}"));
                } else {
                    out.push_str(&format!("\\U{n:08x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// An approximation of Python's `str.isprintable()` for one character.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() {
        return false;
    }
    if c.is_whitespace() {
        return false;
    }
    let n = u32::from(c);
    // Format characters (Cf) commonly met, surrogates cannot occur in a Rust string.
    !matches!(n, 0xad | 0x200b..=0x200f | 0x202a..=0x202e | 0x2060..=0x2064 | 0xfeff)
}

/// Python's `repr(bytes)`: `b'...'`.
pub fn py_repr_bytes(b: &[u8]) -> String {
    let quote = if b.contains(&b'\'') && !b.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = String::with_capacity(b.len() + 3);
    out.push('b');
    out.push(quote as char);
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c as char);
            }
            0x20..=0x7e => out.push(c as char),
            c => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push(quote as char);
    out
}

/// Python's `str.title()`: a letter after a letter is lower-cased, any other letter is
/// upper-cased (`x-object-meta-abc1def` -> `X-Object-Meta-Abc1Def`).
pub fn py_title(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut prev_cased = false;
    for c in s.chars() {
        let cased = c.is_lowercase() || c.is_uppercase();
        if cased {
            if prev_cased {
                out.extend(c.to_lowercase());
            } else {
                out.extend(c.to_uppercase());
            }
        } else {
            out.push(c);
        }
        prev_cased = cased;
    }
    out
}

/// Python's `shlex.quote`.
pub fn shell_quote(s: &str) -> String {
    if s.is_empty() {
        return "''".to_owned();
    }
    let safe = s.chars().all(|c| {
        c.is_ascii_alphanumeric()
            || matches!(c, '_' | '@' | '%' | '+' | '=' | ':' | ',' | '.' | '/' | '-')
    });
    if safe {
        s.to_owned()
    } else {
        format!("'{}'", s.replace('\'', "'\"'\"'"))
    }
}

/// Right-justifies `s` to `width` characters (Python's `'%*s'`).
pub fn rjust(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_owned()
    } else {
        format!("{}{s}", " ".repeat(width - n))
    }
}

/// Left-justifies `s` to `width` characters (Python's `'%-*s'`).
pub fn ljust(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n >= width {
        s.to_owned()
    } else {
        format!("{s}{}", " ".repeat(width - n))
    }
}

/// python-swiftclient's `prt_bytes(num_bytes, human)`; `num` is the value as text (a header
/// value or a number).
pub fn prt_bytes(num: &str, human: bool) -> String {
    if !human {
        return rjust(num, 12);
    }
    let Some(mut value) = py_float(num) else {
        return rjust(num, 4);
    };
    let names = [
        None,
        Some('K'),
        Some('M'),
        Some('G'),
        Some('T'),
        Some('P'),
        Some('E'),
        Some('Z'),
    ];
    let mut suffix = Some('Y');
    for name in names {
        if value <= 1023.0 {
            suffix = name;
            break;
        }
        value /= 1024.0;
    }
    match suffix {
        None => rjust(num, 4),
        Some(s) if value >= 10.0 => format!("{}{s}", rjust(&(value.trunc() as i64).to_string(), 3)),
        Some(s) => format!("{value:.1}{s}"),
    }
}

/// `prt_bytes` of a number.
pub fn prt_num(n: u64, human: bool) -> String {
    prt_bytes(&n.to_string(), human)
}

/// Python's `float(text)`: whitespace, sign, `inf`, `nan`, exponents, underscores.
pub fn py_float(raw: &str) -> Option<f64> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    let lower = t.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['+', '-']);
    if lower.len() - unsigned.len() > 1 {
        return None;
    }
    if matches!(unsigned, "inf" | "infinity" | "nan") {
        return lower.parse().ok();
    }
    if t.contains('_') {
        // Underscores only between digits.
        let b = t.as_bytes();
        for (i, c) in b.iter().enumerate() {
            if *c == b'_'
                && !(i > 0
                    && b[i - 1].is_ascii_digit()
                    && b.get(i + 1).is_some_and(u8::is_ascii_digit))
            {
                return None;
            }
        }
    }
    let clean: String = t.chars().filter(|c| *c != '_').collect();
    if !clean
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return None;
    }
    clean.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prt_bytes_table() {
        let h = |n: u64| prt_num(n, true);
        assert_eq!(h(0), "   0");
        assert_eq!(h(1023), "1023");
        assert_eq!(h(1024), "1.0K");
        assert_eq!(h(1_000_000), "976K");
        assert_eq!(h(10 * (1 << 20) - 1), "10.0M");
        assert_eq!(h(10 * (1 << 20)), " 10M");
        assert_eq!(prt_bytes(&(1u128 << 90).to_string(), true), "1024Y");
        assert_eq!(prt_num(12, false), "          12");
    }

    #[test]
    fn reprs() {
        assert_eq!(py_repr_str("abc"), "'abc'");
        assert_eq!(py_repr_str("a'b"), "\"a'b\"");
        assert_eq!(py_repr_str("a'b\""), "'a\\'b\"'");
        assert_eq!(py_repr_str("\u{e9}\n"), "'\u{e9}\\n'");
        assert_eq!(py_repr_bytes(b"<a>\xff'"), "b\"<a>\\xff'\"");
        assert_eq!(py_title("x-object-meta-abc1def"), "X-Object-Meta-Abc1Def");
        assert_eq!(py_title("SIZE"), "Size");
        assert_eq!(shell_quote("te$tin&"), "'te$tin&'");
        assert_eq!(shell_quote("http://a/b"), "http://a/b");
        assert_eq!(shell_quote("it's"), "'it'\"'\"'s'");
    }
}
