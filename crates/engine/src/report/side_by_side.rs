//! An equivalence finding as a small side-by-side table (field, listing A value, listing B value,
//! the two requests), the same cells for the Markdown and the HTML report.

use crate::render::{short, SHOWN_VALUE};
use crate::verdict::SideBySide;

/// The header and rows of the table, as plain text cells, and a line counting the rows not shown.
pub(crate) fn table(side_by_side: &SideBySide) -> (Vec<String>, Vec<Vec<String>>, Option<String>) {
    let (a, b) = (&side_by_side.a, &side_by_side.b);
    let head = vec![
        "item".to_string(),
        "field".to_string(),
        format!("{} ({})", a.name, a.shows),
        format!("{} ({})", b.name, b.shows),
        format!("{} request", a.name),
        format!("{} request", b.name),
    ];
    let shown = |v: &serde_json::Value, common: &Option<serde_json::Value>| {
        let v = if v.is_null() { "—".to_string() } else { short(v, SHOWN_VALUE) };
        match common {
            Some(c) => format!("{v} → {}", short(c, SHOWN_VALUE)),
            None => v,
        }
    };
    let rows = side_by_side
        .rows
        .iter()
        .map(|r| {
            vec![
                r.item.clone(),
                side_by_side.field.clone(),
                shown(&r.a, &r.a_as),
                shown(&r.b, &r.b_as),
                r.a_request.clone().unwrap_or_default(),
                r.b_request.clone().unwrap_or_default(),
            ]
        })
        .collect();
    let more = (side_by_side.total > side_by_side.rows.len())
        .then(|| format!("… and {} more (all in results.json)", side_by_side.total - side_by_side.rows.len()));
    (head, rows, more)
}
