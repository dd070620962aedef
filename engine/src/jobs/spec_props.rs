//! Property tests of the spec parsers: no JSON value, arbitrary or a mutated example spec, panics
//! [`JobSpec::parse`] of any kind, the serde types behind it, the limits check or the search-space sampling that
//! follow a successful parse.

use super::{JobKind, JobSpec};
use model::spec::limits::Limits;
use proptest::prelude::*;
use serde_json::{Map, Number, Value};
use std::sync::OnceLock;

/// The example specs of the repository (`specs/*.json`), by file name.
fn examples() -> &'static [(String, Value)] {
    static SPECS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SPECS.get_or_init(|| {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(dir)
            .expect("specs/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                (
                    p.file_name().unwrap().to_string_lossy().into_owned(),
                    serde_json::from_str(&text).unwrap(),
                )
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(out.len() >= 10, "the example specs: {}", out.len());
        out
    })
}

/// Every object key and string value of the examples: arbitrary objects use them so that they reach deep into
/// the parsers instead of failing at the first unknown field.
fn vocabulary() -> &'static (Vec<String>, Vec<String>) {
    static WORDS: OnceLock<(Vec<String>, Vec<String>)> = OnceLock::new();
    WORDS.get_or_init(|| {
        fn walk(v: &Value, keys: &mut Vec<String>, strings: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        keys.push(k.clone());
                        walk(x, keys, strings);
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| walk(x, keys, strings)),
                Value::String(s) => strings.push(s.clone()),
                _ => {}
            }
        }
        let (mut keys, mut strings) = (Vec::new(), Vec::new());
        for (_, spec) in examples() {
            walk(spec, &mut keys, &mut strings);
        }
        for list in [&mut keys, &mut strings] {
            list.sort();
            list.dedup();
        }
        (keys, strings)
    })
}

/// Numbers at and around the edges the parsers must refuse or take.
fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![0i64, 1, -1, 2, 12, 4_000_000_000, i64::MAX, i64::MIN]).prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        prop::sample::select(vec![0.5, -0.0, 1e18, 1e308, -1e308, 5e-324, 1.5]).prop_map(Value::from),
        any::<f64>().prop_filter_map("finite", |f| Number::from_f64(f).map(Value::Number)),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => prop::sample::select(vocabulary().1.clone()),
        1 => "\\PC{0,12}",
        1 => prop::sample::select(["", "2024-02-30", "../../etc/passwd", "1e9"].map(String::from).to_vec()),
    ]
}

/// Any JSON value, objects keyed mostly by the examples' keys.
fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    let key = prop_oneof![4 => prop::sample::select(vocabulary().0.clone()), 1 => "[a-z_]{1,8}"];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((key.clone(), inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Every JSON pointer inside `v` (the root included).
fn pointers(v: &Value, at: String, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => m
            .iter()
            .for_each(|(k, x)| pointers(x, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)),
        Value::Array(a) => a
            .iter()
            .enumerate()
            .for_each(|(i, x)| pointers(x, format!("{at}/{i}"), out)),
        _ => {}
    }
    out.push(at);
}

/// An edit of a spec: at the `at`-th pointer (modulo their count), replace the value, remove it from its object
/// or array, or add a key beside it.
#[derive(Debug, Clone)]
enum Edit {
    Replace(usize, Value),
    Remove(usize),
    Add(usize, String, Value),
}

fn edit() -> impl Strategy<Value = Edit> {
    let key = prop::sample::select(vocabulary().0.clone());
    prop_oneof![
        3 => (any::<usize>(), json()).prop_map(|(at, v)| Edit::Replace(at, v)),
        1 => any::<usize>().prop_map(Edit::Remove),
        1 => (any::<usize>(), key, json()).prop_map(|(at, k, v)| Edit::Add(at, k, v)),
    ]
}

fn apply(spec: &mut Value, edit: &Edit) {
    let mut all = Vec::new();
    pointers(spec, String::new(), &mut all);
    let pick = |at: usize| all[at % all.len()].clone();
    match edit {
        Edit::Replace(at, v) => {
            if let Some(slot) = spec.pointer_mut(&pick(*at)) {
                *slot = v.clone();
            }
        }
        Edit::Remove(at) => {
            let p = pick(*at);
            let Some((parent, last)) = p.rsplit_once('/') else {
                return;
            };
            match spec.pointer_mut(parent) {
                Some(Value::Object(m)) => {
                    m.remove(&last.replace("~1", "/").replace("~0", "~"));
                }
                Some(Value::Array(a)) => {
                    if let Ok(i) = last.parse::<usize>() {
                        if i < a.len() {
                            a.remove(i);
                        }
                    }
                }
                _ => {}
            }
        }
        Edit::Add(at, k, v) => {
            if let Some(Value::Object(m)) = spec.pointer_mut(&pick(*at)) {
                m.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Parses `value` as every kind and runs what follows a successful parse; panics are the failures.
fn parse_everything(value: &Value) {
    let limits = Limits::default();
    for &kind in JobKind::ALL {
        let Ok(spec) = JobSpec::parse(kind, value.clone()) else {
            continue;
        };
        let _ = spec.data().file();
        match &spec {
            JobSpec::Optimize(s) => {
                if limits.check_experiment(s).is_ok() {
                    let n = s.strategy.max_trials.min(64);
                    let _ = crate::optimize::space::random(&s.strategy.search_space, n, s.strategy.seed);
                }
            }
            JobSpec::Stats(_) => {}
            JobSpec::Seasonality(s) | JobSpec::SeasonalityOptimize(s) => {
                let optimize = kind == JobKind::SeasonalityOptimize;
                let within = limits.check_seasonality(s, optimize).is_ok();
                if within {
                    let space = &s.compute.search_space;
                    let _ = crate::seasonality::optimize::sample(space, s.compute.trials().min(64), s.compute.seed);
                }
            }
        }
    }
    // The serde types behind the parsers, read directly.
    let _ = model::spec::from_value::<model::spec::DataSpec>(value.clone());
    use model::spec::{experiment, from_value, seasonality, stats};
    let _ = from_value::<experiment::Validation>(value.clone());
    let _ = from_value::<experiment::ExecutionSpec>(value.clone());
    let _ = from_value::<experiment::Filters>(value.clone());
    let _ = from_value::<stats::Validation>(value.clone());
    let _ = from_value::<seasonality::SeasonalitySpec>(value.clone());
}

#[test]
fn every_example_spec_parses_as_some_kind() {
    for (name, spec) in examples() {
        let parsed = JobKind::ALL.iter().any(|k| JobSpec::parse(*k, spec.clone()).is_ok());
        assert!(parsed, "{name} parses as no kind of job");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_a_spec_parser(value in json()) {
        parse_everything(&value);
    }

    #[test]
    fn mutated_example_specs_never_panic_a_spec_parser(
        which in any::<usize>(),
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let specs = examples();
        let mut spec = specs[which % specs.len()].1.clone();
        for e in &edits {
            apply(&mut spec, e);
        }
        parse_everything(&spec);
    }
}
