//! Benchmark: loading one symbol × one year of 1-minute bars (527,040 rows) from CSV and from Parquet.
//! Run: `cargo bench -p engine --bench data` (the same code as `qe bench --only load_csv,load_parquet`).

fn main() {
    let opts = engine::bench::BenchOptions {
        only: vec!["load_csv".into(), "load_parquet".into()],
        ..Default::default()
    };
    match engine::bench::run(&opts) {
        Ok(report) => print!("{}", report.to_text()),
        Err(e) => eprintln!("{e}"),
    }
}
