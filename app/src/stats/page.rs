//! `/ui/stats`: market statistics with their filters in the URL, the table paged on the server, and the lift
//! heatmap (condition values × targets) with n, p̂, CI and q on hover or keyboard focus, each cell a link to its rows;
//! rows under their spec's `min_samples` are hidden unless asked for, and the table sorts on n, p̂, lift and q.

use crate::format::{group, opt, pct, pp, pval, MISSING};
use crate::stats::StatsFilter;
use crate::stats::{get_stats, LiftGrid, StatsView};
use crate::url;
use crate::widgets::{api_query, show_errors, Downloads, Loading, Pager, SortHeader};
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use model::stats::StatsOrder;

const FILTERS: [(&str, &str); 6] = [
    ("symbol", "Symbol"),
    ("timeframe", "Timeframe"),
    ("event", "Event"),
    ("condition_name", "Condition"),
    ("target", "Target"),
    ("split", "Split"),
];

/// The stats page.
#[component]
pub fn Stats() -> impl IntoView {
    let query = use_query_map();
    let key = move || {
        query.with(|q| {
            let [symbol, timeframe, event, condition_name, target, split] = FILTERS.map(|(k, _)| url::get(q, k));
            StatsFilter {
                symbol,
                timeframe,
                event,
                condition_name,
                condition_value: url::get(q, "condition_value"),
                target,
                split,
                significant: q.get("significant").as_deref() == Some("true"),
                all: q.get("all").as_deref() == Some("true"),
                bayes: url::get(q, "method").as_deref() == Some("bayes"),
                sort: url::get(q, "sort"),
                page: url::page(q, "page"),
            }
        })
    };
    let data = Resource::new(key, get_stats);
    view! {
        <h1>"Market stats"</h1>
        <Transition fallback=|| view! { <Loading/> }>
            <ErrorBoundary fallback=show_errors>
                {move || Suspend::new(async move { data.await.map(|v| view! { <StatsBody v/> }) })}
            </ErrorBoundary>
        </Transition>
    }
}

