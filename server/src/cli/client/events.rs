//! Following a job: the server-sent events of `GET /runs/{id}/events` parsed by hand (`event:`/`data:` lines,
//! a blank line ends an event) and shown as an indicatif progress bar with an ETA.

use super::http::Api;
use crate::cli::output::CliError;
use indicatif::{ProgressBar, ProgressStyle};
use model::jobs::{JobEvent, JobStatus};
use std::time::Duration;

/// One server-sent event: its name (`message` when unnamed) and its data lines joined by newlines.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// An incremental parser of a `text/event-stream` body.
#[derive(Debug, Default)]
pub struct SseParser {
    pending: Vec<u8>,
    event: Option<String>,
    data: Vec<String>,
}

impl SseParser {
    /// Feeds bytes as they arrive; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut out = Vec::new();
        while let Some(pos) = self.pending.iter().position(|&b| b == b'\n') {
            let raw: Vec<u8> = self.pending.drain(..=pos).collect();
            let line = String::from_utf8_lossy(&raw);
            let line = line.trim_end_matches(['\n', '\r']);
            if line.is_empty() {
                if !self.data.is_empty() || self.event.is_some() {
                    out.push(SseEvent {
                        event: self.event.take().unwrap_or_else(|| "message".into()),
                        data: std::mem::take(&mut self.data).join("\n"),
                    });
                }
                continue;
            }
            if line.starts_with(':') {
                continue; // a comment: keep-alive
            }
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => self.event = Some(value.to_string()),
                "data" => self.data.push(value.to_string()),
                _ => {}
            }
        }
        out
    }
}

/// How a followed job ended: `completed`, `failed` or `cancelled`, with the server's error text.
#[derive(Debug, Clone)]
pub struct JobEnd {
    pub status: JobStatus,
    pub error: Option<String>,
}

/// Follows job `id` until it ends, drawing a progress bar unless `quiet`. A dropped stream is reopened (the
/// server answers a finished job with its `done` event at once).
pub async fn follow(api: &Api, id: &str, quiet: bool) -> Result<JobEnd, CliError> {
    let bar = progress_bar(quiet);
    let mut reopened = 0;
    loop {
        match follow_once(api, id, &bar).await? {
            Some(end) => {
                bar.finish_and_clear();
                return Ok(end);
            }
            None if reopened < 20 => {
                reopened += 1;
                tokio::time::sleep(Duration::from_millis(250 * reopened)).await;
            }
            None => {
                bar.abandon();
                return Err(CliError::Failed(format!(
                    "the event stream of {id} kept closing before the job ended; check `qe jobs` later"
                )));
            }
        }
    }
}

async fn follow_once(api: &Api, id: &str, bar: &ProgressBar) -> Result<Option<JobEnd>, CliError> {
    let mut res = api.stream(&format!("/runs/{id}/events")).await?;
    let mut parser = SseParser::default();
    loop {
        let chunk = match res.chunk().await {
            Ok(Some(c)) => c,
            Ok(None) | Err(_) => return Ok(None),
        };
        for ev in parser.feed(&chunk) {
            let Some(event) = JobEvent::parse(&ev.event, &ev.data) else {
                continue;
            };
            bar.set_position((event.progress().clamp(0.0, 1.0) * 1000.0).round() as u64);
            match event {
                JobEvent::Progress { message: Some(m), .. } => bar.set_message(m),
                JobEvent::Progress { status, .. } => bar.set_message(status.as_str()),
                JobEvent::Done { status, error, .. } => return Ok(Some(JobEnd { status, error })),
            }
        }
    }
}

fn progress_bar(quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(1000);
    let style =
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] [{wide_bar}] {percent:>3}%  ETA {eta}  {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_are_reassembled() {
        let mut p = SseParser::default();
        let mut got = p.feed(b"event: progress\r\ndata: {\"progress\":");
        assert!(got.is_empty());
        got.extend(p.feed(b"0.5}\r\n\r\n:keep-alive\n\nevent: done\ndata: a\ndata: b\n\n"));
        assert_eq!(
            got,
            vec![
                SseEvent {
                    event: "progress".into(),
                    data: "{\"progress\":0.5}".into()
                },
                SseEvent {
                    event: "done".into(),
                    data: "a\nb".into()
                },
            ]
        );
    }

    #[test]
    fn unnamed_events_are_messages() {
        let mut p = SseParser::default();
        assert_eq!(p.feed(b"data:x\n\n")[0].event, "message");
    }
}
