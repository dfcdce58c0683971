//! `derive` and `lint-docs` on other vendors' API reference pages of the same image-listing
//! APIs (tests/fixtures/vendors, sources in its README): os-api-ref (Glance, Nova),
//! reStructuredText grid tables (Open Telekom Cloud IMS, Rackspace) and HTML as served.
//! Each page's documented names are counted by scripts/vendor-names.py with other parsers
//! (docutils, PyYAML, html.parser), so the ratio below is not derive grading itself.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{specgate, text};
use specgate::derive::{derive, page_vs_page, read_page, yaml};
use specgate::lint;

fn vendors() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/vendors")
}

/// Page (relative to the fixtures) → the names it documents, in page order.
fn documented() -> BTreeMap<String, Vec<String>> {
    let text = std::fs::read_to_string(vendors().join("documented-names.tsv")).unwrap();
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.is_empty()) {
        let (page, name) = line.split_once('\t').unwrap();
        out.entry(page.to_string()).or_default().push(name.to_string());
    }
    out
}

/// The last segment of a skeleton name: `links[].href` → `href`.
fn leaf(name: &str) -> &str {
    name.rsplit(['.', ']']).next().unwrap_or(name)
}

#[test]
fn the_fixtures_cover_every_format_the_readers_read() {
    let pages = documented();
    assert_eq!(pages.len(), 6, "{:?}", pages.keys());
    let formats: Vec<String> = pages.keys().map(|p| format!("{:?}", read_page(&vendors().join(p)).unwrap().format)).collect();
    for f in ["OsApiRef", "Rst", "Html"] {
        assert!(formats.iter().any(|x| x == f), "no {f} page: {formats:?}");
    }
}

/// At least 95% of what each page documents (parameters and response fields, counted as
/// rows: a name documented twice counts twice) is named by its skeleton.
#[test]
fn derive_names_at_least_95_percent_of_each_vendor_page() {
    let mut report = Vec::new();
    let mut short = Vec::new();
    for (page, wanted) in documented() {
        let skeleton = derive(&read_page(&vendors().join(&page)).unwrap_or_else(|e| panic!("{page}: {e}")));
        let mut have: BTreeMap<String, usize> = BTreeMap::new();
        for n in skeleton.names() {
            *have.entry(leaf(&n).to_string()).or_default() += 1;
        }
        let mut missing = Vec::new();
        for w in &wanted {
            match have.get_mut(w.as_str()) {
                Some(n) if *n > 0 => *n -= 1,
                _ => missing.push(w.clone()),
            }
        }
        let named = wanted.len() - missing.len();
        report.push(format!("{page}: {named}/{}", wanted.len()));
        if named * 100 < wanted.len() * 95 {
            short.push(format!("{page}: {named}/{} named; missing {missing:?}", wanted.len()));
        }
    }
    assert!(short.is_empty(), "{short:#?}");
    insta::assert_snapshot!("derive_vendor_name_ratios", report.join("\n"));
}

#[test]
fn every_vendor_skeleton_loads_as_it_is() {
    for page in documented().keys() {
        let text = yaml::render(&derive(&read_page(&vendors().join(page)).unwrap()), None);
        let at = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/derived.yaml");
        if let Err(errs) = specgate::spec::load::load_str(&at, &text) {
            panic!("{page}:\n{}\n{}", errs.iter().map(|e| e.render()).collect::<String>(), text);
        }
    }
}

/// What users see: the skeleton of every vendor page.
#[test]
fn golden_vendor_skeletons() {
    for page in documented().keys() {
        let name = Path::new(page).file_stem().unwrap().to_string_lossy().replace('.', "_");
        insta::assert_snapshot!(format!("derive_vendor_{name}"), yaml::render(&derive(&read_page(&vendors().join(page)).unwrap()), None));
    }
}