#[component]
fn StatsBody(v: StatsView) -> impl IntoView {
    let facets = v.facets.clone();
    let options = |key: &str| -> Vec<String> {
        match key {
            "symbol" => facets.symbols.clone(),
            "timeframe" => facets.timeframes.clone(),
            "event" => facets.events.clone(),
            "condition_name" => facets.condition_names.clone(),
            "target" => facets.targets.clone(),
            _ => facets.splits.clone(),
        }
    };
    let f = v.filter.clone();
    let chosen = |key: &str| -> Option<String> {
        match key {
            "symbol" => f.symbol.clone(),
            "timeframe" => f.timeframe.clone(),
            "event" => f.event.clone(),
            "condition_name" => f.condition_name.clone(),
            "target" => f.target.clone(),
            _ => f.split.clone(),
        }
    };
    let query = use_query_map().get_untracked();
    let pages = (v.total + v.page_size - 1) / v.page_size;
    let page_link = |p: i64| url::link("/ui/stats", &query, &[("page", Some(p.to_string()))]);
    let prev = (v.filter.page > 1).then(|| page_link(v.filter.page - 1));
    let next = (v.filter.page < pages).then(|| page_link(v.filter.page + 1));
    view! {
        <form class="panel filters" method="get" action="/ui/stats" id="stats-filters">
            {FILTERS.iter().map(|(key, label)| {
                let current = chosen(key).unwrap_or_default();
                view! {
                    <label>{*label}
                        <select name=*key id=format!("f-{key}")>
                            <option value="" selected=current.is_empty()>"All"</option>
                            {options(key).into_iter().map(|o| {
                                let selected = o == current;
                                view! { <option value=o.clone() selected=selected>{o.clone()}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                }
            }).collect_view()}
            <label class="check"><input type="checkbox" name="significant" value="true" id="f-significant" checked={v.filter.significant}/>" Significant only"</label>
            <label class="check" title="Rows with fewer observations than their spec's min_samples"><input type="checkbox" name="all" value="true" id="f-all" checked={v.filter.all}/>" Show rows under min_samples"</label>
            {v.filter.condition_value.clone().map(|cv| view! { <input type="hidden" name="condition_value" value=cv/> })}
            {v.filter.sort.clone().map(|sort| view! { <input type="hidden" name="sort" value=sort/> })}
            <label>"Lift"
                <select name="method" id="f-method">
                    <option value="freq" selected={!v.filter.bayes}>"frequentist"</option>
                    <option value="bayes" selected=v.filter.bayes>"Bayesian"</option>
                </select>
            </label>
            <button type="submit">"Apply"</button>
        </form>
        <section class="panel" id="lift">
            <h2>"Lift heatmap"</h2>
            {match (v.grid.clone(), v.grid_of.clone()) {
                (Some(g), Some((s, t, e, c))) => view! {
                    <p class="muted">{format!("{s} · {t} · event {e} · condition {c}. Colour: lift, the change in probability against the unconditional rate in percentage points (scale from cells with enough observations); ● significant (BH q ≤ α); grey: too few observations. A cell opens its rows.")}</p>
                    <LiftHeatmap g slice=(s, t, e, c) significant=v.filter.significant/>
                }.into_any(),
                _ => view! { <p class="empty">"No statistics match these filters."</p> }.into_any(),
            }}
        </section>
        <section class="panel" id="stats-table">
            <div class="panel-head"><h2>"Rows"</h2><Downloads api=download_query(&v.filter) id="stats-downloads"/></div>
            <StatsTable v=v.clone()/>
            <Pager page=v.filter.page pages summary=format!("{} rows", group(v.total)) prev next/>
        </section>
    }
}

/// The API read of the page's rows, every page (`GET /stats` with the page's filters).
fn download_query(f: &StatsFilter) -> String {
    api_query(
        "/stats",
        &[
            ("symbol", f.symbol.clone()),
            ("timeframe", f.timeframe.clone()),
            ("event", f.event.clone()),
            ("condition_name", f.condition_name.clone()),
            ("target", f.target.clone()),
            ("condition_value", f.condition_value.clone()),
            ("split", f.split.clone()),
            ("significant_only", f.significant.then(|| "true".into())),
            ("sufficient_only", (!f.all).then(|| "true".into())),
            ("method", f.bayes.then(|| "bayes".into())),
        ],
    )
}

#[component]
fn StatsTable(v: StatsView) -> impl IntoView {
    if v.rows.is_empty() {
        return view! { <p class="empty">"No rows. Run a stats job or loosen the filters."</p> }.into_any();
    }
    let bayes = v.filter.bayes;
    let query = use_query_map().get_untracked();
    let current = v.filter.sort.as_deref().and_then(StatsOrder::parse_sort);
    let header = move |order: StatsOrder, label: &'static str| {
        let descending = current.filter(|c| c.0 == order).map(|c| c.1);
        let next = if descending == Some(true) { "asc" } else { "desc" };
        let href = url::link(
            "/ui/stats",
            &query,
            &[("sort", Some(format!("{}.{next}", order.as_str()))), ("page", None)],
        );
        view! { <SortHeader field=order.as_str() label href descending/> }
    };
    view! {
        <table class="grid" id="stats-rows">
            <thead><tr>
                <th scope="col">"Symbol"</th><th scope="col">"TF"</th><th scope="col">"Event"</th>
                <th scope="col">"Condition"</th><th scope="col">"Value"</th><th scope="col">"Target"</th>
                <th scope="col">"Split"</th>{header(StatsOrder::N, "n")}{header(StatsOrder::PHat, "p̂")}
                <th scope="col" class="num">"95% CI"</th>{header(StatsOrder::Lift, if bayes { "Lift (Bayes, pp)" } else { "Lift (pp)" })}
                {header(StatsOrder::QValue, "q")}<th scope="col">"Sig."</th>
            </tr></thead>
            <tbody>
                {v.rows.into_iter().map(|r| {
                    let lift = if bayes { r.lift_bayes } else { r.lift_freq };
                    let ci = match (r.ci_low, r.ci_high) {
                        (Some(l), Some(h)) => format!("{} – {}", pct(l), pct(h)),
                        _ => MISSING.into(),
                    };
                    view! {
                        <tr class:insufficient={r.insufficient == Some(true)}>
                            <td class="sym">{r.symbol}</td><td>{r.timeframe}</td><td>{r.event}</td>
                            <td>{r.condition_name.unwrap_or_default()}</td><td>{r.condition_value.unwrap_or_default()}</td>
                            <td>{r.target}</td><td>{r.split}{r.fold.map(|f| format!(" #{f}"))}</td>
                            <td class="num" data-metric="n">{group(r.n)}</td><td class="num" data-metric="p_hat">{pct(r.p_hat)}</td><td class="num">{ci}</td>
                            <td class="num" data-metric="lift" class:pos={lift > 0.0} class:neg={lift < 0.0}>{pp(lift)}</td>
                            <td class="num" data-metric="q_value">{opt(r.q_value, pval)}</td>
                            <td>{if r.significant == Some(true) { "●" } else { "" }}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

/// The grid as an HTML table: coloured cells, each focusable, with its numbers in a tooltip and a link to its rows.
/// The colour scale spans the cells with enough observations only, so a noisy n = 3 cell cannot wash out the rest.
#[component]
fn LiftHeatmap(g: LiftGrid, slice: (String, String, String, String), significant: bool) -> impl IntoView {
    let scale = g.scale();
    let legend: Vec<(String, String)> = (0..=4)
        .map(|k| {
            let v = scale.value_at(k as f64 / 4.0);
            (scale.css(v), pp(v))
        })
        .collect();
    let (symbol, timeframe, event, condition) = slice;
    let rows_of = move |value: &Option<String>, target: &str, insufficient: bool| {
        api_query(
            "/ui/stats",
            &[
                ("symbol", Some(symbol.clone())),
                ("timeframe", Some(timeframe.clone())),
                ("event", Some(event.clone())),
                ("condition_name", Some(condition.clone())),
                ("condition_value", value.clone()),
                ("target", Some(target.to_string())),
                ("significant", significant.then(|| "true".into())),
                ("all", insufficient.then(|| "true".into())),
            ],
        )
    };
    view! {
        <div class="heat-wrap">
            <table class="heat" id="lift-heatmap">
                <thead><tr>
                    <th scope="col">"Condition value"</th>
                    {g.targets.iter().map(|t| view! { <th scope="col">{t.clone()}</th> }).collect_view()}
                </tr></thead>
                <tbody>
                    {g.labels().into_iter().zip(&g.condition_values).zip(g.cells.iter()).map(|((value, filter), row)| view! {
                        <tr>
                            <th scope="row">{value.clone()}</th>
                            {row.iter().zip(g.targets.iter()).map(|(cell, target)| match cell {
                                Some(c) => {
                                    let tip = format!(
                                        "{value} → {target}: lift {}, n {}, p̂ {}, CI {} – {}, q {}{}",
                                        pp(c.lift), group(c.n), pct(c.p_hat), opt(c.ci_low, pct), opt(c.ci_high, pct),
                                        opt(c.q_value, pval), if c.insufficient { " (insufficient)" } else { "" }
                                    );
                                    let label = tip.clone();
                                    let style = if c.insufficient {
                                        String::new()
                                    } else {
                                        format!("background:{};color:{}", scale.css(c.lift), scale.ink(c.lift))
                                    };
                                    view! {
                                        <td class="cell" class:sig=c.significant class:insufficient=c.insufficient
                                            style=style data-tip=tip>
                                            <a href=rows_of(filter, target, c.insufficient) aria-label=label>
                                                {pp(c.lift)}{if c.significant { " ●" } else { "" }}
                                            </a>
                                        </td>
                                    }.into_any()
                                }
                                None => view! { <td class="cell none" aria-label="no data">"·"</td> }.into_any(),
                            }).collect_view()}
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
            <div class="legend" aria-hidden="true">
                <span class="muted">"lift"</span>
                {legend.into_iter().map(|(color, text)| view! { <span class="swatch" style=format!("background:{color}")></span><span>{text}</span> }).collect_view()}
            </div>
        </div>
    }
}
