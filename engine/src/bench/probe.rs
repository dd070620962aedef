//! Process measurements for the benchmarks: peak resident memory (VmHWM, resettable), CPU time, and the build
//! profile the engine was compiled with.

/// Resets the kernel's peak-RSS counter of this process (Linux `clear_refs` = 5); false when not possible.
pub fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// The peak resident set size (VmHWM) of this process in kB, since start or the last [`reset_peak_rss`].
pub fn peak_rss_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// User + system CPU time of the whole process (every thread) in seconds, from `/proc/self/stat`.
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 (1-based).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / CLOCK_TICKS_PER_SECOND)
}

/// `sysconf(_SC_CLK_TCK)` on every Linux platform we build for.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// The build profile of the engine crate, e.g. `dev, engine opt-level 3, debug assertions off`.
pub fn build_profile() -> String {
    format!(
        "{}, engine opt-level {}, debug assertions {}",
        match env!("QE_BUILD_PROFILE") {
            "debug" => "dev",
            other => other,
        },
        env!("QE_OPT_LEVEL"),
        if cfg!(debug_assertions) { "on" } else { "off" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_peak_rss_covers_a_buffer_in_use() {
        // Other tests run (and reset the peak) concurrently: only what must hold whatever they do is asserted.
        let big = vec![1u8; 64 << 20];
        std::hint::black_box(&big);
        let peak = peak_rss_kb().expect("VmHWM on Linux");
        assert!(peak >= 64 << 10, "{peak} kB with 64 MiB in use");
        drop(big);
        reset_peak_rss();
        assert!(peak_rss_kb().is_some());
    }

    #[test]
    fn cpu_time_advances_while_spinning() {
        // Spin until 50 ms of CPU time are seen (the machine may be shared: wall time says little), at most 20 s.
        let a = cpu_seconds().expect("cpu time");
        let t = std::time::Instant::now();
        let mut x = 0u64;
        let mut b = a;
        while b - a < 0.05 && t.elapsed().as_secs() < 20 {
            for _ in 0..100_000 {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
            }
            b = cpu_seconds().expect("cpu time");
        }
        std::hint::black_box(x);
        assert!(b - a >= 0.05, "{a} then {b} after {:?}", t.elapsed());
    }
}
