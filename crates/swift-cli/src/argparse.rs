//! A small re-implementation of the parts of Python's `argparse` that python-swiftclient's
//! `swift` relies on, so that our command line accepts and refuses exactly what it does:
//! `parse_known_args` (unknown options and all positionals end up in the extras), unique
//! prefixes of long options, `--opt=value` and `-Ovalue`, clustered short flags (`-lt`),
//! `--` (everything after it is positional), `expected one argument`,
//! `ignored explicit argument`, `ambiguous option`, `invalid int value`, `invalid choice`.

use std::collections::HashMap;

use crate::pyfmt::{py_float, py_repr_str};

/// A value in the namespace, as argparse stores it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    /// Python's `None`.
    None,
    /// A flag.
    Bool(bool),
    /// A counter or an `int` option.
    Int(i64),
    /// A `float` (the timeout).
    Float(f64),
    /// A string option.
    Str(String),
    /// An `append` option.
    List(Vec<String>),
}

impl Val {
    /// Python truthiness.
    pub fn truthy(&self) -> bool {
        match self {
            Val::None => false,
            Val::Bool(b) => *b,
            Val::Int(i) => *i != 0,
            Val::Float(f) => *f != 0.0,
            Val::Str(s) => !s.is_empty(),
            Val::List(l) => !l.is_empty(),
        }
    }
}

/// How an option's value is converted.
#[derive(Clone, Copy, Debug)]
pub enum Ty {
    /// Kept as text.
    Str,
    /// Python's `int()`.
    Int,
    /// python-swiftclient's `parse_timeout`.
    Timeout,
    /// Text that must be one of these.
    Choice(&'static [&'static str]),
}

/// What an option does.
#[derive(Clone, Debug)]
pub enum Kind {
    /// Stores its argument.
    Store(Ty),
    /// Stores `True`.
    StoreTrue,
    /// Stores `False`.
    StoreFalse,
    /// Stores a constant.
    StoreConst(Val),
    /// Adds one.
    Count,
    /// Appends its argument to a list.
    Append,
    /// Prints the text and exits 0.
    Version(&'static str),
}

impl Kind {
    fn takes_arg(&self) -> bool {
        matches!(self, Kind::Store(_) | Kind::Append)
    }
}

/// One option (python's `Action`).
#[derive(Clone, Debug)]
pub struct Opt {
    /// Its option strings, e.g. `["-p", "--prefix"]`.
    pub strings: Vec<&'static str>,
    /// Where its value goes.
    pub dest: &'static str,
    /// What it does.
    pub kind: Kind,
    /// Its default.
    pub default: Val,
    /// Only an exact spelling selects it (options of ours the reference lacks, so that they
    /// never make one of its abbreviations ambiguous).
    pub exact_only: bool,
}

impl Opt {
    /// A new option.
    pub fn new(strings: &[&'static str], dest: &'static str, kind: Kind, default: Val) -> Self {
        Opt {
            strings: strings.to_vec(),
            dest,
            kind,
            default,
            exact_only: false,
        }
    }

    /// Marks the option as selectable by its exact spelling only.
    pub fn exact(mut self) -> Self {
        self.exact_only = true;
        self
    }

    fn name(&self) -> String {
        self.strings.join("/")
    }
}

/// Parsed options: `dest` -> value.
#[derive(Clone, Debug, Default)]
pub struct Namespace {
    values: HashMap<&'static str, Val>,
}

impl Namespace {
    /// The value of `dest` (`None` when absent).
    pub fn get(&self, dest: &str) -> &Val {
        self.values.get(dest).unwrap_or(&Val::None)
    }

    /// Sets `dest`.
    pub fn set(&mut self, dest: &'static str, v: Val) {
        self.values.insert(dest, v);
    }