/// An os-api-ref page whose parameters file lacks a key, or whose sample is missing: one
/// located error each, at the page's line.
#[test]
fn golden_os_api_ref_errors() {
    let dir = std::env::temp_dir().join(format!("specgate-osapiref-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("parameters.yaml"), "limit:\n  description: Page size.\n  in: query\n  required: false\n  type: integer\n")
        .unwrap();
    let head =
        "List things\n===========\n\n.. rest_method:: GET /v2/things\n\nRequest\n-------\n\n.. rest_parameters:: parameters.yaml\n\n";
    let cases = [
        ("unknown_key", format!("{head}   - limit: limit\n   - marker: limt\n")),
        (
            "missing_sample",
            format!("{head}   - limit: limit\n\nResponse Example\n----------------\n\n.. literalinclude:: samples/things.json\n"),
        ),
    ];
    for (name, text) in cases {
        let page = dir.join(format!("{name}.inc"));
        std::fs::write(&page, text).unwrap();
        let err = read_page(&page).unwrap_err().to_string().replace(&dir.display().to_string(), "DIR");
        insta::assert_snapshot!(format!("derive_os_api_ref_{name}"), err);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Two vendors' pages of one API, compared element by element: Open Telekom Cloud's native
/// OpenStack page against Glance's own, both `GET /v2/images`.
#[test]
fn golden_cross_vendor_check_otc_against_glance() {
    let left = derive(&read_page(&vendors().join("otc-rst/querying_images_native_openstack_api.rst")).unwrap());
    let right = derive(&read_page(&vendors().join("glance/api-ref/source/v2/images-images-v2.inc")).unwrap());
    let c = page_vs_page::compare(&left, &right);
    insta::assert_snapshot!("check_vendor_otc_vs_glance", page_vs_page::text(&c));
    // Both sides cited wherever both pages document the element.
    let status = c.differences.iter().find(|d| d.name == "status" && d.aspect == page_vs_page::Aspect::Type).unwrap();
    let (l, r) = (status.left.as_ref().unwrap(), status.right.as_ref().unwrap());
    assert!(l.at.contains("querying_images_native_openstack_api.rst") && r.at.contains("images-images-v2.inc"), "{status:?}");
    assert_eq!((l.value.as_str(), r.value.as_str()), ("string", "integer"));
}

#[test]
fn derive_check_with_a_page_exits_1_on_differences_and_0_on_the_same_page() {
    let glance = "tests/fixtures/vendors/glance/api-ref/source/v2/images-images-v2.inc";
    let nova = "tests/fixtures/vendors/nova/api-ref/source/images.inc";
    let out = specgate(&["derive", "--check", nova, glance]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(text(&out.stdout).starts_with("--- images.inc (page)\n+++ images-images-v2.inc (page)\n"), "{}", text(&out.stdout));
    let out = specgate(&["derive", "--check", glance, glance, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!((out.status.code(), &v["differences"]), (Some(0), &serde_json::json!([])), "{v:#}");
}

/// lint-docs reads every new format: what it finds on each vendor page, cited by file and line.
#[test]
fn golden_lint_docs_on_vendor_pages() {
    let pages: Vec<_> = documented().keys().map(|p| read_page(&vendors().join(p)).unwrap()).collect();
    let found = lint::lint(&pages);
    let lines: Vec<String> = found
        .defects
        .iter()
        .map(|d| format!("{:?} {}:{} {} — {}", d.kind, d.at.file, d.at.line, d.at.row.as_deref().unwrap_or(""), d.message))
        .collect();
    insta::assert_snapshot!("lint_vendor_pages", lines.join("\n"));
}

/// A page in a layout no reader understands, or an RST or HTML page that is no API
/// reference, gets one located error.
#[test]
fn pages_no_reader_understands_get_one_located_error() {
    let dir = std::env::temp_dir().join(format!("specgate-layouts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        ("notes.rst", "Release notes\n=============\n\nNothing here.\n"),
        ("notes.html", "<h1>Release notes</h1>\n<p>Nothing here.</p>\n"),
        ("notes.adoc", "= Release notes\n\nGET /v2/images is listed here, without a parameter table.\n"),
    ];
    for (name, text) in cases {
        let page = dir.join(name);
        std::fs::write(&page, text).unwrap();
        let err = read_page(&page).unwrap_err().to_string();
        assert_eq!(err.matches("error:").count(), 1, "{name}: {err}");
        assert!(err.contains(&format!("{name}:1:1")) && err.contains("not an API reference page"), "{name}: {err}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
