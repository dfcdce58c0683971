//! Links that lead away from the API: the reference server's `nova.links-foreign-host` fault
//! writes self, bookmark and next links with an internal host name. The item links fail the
//! response cases, and the walk that follows next links stops at the first one instead of
//! taking the run's credentials to that host.

mod common;

use common::{report_dir, results, specgate, text};
use serde_json::Value;

fn case<'a>(run: &'a Value, id: &str) -> &'a Value {
    run["cases"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("no case {id}"))
}

fn checks(case: &Value) -> Vec<&str> {
    case["findings"].as_array().map(|f| f.iter().filter_map(|f| f["check"].as_str()).collect()).unwrap_or_default()
}

#[test]
fn links_to_another_host_fail_the_cases_and_the_walk_does_not_follow_them() {
    let spec = "specs/ims/nova-images-detail.yaml";
    let dir = report_dir("links-foreign-host");
    let out = specgate(&["run", spec, "--fault", "nova.links-foreign-host", "--report-dir", dir.to_str().unwrap()]);
    let run = results(&dir);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));

    // One grouped finding: every item's self and bookmark link; the alternate link (the
    // third) may lead elsewhere, the spec says so.
    let list = case(&run, &format!("{spec}::list-detail"));
    assert_eq!(list["outcome"], "fail");
    assert_eq!(checks(list), ["link.origin"], "{list:#?}");
    let finding = &list["findings"][0];
    assert!(finding["actual"].as_str().unwrap().starts_with("http://nova-api.internal:8774/"));
    assert!(finding["expected"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    let places: Vec<&str> = finding["instances"].as_array().unwrap().iter().map(|i| i["pointer"].as_str().unwrap()).collect();
    assert_eq!(places[..2], ["/images/0/links/0/href", "/images/0/links/1/href"]);
    assert_eq!(places.len() % 2, 0, "two links per item");
    assert!(places.iter().all(|p| !p.ends_with("/links/2/href")), "the alternate link is exempt");

    // The walk stops at the first foreign next link: no request ever goes to the other host.
    let walk = case(&run, &format!("{spec}::pagination.next-link"));
    assert_eq!(walk["outcome"], "fail");
    // The walk's own finding first, then the links of the pages it saw (every page is checked).
    let found = checks(walk);
    assert!(!found.is_empty() && found.iter().all(|c| *c == "link.origin"), "{walk:#?}");
    assert_eq!(walk["findings"][0]["pointer"], "/images_links");
    let urls: Vec<&str> = walk["exchanges"].as_array().unwrap().iter().filter_map(|e| e["url"].as_str()).collect();
    assert!(!urls.is_empty() && urls.iter().all(|u| u.starts_with("http://127.0.0.1:")), "{urls:#?}");
}

#[test]
fn the_clean_server_keeps_every_link_on_its_origin() {
    let spec = "specs/ims/nova-images-detail.yaml";
    let dir = report_dir("links-clean");
    let out = specgate(&["run", spec, "--report-dir", dir.to_str().unwrap()]);
    let run = results(&dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    for id in ["list-detail", "limit-large-accepted", "pagination.next-link"] {
        assert_eq!(case(&run, &format!("{spec}::{id}"))["outcome"], "pass", "{id}");
    }
    let origin = run["cases"].as_array().unwrap().iter().filter(|c| checks(c).contains(&"link.origin")).count();
    assert_eq!(origin, 0);
}