    /// The text of `dest`, when it is set (possibly empty).
    pub fn str(&self, dest: &str) -> Option<&str> {
        match self.get(dest) {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The text of `dest`, when it is set and not empty (Python truthiness).
    pub fn nonempty(&self, dest: &str) -> Option<&str> {
        self.str(dest).filter(|s| !s.is_empty())
    }

    /// Python truthiness of `dest`.
    pub fn truthy(&self, dest: &str) -> bool {
        self.get(dest).truthy()
    }

    /// The integer value of `dest` (0 when not an integer).
    pub fn int(&self, dest: &str) -> i64 {
        match self.get(dest) {
            Val::Int(i) => *i,
            Val::Bool(b) => i64::from(*b),
            _ => 0,
        }
    }

    /// The list value of `dest` (empty when unset).
    pub fn list(&self, dest: &str) -> Vec<String> {
        match self.get(dest) {
            Val::List(l) => l.clone(),
            _ => Vec::new(),
        }
    }

    /// Every `(dest, value)` pair.
    pub fn iter(&self) -> impl Iterator<Item = (&&'static str, &Val)> {
        self.values.iter()
    }
}

/// Why parsing stopped.
#[derive(Debug)]
pub enum Stop {
    /// An argparse error: print the usage and `swift: error: <msg>`, exit 2.
    Error(String),
    /// `--version`: print this and exit 0.
    Version(&'static str),
}

/// A parser: the options in the order they were added (which is the order python's
/// abbreviation matches and ambiguity messages use).
#[derive(Clone, Debug, Default)]
pub struct Parser {
    opts: Vec<Opt>,
    /// (option string, index into `opts`) in insertion order.
    strings: Vec<(&'static str, usize)>,
}

/// What an argument string turned out to be.
#[derive(Clone, Debug)]
enum Class {
    Arg,
    DashDash,
    /// An option: which one (None: unknown), the option string, an explicit argument.
    Opt(Option<usize>, String, Option<String>),
}

impl Parser {
    /// An empty parser.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an option.
    pub fn add(&mut self, opt: Opt) {
        let idx = self.opts.len();
        for s in &opt.strings {
            self.strings.push((s, idx));
        }
        self.opts.push(opt);
    }

    /// Every option string, in insertion order.
    pub fn option_strings(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.strings.iter().map(|(s, _)| *s)
    }

    fn lookup(&self, s: &str) -> Option<usize> {
        self.strings.iter().find(|(o, _)| *o == s).map(|(_, i)| *i)
    }

    fn ambiguous(arg: &str, matches: &[(usize, String, Option<String>)]) -> Stop {
        let names: Vec<&str> = matches.iter().map(|(_, s, _)| s.as_str()).collect();
        Stop::Error(format!(
            "ambiguous option: {arg} could match {}",
            names.join(", ")
        ))
    }

    /// python's `_parse_optional`.
    fn classify(&self, arg: &str) -> Result<Class, Stop> {
        if arg.is_empty() || !arg.starts_with('-') {
            return Ok(Class::Arg);
        }
        if let Some(i) = self.lookup(arg) {
            return Ok(Class::Opt(Some(i), arg.to_owned(), None));
        }
        if arg.chars().count() == 1 {
            return Ok(Class::Arg);
        }
        if let Some((left, right)) = arg.split_once('=') {
            if let Some(i) = self.lookup(left) {
                return Ok(Class::Opt(Some(i), left.to_owned(), Some(right.to_owned())));
            }
        }
        let tuples = self.option_tuples(arg);
        if tuples.len() > 1 {
            return Err(Self::ambiguous(arg, &tuples));
        }
        if let Some((i, s, explicit)) = tuples.into_iter().next() {
            return Ok(Class::Opt(Some(i), s, explicit));
        }
        if is_negative_number(arg) || arg.contains(' ') {
            return Ok(Class::Arg);
        }
        Ok(Class::Opt(None, arg.to_owned(), None))
    }

    /// python's `_get_option_tuples`.
    fn option_tuples(&self, arg: &str) -> Vec<(usize, String, Option<String>)> {
        let mut out = Vec::new();
        let mut chars = arg.chars();
        let _ = chars.next();
        let second = chars.next();
        if second == Some('-') {
            let (prefix, explicit) = match arg.split_once('=') {
                Some((p, e)) => (p, Some(e.to_owned())),
                None => (arg, None),
            };
            for (s, i) in &self.strings {
                if self.opts[*i].exact_only {
                    continue;
                }
                if s.starts_with(prefix) {
                    out.push((*i, (*s).to_owned(), explicit.clone()));
                }
            }
        } else {
            let split = arg
                .char_indices()
                .nth(2)
                .map(|(i, _)| i)
                .unwrap_or(arg.len());
            let short = &arg[..split];
            let short_explicit = &arg[split..];
            for (s, i) in &self.strings {
                if self.opts[*i].exact_only {
                    continue;
                }
                if *s == short {
                    out.push((*i, (*s).to_owned(), Some(short_explicit.to_owned())));
                } else if s.starts_with(arg) {
                    out.push((*i, (*s).to_owned(), None));
                }
            }
        }
        out
    }

    /// python's `parse_known_args`: the namespace (defaults, then what the arguments set) and
    /// the extras (unknown options and every positional, in order).
    pub fn parse_known_args(&self, args: &[String]) -> Result<(Namespace, Vec<String>), Stop> {
        let mut ns = Namespace::default();
        for o in &self.opts {
            if !ns.values.contains_key(o.dest) {
                ns.values.insert(o.dest, o.default.clone());
            }
        }
        let mut classes = Vec::with_capacity(args.len());
        let mut after_dashdash = false;
        for a in args {
            if after_dashdash {
                classes.push(Class::Arg);
            } else if a == "--" {
                classes.push(Class::DashDash);
                after_dashdash = true;
            } else {
                classes.push(self.classify(a)?);
            }
        }
        let opt_indices: Vec<usize> = classes
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c, Class::Opt(..)))
            .map(|(i, _)| i)
            .collect();
        let mut extras = Vec::new();
        let mut start = 0;
        let max_opt = opt_indices.last().copied();
        while let Some(max) = max_opt {
            if start > max {
                break;
            }
            let Some(next) = opt_indices.iter().copied().find(|i| *i >= start) else {
                break;
            };
            if start != next {
                extras.extend(args[start..next].iter().cloned());
                start = next;
            }
            start = self.consume_optional(args, &classes, start, &mut ns, &mut extras)?;
        }
        if start < args.len() {
            extras.extend(args[start..].iter().cloned());
        }
        Ok((ns, extras))
    }

    fn consume_optional(
        &self,
        args: &[String],
        classes: &[Class],
        start: usize,
        ns: &mut Namespace,
        extras: &mut Vec<String>,
    ) -> Result<usize, Stop> {
        let Class::Opt(first, optstr, explicit) = &classes[start] else {
            return Ok(start + 1);
        };
        let Some(mut idx) = *first else {
            extras.push(args[start].clone());
            return Ok(start + 1);
        };
        let mut optstr = optstr.clone();
        let mut explicit = explicit.clone();
        let mut todo: Vec<(usize, Vec<String>)> = Vec::new();
        let stop;
        loop {
            let opt = &self.opts[idx];
            match explicit.take() {
                Some(ex) => {
                    if !opt.kind.takes_arg() {
                        let second_is_dash = optstr.chars().nth(1) == Some('-');
                        if !second_is_dash && !ex.is_empty() {
                            todo.push((idx, Vec::new()));
                            let mut rest = ex.chars();
                            let c = rest.next().unwrap_or('-');
                            let new_opt = format!("-{c}");
                            let remaining: String = rest.collect();
                            match self.lookup(&new_opt) {
                                Some(i) => {
                                    idx = i;
                                    optstr = new_opt;
                                    explicit = if remaining.is_empty() {
                                        None
                                    } else {
                                        Some(remaining)
                                    };
                                    continue;
                                }
                                None => {
                                    return Err(Stop::Error(format!(
                                        "argument {}: ignored explicit argument {}",
                                        opt.name(),
                                        py_repr_str(&ex)
                                    )))
                                }
                            }
                        }
                        return Err(Stop::Error(format!(
                            "argument {}: ignored explicit argument {}",
                            opt.name(),
                            py_repr_str(&ex)
                        )));
                    }
                    todo.push((idx, vec![ex]));
                    stop = start + 1;
                    break;
                }
                None => {
                    if opt.kind.takes_arg() {
                        let n = start + 1;
                        match classes.get(n) {
                            Some(Class::Arg) => {
                                todo.push((idx, vec![args[n].clone()]));
                                stop = n + 1;
                            }
                            _ => {
                                return Err(Stop::Error(format!(
                                    "argument {}: expected one argument",
                                    opt.name()
                                )))
                            }
                        }
                    } else {
                        todo.push((idx, Vec::new()));
                        stop = start + 1;
                    }
                    break;
                }
            }
        }
        for (i, values) in todo {
            self.take(i, values, ns)?;
        }
        Ok(stop)
    }

    fn take(&self, idx: usize, values: Vec<String>, ns: &mut Namespace) -> Result<(), Stop> {
        let opt = &self.opts[idx];
        let err = |msg: String| Stop::Error(format!("argument {}: {msg}", opt.name()));
        match &opt.kind {
            Kind::Store(ty) => {
                let raw = values.into_iter().next().unwrap_or_default();
                let v = convert(*ty, &raw).map_err(err)?;
                ns.set(opt.dest, v);
            }
            Kind::Append => {
                let raw = values.into_iter().next().unwrap_or_default();
                let mut list = ns.list(opt.dest);
                list.push(raw);
                ns.set(opt.dest, Val::List(list));
            }
            Kind::StoreTrue => ns.set(opt.dest, Val::Bool(true)),
            Kind::StoreFalse => ns.set(opt.dest, Val::Bool(false)),
            Kind::StoreConst(v) => ns.set(opt.dest, v.clone()),
            Kind::Count => {
                let n = match ns.get(opt.dest) {
                    Val::Int(i) => *i,
                    Val::Bool(b) => i64::from(*b),
                    _ => 0,
                };
                ns.set(opt.dest, Val::Int(n + 1));
            }
            Kind::Version(text) => return Err(Stop::Version(text)),
        }
        Ok(())
    }
}

fn is_negative_number(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('-') else {
        return false;
    };
    if !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    match rest.split_once('.') {
        Some((a, b)) => {
            a.chars().all(|c| c.is_ascii_digit())
                && !b.is_empty()
                && b.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

fn convert(ty: Ty, raw: &str) -> Result<Val, String> {
    match ty {
        Ty::Str => Ok(Val::Str(raw.to_owned())),
        Ty::Int => py_int(raw)
            .map(Val::Int)
            .ok_or_else(|| format!("invalid int value: {}", py_repr_str(raw))),
        Ty::Timeout => parse_timeout(raw)
            .map(Val::Float)
            .ok_or_else(|| format!("invalid parse_timeout value: {}", py_repr_str(raw))),
        Ty::Choice(choices) => {
            if choices.contains(&raw) {
                Ok(Val::Str(raw.to_owned()))
            } else {
                let list: Vec<String> = choices.iter().map(|c| py_repr_str(c)).collect();
                Err(format!(
                    "invalid choice: {} (choose from {})",
                    py_repr_str(raw),
                    list.join(", ")
                ))
            }
        }
    }
}

/// Python's `int(text)` for base-10 text: surrounding whitespace, a sign, and single
/// underscores between digits are allowed.
pub fn py_int(raw: &str) -> Option<i64> {
    let t = raw.trim();
    let (neg, digits) = match t.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    if digits.is_empty()
        || digits.starts_with('_')
        || digits.ends_with('_')
        || digits.contains("__")
        || !digits.chars().all(|c| c.is_ascii_digit() || c == '_')
    {
        return None;
    }
    let clean: String = digits.chars().filter(|c| *c != '_').collect();
    let v: i64 = clean.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// python-swiftclient's `parse_timeout`: a number with an optional unit (`s`, `m`, `min`,
/// `h`, `hr`, `d`, checked in that order).
pub fn parse_timeout(value: &str) -> Option<f64> {
    for (suffix, mult) in [
        ("s", 1.0),
        ("m", 60.0),
        ("min", 60.0),
        ("h", 3600.0),
        ("hr", 3600.0),
        ("d", 86400.0),
    ] {
        if let Some(num) = value.strip_suffix(suffix) {
            return py_float(num).map(|v| v * mult);
        }
    }
    py_float(value)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn parser() -> Parser {
        let mut p = Parser::new();
        p.add(Opt::new(
            &["-l", "--long"],
            "long",
            Kind::StoreTrue,
            Val::Bool(false),
        ));
        p.add(Opt::new(
            &["-t", "--totals"],
            "totals",
            Kind::StoreTrue,
            Val::Bool(false),
        ));
        p.add(Opt::new(
            &["-p", "--prefix"],
            "prefix",
            Kind::Store(Ty::Str),
            Val::None,
        ));
        p.add(Opt::new(
            &["--prompt"],
            "prompt",
            Kind::StoreTrue,
            Val::Bool(false),
        ));
        p.add(Opt::new(
            &["-v", "--verbose"],
            "verbose",
            Kind::Count,
            Val::Int(1),
        ));
        p.add(Opt::new(
            &["-R", "--retries"],
            "retries",
            Kind::Store(Ty::Int),
            Val::Int(5),
        ));
        p.add(Opt::new(
            &["-H", "--header"],
            "header",
            Kind::Append,
            Val::List(vec![]),
        ));
        p
    }

    fn run(args: &[&str]) -> Result<(Namespace, Vec<String>), Stop> {
        let a: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parser().parse_known_args(&a)
    }

    #[test]
    fn abbreviations_clusters_and_extras() {
        let (ns, ex) = run(&["list", "-lt", "--pre=x", "--yes-all", "c", "-vv"]).unwrap();
        assert!(ns.truthy("long") && ns.truthy("totals"));
        assert_eq!(ns.str("prefix"), Some("x"));
        assert_eq!(ns.int("verbose"), 3);
        assert_eq!(ex, vec!["list", "--yes-all", "c"]);
        let (ns, _) = run(&["-px", "-R=-3", "-H", "a:b", "-Hc:d"]).unwrap();
        assert_eq!(ns.str("prefix"), Some("x"));
        assert_eq!(ns.int("retries"), -3);
        assert_eq!(ns.list("header"), vec!["a:b", "c:d"]);
        let (_, ex) = run(&["a", "--", "-l", "b"]).unwrap();
        assert_eq!(ex, vec!["a", "--", "-l", "b"]);
    }

    #[test]
    fn errors_like_argparse() {
        let msg = |r: Result<(Namespace, Vec<String>), Stop>| match r {
            Err(Stop::Error(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            msg(run(&["--p", "x"])),
            "ambiguous option: --p could match --prefix, --prompt"
        );
        assert_eq!(
            msg(run(&["-lx"])),
            "argument -l/--long: ignored explicit argument 'x'"
        );
        assert_eq!(
            msg(run(&["--long=1"])),
            "argument -l/--long: ignored explicit argument '1'"
        );
        assert_eq!(
            msg(run(&["-R", "abc"])),
            "argument -R/--retries: invalid int value: 'abc'"
        );
        assert_eq!(
            msg(run(&["-p"])),
            "argument -p/--prefix: expected one argument"
        );
        assert_eq!(
            msg(run(&["-p", "-l"])),
            "argument -p/--prefix: expected one argument"
        );
        let (ns, _) = run(&["-p", "-5"]).unwrap();
        assert_eq!(ns.str("prefix"), Some("-5"));
    }

    #[test]
    fn numbers() {
        assert_eq!(py_int(" +1_0 "), Some(10));
        assert_eq!(py_int("1__0"), None);
        assert_eq!(parse_timeout("2.5min"), Some(150.0));
        assert_eq!(parse_timeout(".5hr"), Some(1800.0));
        assert_eq!(parse_timeout("1d"), Some(86400.0));
        assert_eq!(parse_timeout("xx"), None);
        assert_eq!(parse_timeout("1e1"), Some(10.0));
    }
}
