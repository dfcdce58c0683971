//! Links in responses: next links of a walk keep the query, vanish on the last page and lead
//! somewhere new; and every link a client may follow stays on the origin it asked.

use std::borrow::Cow;

use jsonschema::json::{Array as _, Json, Node, Object as _};
use jsonschema::types::JsonType;
use serde_json::json;

use super::pages::{Page, MAX_FINDINGS};
use crate::spec::model::{LastPage, Pagination};
use crate::verdict::{CheckId, Finding};

/// Next links keep the query, vanish on the last page and lead somewhere new (the walks tally
/// them page by page with [`NextLinks`]; the tests check whole walks at once).
#[cfg(test)]
pub(crate) fn link_findings(pages: &[Page], p: &Pagination, query: &[(String, String)]) -> Vec<Finding> {
    let mut tally = NextLinks::new(p, query);
    pages.iter().for_each(|pg| tally.page(pg));
    tally.findings()
}

/// What the next-link checks keep of a page: its size, its link and its exchange.
struct Seen {
    items: usize,
    next: Option<String>,
    exchange: usize,
}

/// The next links of a walk, checked page by page. A page is judged when the next one comes
/// (or the walk ends), since some rules hold only for the last page.
pub(crate) struct NextLinks<'a> {
    p: &'a Pagination,
    query: &'a [(String, String)],
    pages: usize,
    /// The page before `pending`, and the page not judged yet.
    prev: Option<Seen>,
    pending: Option<Seen>,
    dropping_pages: usize,
    /// Where the first finding about dropped parameters sits, to count the later ones on it.
    first_drop: Option<usize>,
    out: Vec<Finding>,
}

