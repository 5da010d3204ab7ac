//! The Prometheus text exposition format (version 0.0.4), written by hand: a family is its
//! `# HELP` and `# TYPE` lines followed by its samples, label values escaped. Small enough
//! that a crate (and its own HTTP server or encoder conventions) would be more than it saves.

use std::fmt::Write;

/// The content type of the answer.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// What a family's samples are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Only ever goes up (until the process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Observations counted into buckets (`_bucket`, `_sum`, `_count`).
    Histogram,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// An exposition being written.
#[derive(Debug, Default)]
pub struct Text(String);

impl Text {
    /// An empty exposition.
    pub fn new() -> Self {
        Text::default()
    }

    /// Start a family: its help line and its type. `name` must be a valid metric name (ours
    /// are constants); the help text is escaped.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) -> &mut Self {
        let help = help.replace('\\', "\\\\").replace('\n', "\\n");
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {}", kind.as_str());
        self
    }

    /// One sample: `name{label="value",…} value`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: f64) -> &mut Self {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, v)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"{}\"", escape(v));
            }
            self.0.push('}');
        }
        self.0.push(' ');
        self.0.push_str(&number(value));
        self.0.push('\n');
        self
    }

    /// The exposition.
    pub fn finish(self) -> String {
        self.0
    }
}

/// A label value as the format wants it: backslash, double quote and line feed escaped.
fn escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers without a fraction, infinities as `+Inf`/`-Inf`.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_have_help_and_type_and_samples_escape_their_labels() {
        let mut t = Text::new();
        t.family(
            "consult_things_total",
            Kind::Counter,
            "Things.\nCounted \\ here.",
        )
        .sample("consult_things_total", &[], 3.0)
        .sample(
            "consult_things_total",
            &[("route", "/a/{id}"), ("odd", "say \"hi\"\\\n")],
            0.25,
        );
        t.family("consult_up", Kind::Gauge, "Up.").sample(
            "consult_up",
            &[("le", &number(f64::INFINITY))],
            1.0,
        );
        assert_eq!(
            t.finish(),
            "# HELP consult_things_total Things.\\nCounted \\\\ here.\n\
             # TYPE consult_things_total counter\n\
             consult_things_total 3\n\
             consult_things_total{route=\"/a/{id}\",odd=\"say \\\"hi\\\"\\\\\\n\"} 0.25\n\
             # HELP consult_up Up.\n\
             # TYPE consult_up gauge\n\
             consult_up{le=\"+Inf\"} 1\n"
        );
    }

    #[test]
    fn numbers_are_written_as_prometheus_reads_them() {
        assert_eq!(number(0.0), "0");
        assert_eq!(number(12.0), "12");
        assert_eq!(number(0.005), "0.005");
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NEG_INFINITY), "-Inf");
        assert_eq!(number(f64::NAN), "NaN");
    }
}
