//! The overfitting section of `qe runs show`: PBO, the deflated Sharpe ratios and the optimum's shape per symbol.

use crate::cli::output::Table;
use model::overfitting::Overfitting;

/// The report as text; empty when it holds no symbol.
pub fn render(report: &Overfitting) -> String {
    let several = report.symbols.len() > 1;
    let mut text = String::new();
    for s in &report.symbols {
        text += "\noverfitting";
        if several {
            text += &format!(" ({})", s.symbol);
        }
        text += "\n";
        let mut t = Table::new(["figure", "value", "meaning"]);
        if let Some(p) = &s.pbo {
            let splits = if p.sampled {
                format!("{} of {} splits, sampled", p.splits, p.splits_total)
            } else {
                format!("all {} splits", p.splits)
            };
            t.rows.push(row(
                "PBO",
                p.pbo,
                &format!(
                    "in-sample best below the out-of-sample median ({} blocks, {splits})",
                    p.blocks
                ),
            ));
            t.rows.push(row(
                "P(OOS loss)",
                p.prob_oos_loss,
                "in-sample best loses out of sample",
            ));
            t.rows.push(row(
                "degradation slope",
                p.degradation_slope,
                "OOS Sharpe per unit of IS Sharpe",
            ));
        }
        let dsr_rows = [("DSR best", &s.dsr), ("DSR walk-forward", &s.walk_forward_dsr)];
        for (label, d) in dsr_rows {
            if let Some(d) = d {
                t.rows.push(row(label, d.dsr, &d.describe()));
            }
        }
        for f in &s.fold_dsr {
            let label = format!("DSR fold {}", f.fold);
            let meaning = format!("trial {} on its train window; {}", f.trial_number, f.dsr.describe());
            t.rows.push(row(&label, f.dsr.dsr, &meaning));
        }
        if let Some(r) = &s.robustness {
            let shape = if r.spike { "spike" } else { "plateau" };
            let meaning = format!(
                "{} of {} neighbours within 10 % of the best {:.4} (worst {:.4})",
                (r.share_within_10pct * r.neighbours as f64).round(),
                r.neighbours,
                r.best_value,
                r.worst
            );
            t.rows.push(vec!["optimum".into(), shape.into(), meaning]);
            for p in &r.sensitivity {
                let label = format!("sensitivity {}", p.param);
                let meaning = format!("objective {:.4} … {:.4} over {} values", p.min, p.max, p.points);
                t.rows.push(row(&label, p.range, &meaning));
            }
        }
        text += &t.render();
    }
    text
}

fn row(label: &str, value: f64, meaning: &str) -> Vec<String> {
    vec![label.to_string(), format!("{value:.4}"), meaning.to_string()]
}
