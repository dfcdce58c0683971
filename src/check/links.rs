//! Next links of a walk: they keep the query, vanish on the last page and lead somewhere new.

use serde_json::json;

use super::pages::{Page, MAX_FINDINGS};
use crate::spec::model::{LastPage, Pagination};
use crate::verdict::{CheckId, Finding};

/// Next links keep the query, vanish on the last page and lead somewhere new.
pub fn link_findings(pages: &[Page], p: &Pagination, query: &[(String, String)]) -> Vec<Finding> {
    let Some(next) = &p.next else { return vec![] };
    let mut out = Vec::new();
    let limit = p.page_size as usize;
    let mut dropping_pages = 0;
    // Where the first finding about dropped parameters sits, to count the later ones on it.
    let mut first_drop = None;
    for (i, page) in pages.iter().enumerate() {
        let Some(href) = &page.next else { continue };
        let is_last = i + 1 == pages.len();
        if page.items.len() < limit && !page.items.is_empty() {
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!("no next link on a short (last) page"),
                    json!(href),
                    format!("page {} holds {} < {limit} items yet links to a next page", i + 1, page.items.len()),
                )
                .on(page.exchange),
            );
        }
        if page.items.is_empty() && is_last {
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!("no next link on an empty page"),
                    json!(href),
                    format!("the empty page {} still links to a next page", i + 1),
                )
                .on(page.exchange),
            );
        }
        let parsed = url::Url::parse("http://base/").and_then(|b| b.join(href));
        let Ok(link) = parsed else { continue };
        let pairs: Vec<(String, String)> = link.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let dropped: Vec<String> = query
            .iter()
            .filter(|(k, _)| *k != p.marker)
            .filter(|(k, v)| !pairs.iter().any(|(lk, lv)| lk == k && lv == v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        // Once a link drops parameters every later page is fetched without them: the first
        // such link is the finding, the others are counted.
        if !dropped.is_empty() {
            dropping_pages += 1;
        }
        if !dropped.is_empty() && dropping_pages == 1 {
            first_drop = Some(out.len());
            out.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!(dropped),
                    json!(href),
                    format!("the next link of page {} drops `{}`", i + 1, dropped.join("&")),
                )
                .on(page.exchange),
            );
        }
    }
    if dropping_pages > 1 {
        if let Some(f) = first_drop.and_then(|i| out.get_mut(i)) {
            f.message.push_str(&format!(" (so do the links of {} later pages)", dropping_pages - 1));
        }
    }
    if next.last_page == LastPage::NoLink {
        if let Some((i, page)) = pages.len().checked_sub(1).map(|i| (i, &pages[i])) {
            if page.items.is_empty() && i > 0 && pages[i - 1].next.is_some() {
                out.push(
                    Finding::new(
                        CheckId::PaginationNextLink,
                        next.pointer.clone(),
                        json!("no next link on the last non-empty page"),
                        json!(pages[i - 1].next),
                        format!("page {} links to an empty page {}", i, i + 1),
                    )
                    .on(pages[i - 1].exchange),
                );
            }
        }
    }
    out.truncate(MAX_FINDINGS);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn pagination() -> Pagination {
        serde_json::from_value(json!({
            "doc": {"file": "f", "section": "s"},
            "items": "/images",
            "page_size": 2,
            "next": {"style": "href", "pointer": "/next"}
        }))
        .unwrap()
    }

    fn page(exchange: usize, n: usize, next: Option<&str>) -> Page {
        Page { exchange, url: "u".into(), items: vec![Value::Null; n], next: next.map(str::to_owned) }
    }

    #[test]
    fn links_that_drop_the_query_are_one_finding_counting_the_later_pages() {
        let query = [("status".to_string(), "active".to_string())];
        let pages = [
            page(0, 2, Some("/v2/images?marker=a&status=active")),
            page(1, 2, Some("/v2/images?marker=b")),
            page(2, 2, Some("/v2/images?marker=c")),
            page(3, 1, None),
        ];
        let f = link_findings(&pages, &pagination(), &query);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].exchange, Some(1));
        assert_eq!(f[0].message, "the next link of page 2 drops `status=active` (so do the links of 1 later pages)");
    }

    #[test]
    fn a_short_page_linking_to_an_empty_page_is_two_findings() {
        let pages = [page(0, 1, Some("/v2/images?marker=a")), page(1, 0, None)];
        let f = link_findings(&pages, &pagination(), &[]);
        let messages: Vec<&str> = f.iter().map(|x| x.message.as_str()).collect();
        assert_eq!(messages, ["page 1 holds 1 < 2 items yet links to a next page", "page 1 links to an empty page 2"]);
    }
}
