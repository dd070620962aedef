//! Bar series in the object store `qe_series`, named by the SHA-256 of their encoding, and a worker's cache.

use super::{io, NatsError};
use crate::data::{Bars, Labels};
use async_nats::jetstream::object_store::ObjectStore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;

/// Series a worker keeps in memory (the most recently used).
const CACHED: usize = 8;

/// The columns tasks read (trials, stats folds, seasonality profiles); volume is not sent.
#[derive(Serialize, Deserialize)]
struct Series {
    symbol: String,
    ts: Vec<i64>,
    open: Vec<f64>,
    high: Vec<f64>,
    low: Vec<f64>,
    close: Vec<f64>,
    session: Option<Labels>,
    roll_id: Option<Vec<i64>>,
}

/// Stores `bars` (once: an existing object of the same content is kept) and returns the object's name.
pub async fn put(store: &ObjectStore, bars: &Bars) -> Result<String, NatsError> {
    let series = Series {
        symbol: bars.symbol.clone(),
        ts: bars.ts.clone(),
        open: bars.open.clone(),
        high: bars.high.clone(),
        low: bars.low.clone(),
        close: bars.close.clone(),
        session: bars.session.clone(),
        roll_id: bars.roll_id.clone(),
    };
    let bytes = rmp_serde::to_vec(&series).map_err(io)?;
    let name = format!("{:x}", Sha256::digest(&bytes));
    let stored = store.info(&name).await.is_ok_and(|info| !info.deleted);
    if !stored {
        store.put(name.as_str(), &mut bytes.as_slice()).await.map_err(io)?;
    }
    Ok(name)
}

/// Reads the series `name`.
pub async fn get(store: &ObjectStore, name: &str) -> Result<Bars, NatsError> {
    let mut object = store
        .get(name)
        .await
        .map_err(|e| NatsError::Io(format!("series {name} is not in the object store: {e}")))?;
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).await.map_err(io)?;
    let s: Series = rmp_serde::from_slice(&bytes).map_err(|e| NatsError::Io(format!("series {name}: {e}")))?;
    Ok(Bars {
        symbol: s.symbol,
        volume: vec![0.0; s.ts.len()],
        ts: s.ts,
        open: s.open,
        high: s.high,
        low: s.low,
        close: s.close,
        session: s.session,
        roll_id: s.roll_id,
    })
}

/// A worker's series, fetched once each.
#[derive(Default)]
pub struct Cache {
    entries: Mutex<HashMap<String, (u64, Arc<Bars>)>>,
    clock: std::sync::atomic::AtomicU64,
}

impl Cache {
    /// The series `name`, from memory or from the object store.
    pub async fn get(&self, store: &ObjectStore, name: &str) -> Result<Arc<Bars>, NatsError> {
        let tick = self.clock.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Some((used, bars)) = self.lock().get_mut(name) {
            *used = tick;
            return Ok(bars.clone());
        }
        let bars = Arc::new(get(store, name).await?);
        let mut entries = self.lock();
        if entries.len() >= CACHED {
            if let Some(oldest) = entries.iter().min_by_key(|(_, (u, _))| *u).map(|(k, _)| k.clone()) {
                entries.remove(&oldest);
            }
        }
        entries.insert(name.to_string(), (tick, bars.clone()));
        Ok(bars)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, Arc<Bars>)>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}
