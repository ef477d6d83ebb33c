//! `--debug` / `--debug-with-secrets` / `--info`: the library's request log on stderr, in
//! Python logging's `LEVEL:logger:message` form.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

use crate::argparse::Namespace;

struct PyFormat;

impl<S, N> FormatEvent<S, N> for PyFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        write!(writer, "{}:{}:", meta.level(), meta.target())?;
        ctx.field_format().format_fields(writer.by_ref(), event)?;
        writeln!(writer)
    }
}

/// Installs the log output the options ask for (debug wins over info, as in the reference).
pub fn init(ns: &Namespace) {
    let level = if ns.truthy("debug") || ns.truthy("debug_with_secrets") {
        tracing::Level::DEBUG
    } else if ns.truthy("info") {
        tracing::Level::INFO
    } else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .event_format(PyFormat)
        .try_init();
}
