//! The messages on the task and result streams, as MessagePack (exact f64s: results merge bit for bit).

use crate::optimize::chunks::{TrialChunk, TrialSettings};
use crate::optimize::TrialResult;
use crate::seasonality::{Dim, ProfileSettings, Profiles};
use crate::stats::{Counting, Unit};
use model::stats::StatRow;
use serde::{de::DeserializeOwned, Deserialize, Serialize};
use std::ops::Range;

/// One task of one job: what to compute and on which series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Task {
    pub job: String,
    /// Unique within the job: `<symbol index>.<first trial>`, `s<symbol index>.<first fold>` or `p<ask>.<symbol index>`.
    pub task: String,
    pub work: Work,
}

/// What a task computes. Series are object names in `qe_series`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Work {
    /// A chunk of an optimisation's trials on one symbol.
    Trials {
        settings: TrialSettings,
        series: String,
        chunk: TrialChunk,
    },
    /// Consecutive folds of one symbol of a stats run.
    Stats {
        counting: Counting,
        series: String,
        units: Vec<Unit>,
    },
    /// The seasonality profiles of one symbol's train window of one fold.
    Profiles {
        settings: ProfileSettings,
        dims: Vec<Dim>,
        series: String,
        range: Range<usize>,
    },
}

/// What a task produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Output {
    Trials(Vec<TrialResult>),
    /// Rows with their split's rank.
    Stats(Vec<(usize, StatRow)>),
    Profiles(Profiles),
}

/// A task's end: its output, or the error of its last delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub task: String,
    pub worker: String,
    pub attempt: u32,
    pub result: Result<Output, String>,
}

/// A worker started (or restarted) a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Started {
    pub task: String,
    pub worker: String,
    pub attempt: u32,
}

/// Encodes a message.
pub fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    rmp_serde::to_vec(value).expect("MessagePack encodes every message type")
}

/// Decodes a message, naming what it should have been.
pub fn decode<T: DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, String> {
    rmp_serde::from_slice(bytes).map_err(|e| format!("a malformed {what} message ({} bytes): {e}", bytes.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optimize::{TrialParams, TrialStatus};

    #[test]
    fn an_outcome_survives_the_wire_bit_for_bit_and_garbage_is_named() {
        let m = model::runs::BacktestMetrics {
            sharpe: 0.1 + 0.2,
            profit_factor: Some(f64::MAX),
            sortino: f64::MIN_POSITIVE,
            ..Default::default()
        };
        let trial = TrialResult {
            number: 7,
            params: TrialParams {
                ema_fast: 5,
                ema_slow: 20,
                r: 1.5,
                atr_k: 2.0,
            },
            status: TrialStatus::Complete,
            in_sample: Some(m),
            out_of_sample: m,
            train_folds: vec![Some(m), None],
            objective_value: Some(1.0 / 3.0),
            selection_value: None,
            blocks: Some(crate::overfit::BlockSums::new(3)),
        };
        let out = Outcome {
            task: "0.7".into(),
            worker: "w1".into(),
            attempt: 2,
            result: Ok(Output::Trials(vec![trial])),
        };
        let back: Outcome = decode(&encode(&out), "outcome").unwrap();
        assert_eq!(back, out);
        let Ok(Output::Trials(trials)) = &back.result else {
            panic!()
        };
        assert_eq!(trials[0].out_of_sample.sharpe.to_bits(), (0.1f64 + 0.2).to_bits());
        let err = decode::<Outcome>(&[0xff, 0xff, 0xff], "outcome").unwrap_err();
        assert!(err.contains("malformed outcome"), "{err}");
    }
}
