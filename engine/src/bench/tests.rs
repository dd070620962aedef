use super::*;

#[test]
fn every_benchmark_runs_at_a_small_size_and_reports_consistent_figures() {
    let opts = BenchOptions {
        only: Vec::new(),
        bars: Some(100_000),
        repeats: 1,
    };
    let report = run(&opts).expect("benchmarks run");
    let names: Vec<&str> = report.measurements.iter().map(|m| m.name).collect();
    assert_eq!(names, NAMES);
    for m in &report.measurements {
        assert_eq!(m.bars, 100_000, "{}", m.name);
        assert!(m.median_s > 0.0 && m.min_s <= m.median_s, "{}: {m:?}", m.name);
        assert!(m.throughput > 0.0 && m.throughput.is_finite(), "{}", m.name);
        // Targets and the original's times apply to the reference size only.
        assert_eq!((m.target_s, m.original_s, m.met), (None, None, None), "{}", m.name);
        assert!(m.peak_rss_kb.is_some_and(|k| k > 0), "{}", m.name);
    }
    let overfitting = report.measurements.iter().find(|m| m.name == "overfitting").unwrap();
    assert!(
        overfitting.share_of_run.is_some_and(|s| s.is_finite() && s < 1.0),
        "{overfitting:?}"
    );
    let kernel = report.measurements.iter().find(|m| m.name == "kernel").unwrap();
    assert!((kernel.throughput - 25.0 * 100_000.0 / kernel.median_s).abs() < 1e-6 * kernel.throughput);
    assert!(report.profile.contains("opt-level"), "{}", report.profile);
    let text = report.to_text();
    assert!(NAMES.iter().all(|n| text.contains(n)), "{text}");
}

#[test]
fn an_unknown_name_and_too_few_bars_are_refused() {
    let only = |n: &str| BenchOptions {
        only: vec![n.into()],
        ..BenchOptions::default()
    };
    let e = run(&only("kernal")).unwrap_err().to_string();
    assert!(e.contains("\"kernal\"") && e.contains("kernel"), "{e}");
    let e = run(&BenchOptions {
        bars: Some(1),
        ..only("kernel")
    })
    .unwrap_err()
    .to_string();
    assert!(e.contains("--bars"), "{e}");
}

#[test]
fn the_median_is_the_middle_run_or_the_mean_of_the_two_middle_ones() {
    let timed = |s: &[f64]| Timed {
        seconds: s.to_vec(),
        peak_rss_kb: None,
        cores_used: None,
        cpu_s_per_run: None,
    };
    assert_eq!(timed(&[1.0, 2.0, 7.0]).median(), 2.0);
    assert_eq!(timed(&[1.0, 2.0, 4.0, 9.0]).median(), 3.0);
}

#[test]
fn at_the_reference_size_the_ratio_is_the_originals_time_over_the_median() {
    let t = Timed {
        seconds: vec![0.2, 0.25, 0.3],
        peak_rss_kb: Some(1),
        cores_used: Some(1.0),
        cpu_s_per_run: Some(0.25),
    };
    let m = cases::measurement("optimize", String::new(), YEAR_OF_MINUTES, &t, 500.0, "trials/s");
    let m = cases::with_reference(
        m,
        cases::Reference {
            target_s: Some(0.55),
            original_s: Some(54.0),
            original_note: None,
        },
    );
    assert_eq!(m.met, Some(true));
    assert!((m.ratio_to_original.unwrap() - 54.0 / 0.25).abs() < 1e-9);
}
