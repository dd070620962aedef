//! What a backfill, import or stream reports while it runs, for progress bars and logs.

/// One step of a running job.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// A symbol's backfill starts; about `expected` klines are missing from its file.
    Started { symbol: &'a str, expected: u64 },
    /// A page of klines arrived: `fetched` of about `expected` so far.
    Fetched {
        symbol: &'a str,
        fetched: u64,
        expected: u64,
    },
    /// A request is sent.
    Request { what: &'a str },
    /// Nothing is sent for `seconds`: a rate limit, a `Retry-After`, or a retry's backoff.
    Waiting {
        what: &'a str,
        seconds: f64,
        reason: String,
    },
    /// A symbol's file is written with `added` new bars, `total` in all.
    Finished { symbol: &'a str, added: u64, total: u64 },
    /// The stream is connected to `url`.
    Connected { url: &'a str },
    /// The stream lost its connection (or could not open it) and will reconnect.
    Disconnected { reason: String },
    /// A closed kline of `symbol` was appended to its file.
    Appended { symbol: &'a str, open_time: i64 },
}

/// Receives the events of a job; implementations must be cheap (they are called on the job's task).
pub trait Observer: Send + Sync {
    /// Called once per event.
    fn event(&self, event: &Event<'_>);
}

/// An observer that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Observer for Silent {
    fn event(&self, _: &Event<'_>) {}
}
