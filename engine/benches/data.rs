//! Benchmark: loading one symbol × one year of 1-minute bars (527,040 rows) from CSV and from Parquet.
//! Run: `cargo bench -p engine --bench data`. Prints rows/s and seconds (best of 3) per format.

use engine::data::synth::{generate, SymbolSpec, SynthSpec};
use engine::data::{load_file, write::write_file};
use std::time::Instant;

fn main() {
    let spec = SynthSpec {
        symbols: vec![SymbolSpec {
            symbol: "BTCUSD".into(),
            price: 42_000.0,
            vol: 0.0015,
            weekends: true,
        }],
        days: 366,
        bar_minutes: 1,
        ..SynthSpec::demo()
    };
    let bars = generate(&spec);
    let rows = bars[0].len();
    let dir = tempfile::tempdir().expect("temp dir");
    for ext in ["csv", "parquet"] {
        let path = dir.path().join(format!("bench.{ext}"));
        write_file(&bars, &path).expect("write");
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            let t = Instant::now();
            let loaded = load_file(&path).expect("load");
            best = best.min(t.elapsed().as_secs_f64());
            assert_eq!(loaded[0].len(), rows);
        }
        let mb = std::fs::metadata(&path).map(|m| m.len() as f64 / 1e6).unwrap_or(0.0);
        println!(
            "load {ext:<8} {rows} rows ({mb:.1} MB): {best:.4} s, {:.2} M rows/s (best of 3)",
            rows as f64 / best / 1e6
        );
    }
}