impl<'a> NextLinks<'a> {
    /// Links of a walk of `p` asked with `query`.
    pub(crate) fn new(p: &'a Pagination, query: &'a [(String, String)]) -> NextLinks<'a> {
        NextLinks { p, query, pages: 0, prev: None, pending: None, dropping_pages: 0, first_drop: None, out: Vec::new() }
    }

    pub(crate) fn page(&mut self, page: &Page) {
        self.judge(false);
        self.pages += 1;
        self.prev = self.pending.replace(Seen { items: page.items.len(), next: page.next.clone(), exchange: page.exchange });
    }

    /// Judge the pending page, the last one walked when `is_last`.
    fn judge(&mut self, is_last: bool) {
        if let Some(page) = self.pending.take() {
            self.judge_page(&page, is_last);
            self.pending = Some(page);
        }
    }

    fn judge_page(&mut self, page: &Seen, is_last: bool) {
        let p = self.p;
        let (Some(next), Some(href)) = (&p.next, &page.next) else { return };
        let (i, limit) = (self.pages - 1, p.page_size as usize);
        if page.items < limit && page.items > 0 {
            self.push(
                Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!("no next link on a short (last) page"),
                    json!(href),
                    format!("page {} holds {} < {limit} items yet links to a next page", i + 1, page.items),
                )
                .on(page.exchange),
            );
        }
        if page.items == 0 && is_last {
            self.push(
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
        let Ok(link) = parsed else { return };
        let pairs: Vec<(String, String)> = link.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let dropped: Vec<String> = self
            .query
            .iter()
            .filter(|(k, _)| *k != p.marker)
            .filter(|(k, v)| !pairs.iter().any(|(lk, lv)| lk == k && lv == v))
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        // Once a link drops parameters every later page is fetched without them: the first
        // such link is the finding, the others are counted.
        if !dropped.is_empty() {
            self.dropping_pages += 1;
        }
        if !dropped.is_empty() && self.dropping_pages == 1 {
            self.first_drop = (self.out.len() < MAX_FINDINGS).then_some(self.out.len());
            self.push(
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

    /// Findings past `MAX_FINDINGS` would be cut anyway: a long walk does not keep them.
    fn push(&mut self, f: Finding) {
        if self.out.len() < MAX_FINDINGS {
            self.out.push(f);
        }
    }

    /// The findings, once the walk has ended.
    pub(crate) fn findings(mut self) -> Vec<Finding> {
        let Some(next) = &self.p.next else { return vec![] };
        self.judge(true);
        let mut out = std::mem::take(&mut self.out);
        if self.dropping_pages > 1 {
            if let Some(f) = self.first_drop.and_then(|i| out.get_mut(i)) {
                f.message.push_str(&format!(" (so do the links of {} later pages)", self.dropping_pages - 1));
            }
        }
        if next.last_page == LastPage::NoLink {
            if let (Some(last), Some(before)) = (&self.pending, &self.prev) {
                if last.items == 0 && before.next.is_some() {
                    let i = self.pages - 1;
                    out.push(
                        Finding::new(
                            CheckId::PaginationNextLink,
                            next.pointer.clone(),
                            json!("no next link on the last non-empty page"),
                            json!(before.next),
                            format!("page {} links to an empty page {}", i, i + 1),
                        )
                        .on(before.exchange),
                    );
                }
            }
        }
        out.truncate(MAX_FINDINGS);
        out
    }
}

/// The links one page of a listing carries about the listing itself.
#[derive(Debug, Default)]
pub(crate) struct PageLinks<'a> {
    /// The next link (at the spec's `next` pointer).
    pub next: Option<&'a str>,
    /// `first`: the first page of the same listing.
    pub first: Option<&'a str>,
    /// `self`: the page itself.
    pub own: Option<&'a str>,
}

/// Where a page keeps its `first` and `self` links (Glance's top-level members).
pub(crate) const FIRST_POINTER: &str = "/first";
pub(crate) const SELF_POINTER: &str = "/self";

/// The links of one page judged against the request that fetched it (`request`): `next` keeps
/// every query parameter but the marker, `first` names the request without its marker, `self`
/// names the request. Each page of every walk is judged, so a link that drops a filter only
/// on page two, or only on a sorted walk, shows.
pub(crate) fn page_link_findings(request: &url::Url, p: &Pagination, links: &PageLinks<'_>) -> Vec<Finding> {
    let asked: Vec<(String, String)> = pairs(request).into_iter().filter(|(k, _)| *k != p.marker).collect();
    let mut out = Vec::new();
    if let (Some(href), Some(next)) = (links.next, &p.next) {
        if let Ok(link) = request.join(href) {
            let dropped = dropped(&asked, &pairs(&link));
            if !dropped.is_empty() {
                out.push(Finding::new(
                    CheckId::PaginationNextLink,
                    next.pointer.clone(),
                    json!(dropped),
                    json!(href),
                    format!("the next link drops `{}`", dropped.join("&")),
                ));
            }
        }
    }
    // The same listing: the same path, nothing dropped and nothing added.
    let same = |href: &str, want: &[(String, String)]| -> bool {
        request.join(href).is_ok_and(|l| {
            let got = pairs(&l);
            l.path() == request.path() && dropped(want, &got).is_empty() && got.iter().all(|g| want.contains(g))
        })
    };
    if let Some(href) = links.first.filter(|h| !same(h, &asked)) {
        let want = shown(request, &asked);
        out.push(Finding::new(
            CheckId::LinkFirst,
            FIRST_POINTER,
            json!(want),
            json!(href),
            format!("the `first` link is {href}, not the same listing without its marker ({want})"),
        ));
    }
    let all = pairs(request);
    if let Some(href) = links.own.filter(|h| !same(h, &all)) {
        out.push(Finding::new(
            CheckId::LinkSelf,
            SELF_POINTER,
            json!(request.as_str()),
            json!(href),
            format!("the `self` link is {href}, another request"),
        ));
    }
    out
}

/// The decoded query pairs of a URL.
fn pairs(u: &url::Url) -> Vec<(String, String)> {
    u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

/// The parameters of `asked` that `kept` lost, as `k=v`. A parameter given once must be kept
/// with its value; one given several times (`tag=a&tag=b`) with one of its values at least:
/// real Glance writes its links from a dictionary that keeps one value per name, and no doc
/// says otherwise.
fn dropped(asked: &[(String, String)], kept: &[(String, String)]) -> Vec<String> {
    let repeated = |k: &str| asked.iter().filter(|(a, _)| a == k).count() > 1;
    asked
        .iter()
        .filter(|(k, v)| {
            let lost_value = !kept.iter().any(|(lk, lv)| lk == k && lv == v);
            let lost_name = !kept.iter().any(|(lk, lv)| lk == k && asked.iter().any(|(ak, av)| ak == k && av == lv));
            if repeated(k) {
                lost_name
            } else {
                lost_value
            }
        })
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

/// The path of `request` with the query `q`, as a finding shows what was expected.
fn shown(request: &url::Url, q: &[(String, String)]) -> String {
    let mut u = request.clone();
    u.set_query(None);
    if !q.is_empty() {
        u.query_pairs_mut().extend_pairs(q);
    }
    format!("{}{}", u.path(), u.query().map(|q| format!("?{q}")).unwrap_or_default())
}

/// Whether a key's string value is a link, wherever it appears (Glance `next`, `first`, `self`).
fn is_link_key(key: &str) -> bool {
    matches!(key, "next" | "first" | "self" | "bookmark" | "prev" | "previous" | "last")
}

/// A link's scheme, host and port (the default port of the scheme when none is written).
fn origin(u: &url::Url) -> (String, Option<String>, Option<u16>) {
    (u.scheme().to_string(), u.host_str().map(str::to_ascii_lowercase), u.port_or_known_default())
}

/// `scheme://host:port` of a URL, as findings show it.
pub(crate) fn origin_text(u: &url::Url) -> String {
    let (scheme, host, port) = origin(u);
    match port {
        Some(p) => format!("{scheme}://{}:{p}", host.unwrap_or_default()),
        None => format!("{scheme}://{}", host.unwrap_or_default()),
    }
}

/// Whether `href` (absolute, or relative to `request`) leads to the scheme, host and port of
/// `request`. `None` when it is not a URL at all (other checks judge that).
pub(crate) fn same_origin(request: &url::Url, href: &str) -> Option<bool> {
    if from_the_root(href) {
        return Some(true);
    }
    let link = request.join(href).ok()?;
    Some(origin(&link) == origin(request))
}

/// Whether `href` is a path from the root of the request's own origin, told without parsing it
/// (most links in a listing are). Not `//host` nor `/\host`, which name another host, nor
/// anything with a tab or line break, which URL parsing drops and could make one of those.
fn from_the_root(href: &str) -> bool {
    let b = href.as_bytes();
    b.first() == Some(&b'/') && !matches!(b.get(1), Some(b'/' | b'\\')) && !b.iter().any(|c| matches!(c, b'\t' | b'\n' | b'\r'))
}

/// The finding for a link at `pointer` (named `rel`) that leaves the request's origin.
pub(crate) fn foreign_link(request: &url::Url, pointer: &str, rel: &str, href: &str) -> Finding {
    let shown = request.join(href).map(|l| origin_text(&l)).unwrap_or_else(|_| href.to_string());
    Finding::new(
        CheckId::LinkOrigin,
        pointer,
        json!(origin_text(request)),
        json!(href),
        format!(
            "a `{rel}` link leads to {shown}, not to {} where the request went: a client that follows it leaves the API (and would take its credentials along)",
            origin_text(request)
        ),
    )
}

/// Every link in `body` that leads away from the origin of `request`: objects with an `href`
/// (named by their `rel`), and strings under the usual link keys (`next`, `self`, ...).
/// Links whose rel or key is in `elsewhere` may go elsewhere (the spec says so: Nova's
/// `alternate` points at the image service).
pub(crate) fn origin_findings<'a, J: Json, N: Node<'a, J>>(request: &url::Url, body: N, elsewhere: &[String]) -> Vec<Finding> {
    let mut out = Vec::new();
    visit(request, body, &mut Vec::new(), elsewhere, &mut out);
    out
}

/// One step of the way down to a value: a member name or an array index.
enum Step<'a> {
    Key(Cow<'a, str>),
    Index(usize),
}

/// The JSON pointer of `steps`, then `last` when given; built only for a finding, since most
/// bodies have none.
fn pointer(steps: &[Step<'_>], last: Option<&str>) -> String {
    let mut at = String::new();
    let escaped = |k: &str| k.replace('~', "~0").replace('/', "~1");
    for step in steps {
        match step {
            Step::Key(k) => at.push_str(&format!("/{}", escaped(k))),
            Step::Index(i) => at.push_str(&format!("/{i}")),
        }
    }
    if let Some(k) = last {
        at.push_str(&format!("/{}", escaped(k)));
    }
    at
}

/// Whether a value is an object or an array, the values links are looked for in.
fn container<'a, J: Json, N: Node<'a, J>>(v: &N) -> bool {
    matches!(v.json_type(), JsonType::Object | JsonType::Array)
}

/// Read through jsonschema's `Json` nodes, so that a body is walked the same way whether it was
/// parsed into a `Value` or onto a tape (`specgate_json::tape`).
fn visit<'a, J: Json, N: Node<'a, J>>(request: &url::Url, v: N, at: &mut Vec<Step<'a>>, elsewhere: &[String], out: &mut Vec<Finding>) {
    if let Some(o) = v.as_object() {
        // The object's own `href` (with its `rel`) comes first, then its members' links.
        let first = out.len();
        let (mut href, mut rel) = (None, None);
        for (k, child) in o.members() {
            let k: Cow<'a, str> = k.into();
            // Most members are neither links nor containers: their values are not read.
            let link = match k.as_ref() {
                "href" => {
                    href = child.as_string();
                    None
                }
                "rel" => {
                    rel = child.as_string();
                    None
                }
                key if is_link_key(key) => child.as_string(),
                _ => None,
            };
            if let Some(link) = link {
                if !elsewhere.iter().any(|e| *e == k) && same_origin(request, &link) == Some(false) {
                    out.push(foreign_link(request, &pointer(at, Some(&k)), &k, &link));
                }
            } else if container(&child) {
                at.push(Step::Key(k));
                visit(request, child, at, elsewhere, out);
                at.pop();
            }
        }
        if let Some(href) = href {
            let rel = rel.unwrap_or(Cow::Borrowed("href"));
            if !elsewhere.iter().any(|e| *e == rel) && same_origin(request, &href) == Some(false) {
                out.insert(first, foreign_link(request, &pointer(at, Some("href")), &rel, &href));
            }
        }
    } else if let Some(a) = v.as_array() {
        for (i, child) in a.elements().enumerate() {
            if container(&child) {
                at.push(Step::Index(i));
                visit(request, child, at, elsewhere, out);
                at.pop();
            }
        }
    }
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

    fn judged(request: &str, links: PageLinks<'_>) -> Vec<String> {
        let request = url::Url::parse(request).unwrap();
        page_link_findings(&request, &pagination(), &links).iter().map(|f| format!("{}: {}", f.check, f.message)).collect()
    }

    #[test]
    fn a_next_link_that_drops_a_filter_on_a_later_page_is_found() {
        let request = "http://h/v2/images?status=active&sort_dir=asc&limit=2&marker=m1";
        let keeps = PageLinks { next: Some("/v2/images?limit=2&status=active&sort_dir=asc&marker=m2"), ..Default::default() };
        assert_eq!(judged(request, keeps), Vec::<String>::new());
        let drops = PageLinks { next: Some("/v2/images?limit=2&marker=m2"), ..Default::default() };
        let found = judged(request, drops);
        assert_eq!(found.len(), 1);
        assert!(found[0].starts_with("pagination.next-link: ") && found[0].ends_with("drops `status=active&sort_dir=asc`"), "{found:?}");
    }

    #[test]
    fn a_repeated_parameter_is_kept_by_one_of_its_values_as_real_glance_does() {
        let request = "http://h/v2/images?tag=a&tag=b&limit=2&marker=m1";
        let glance = PageLinks { next: Some("/v2/images?tag=b&limit=2&marker=m2"), first: Some("/v2/images?tag=b&limit=2"), own: None };
        assert_eq!(judged(request, glance), Vec::<String>::new());
        let lost = PageLinks { next: Some("/v2/images?limit=2&marker=m2"), first: Some("/v2/images?limit=2"), own: None };
        assert_eq!(judged(request, lost).len(), 2);
    }

    #[test]
    fn first_names_the_request_without_its_marker_and_self_the_request() {
        let request = "http://h/v2/images?name=a+b&limit=2&marker=m1";
        let right = PageLinks { first: Some("/v2/images?limit=2&name=a%20b"), own: Some(request), ..Default::default() };
        assert_eq!(judged(request, right), Vec::<String>::new());
        let wrong =
            PageLinks { first: Some("/v2/images?limit=2&name=a%20b&marker=m1"), own: Some("/v2/images?limit=2"), ..Default::default() };
        let found = judged(request, wrong);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found[0].starts_with("link.first: ") && found[1].starts_with("link.self: "), "{found:?}");
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

    fn request() -> url::Url {
        url::Url::parse("http://127.0.0.1:8774/v2.1/p/images/detail?limit=2").unwrap()
    }

    #[test]
    fn a_body_read_from_its_tape_has_the_findings_of_its_value() {
        // Escaped names, an `href` after its siblings' links, `rel` missing, nested arrays.
        let body = br#"{"images": [[{"s\u0065lf": "http://elsewhere:1/a", "next": "/fine",
            "links": [{"rel": "bookmark", "href": "http://127.0.0.1:9/b"}, {"href": "ftp://x/c"}]}]],
            "a/b~c": {"first": "https://127.0.0.1:8774/d", "href": "http://h/e", "rel": "alternate"}}"#;
        let value: Value = serde_json::from_slice(body).unwrap();
        let tape = specgate_json::tape::Tape::parse(body, Some("member")).unwrap();
        let view = tape.view(body).unwrap();
        for (elsewhere, count) in [(vec![], 5), (vec!["alternate".to_string(), "self".to_string()], 3)] {
            let from_value = origin_findings(&request(), &value, &elsewhere);
            assert_eq!(from_value.len(), count, "{from_value:#?}");
            assert_eq!(origin_findings(&request(), view.body(), &elsewhere), from_value);
        }
    }

    #[test]
    fn relative_links_and_links_to_the_same_origin_are_fine() {
        let body = json!({
            "images": [{"self": "/v2/images/a", "links": [{"rel": "self", "href": "http://127.0.0.1:8774/v2.1/p/images/a"}]}],
            "first": "/v2/images?limit=2",
            "next": "?marker=a",
        });
        assert_eq!(origin_findings(&request(), &body, &[]), vec![]);
    }

    #[test]
    fn links_to_another_host_port_or_scheme_are_findings_at_their_pointers() {
        let body = json!({
            "images": [{"links": [
                {"rel": "self", "href": "http://nova-api.internal:8774/v2.1/p/images/a"},
                {"rel": "bookmark", "href": "http://127.0.0.1:9999/p/images/a"},
                {"rel": "alternate", "href": "http://127.0.0.1:9292/images/a"},
            ]}],
            "images_links": [{"rel": "next", "href": "https://127.0.0.1:8774/v2.1/p/images/detail?marker=a"}],
        });
        let f = origin_findings(&request(), &body, &["alternate".to_string()]);
        let got: Vec<(&str, &str)> = f.iter().map(|f| (f.pointer.as_str(), f.actual.as_str().unwrap())).collect();
        assert_eq!(
            got,
            [
                ("/images/0/links/0/href", "http://nova-api.internal:8774/v2.1/p/images/a"),
                ("/images/0/links/1/href", "http://127.0.0.1:9999/p/images/a"),
                ("/images_links/0/href", "https://127.0.0.1:8774/v2.1/p/images/detail?marker=a"),
            ]
        );
        assert!(f.iter().all(|f| f.check == CheckId::LinkOrigin && f.expected == json!("http://127.0.0.1:8774")));
        assert!(
            f[0].message.starts_with("a `self` link leads to http://nova-api.internal:8774, not to http://127.0.0.1:8774"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn an_explicit_default_port_is_the_same_origin_and_a_key_named_in_elsewhere_is_exempt() {
        let req = url::Url::parse("https://ims.example.com/v2/cloudimages").unwrap();
        assert_eq!(same_origin(&req, "https://IMS.example.com:443/v2/images/a"), Some(true));
        let body = json!({"next": "http://ims.example.com/v2/images?marker=a", "first": "https://cdn.example.com/"});
        let f = origin_findings(&req, &body, &["first".to_string()]);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].pointer, "/next");
    }

    #[test]
    fn a_path_from_the_root_is_told_apart_from_one_that_names_another_host() {
        let req = request();
        for (href, same) in [
            ("/v2/images/a", true),
            ("/", true),
            ("/a\\b//c", true),
            ("//evil.example/x", false),
            ("/\\evil.example/x", false),
            ("/\t/evil.example/x", false),
            ("/\n/evil.example/x", false),
            ("/\r\\evil.example/x", false),
        ] {
            assert_eq!(same_origin(&req, href), Some(same), "{href:?}");
            // The shortcut agrees with parsing the link.
            let parsed = req.join(href).unwrap();
            assert_eq!(origin_text(&parsed) == origin_text(&req), same, "{href:?}");
        }
    }

    #[test]
    fn a_string_that_is_not_a_url_is_left_to_other_checks() {
        assert_eq!(same_origin(&request(), "http://[::1"), None);
        assert_eq!(origin_findings(&request(), &json!({"next": "http://[::1"}), &[]), vec![]);
    }
}
