//! `GET /v2.1/{project_id}/images/detail`: the Nova images proxy.
//!
//! Without `limit` Nova lists everything Glance returns; here that is capped at Nova's
//! `max_limit` (1000) with a next link, so a million-image catalogue cannot produce a
//! gigabyte-sized page. Images are ordered as Glance's default: created_at desc, then id desc.

use super::json::JsonOut;
use super::params;
use super::properties::{self, Typing};
use super::query;
use super::reply::Rejection;
use super::{Context, Request};
use crate::catalog::image::{Flags, Image, Status};
use crate::catalog::order::{Dir, SortKey};
use crate::catalog::write_uuid;
use crate::fault::defect::{NextLink, TimeStyle};
use crate::listing::filter::{Filter, TimeField};
use crate::listing::view::{View, Viewer};
use crate::listing::Listing;
use crate::time::{Clock, Cmp};

const MAX_LIMIT: usize = 1000;

fn invalid_query(param: &str, value: &str, why: &str) -> Rejection {
    Rejection::new("", format!("Invalid input for query parameters {param}. Value: {value}. {why}"))
}

pub(crate) fn parse(ctx: &Context, req: &Request) -> Result<Listing, Rejection> {
    let project = req.project.unwrap_or_default();
    let reading = &ctx.behaviour.reading;
    let mut view = query::view(ctx);
    // A proxy that trusts the path lists the path's project for any token.
    let trusted = match ctx.viewer {
        Viewer::Project(_) if reading.path_project_trusted => ctx.catalog.owner_index(project),
        _ => None,
    };
    if let Some(owner) = trusted {
        view = View::of(Viewer::Project(owner)).leaking(reading.leaks);
    } else if project != ctx.project_id {
        return Err(Rejection::new(
            "",
            format!("Malformed request URL: URL's project_id '{project}' doesn't match Context's project_id '{}'", ctx.project_id),
        ));
    }
    // Glance never hands deleted images to Nova, so `status=deleted` (which the doc calls
    // unsupported) finds nothing.
    let listed = Status::ALL.iter().filter(|s| **s != Status::Deleted).fold(0, |set, s| set | s.bit());
    // Nova lists what Glance's default listing holds: no hidden images (`os_hidden`).
    let (mut filters, mut limit, mut marker) = (vec![Filter::Status(listed), Filter::Flag(Flags::HIDDEN, false)], None, None);
    if reading.hides_one_image {
        if let Some(first) = ctx.catalog.images.first() {
            filters.push(Filter::NotId(first.id));
        }
    }
    for (param, value) in req.params.pairs() {
        let (param, value) = (param.as_str(), value.as_str());
        if reading.ignores(param) {
            continue;
        }
        let integer = || query::unsigned(value).ok_or_else(|| invalid_query(param, value, &format!("'{value}' is not an integer")));
        match param {
            "limit" => {
                let n =
                    query::unsigned(value).ok_or_else(|| invalid_query(param, value, &format!("'{value}' does not match '^[0-9]*$'")))?;
                if n == 0 {
                    return Err(invalid_query(param, value, "0 is less than the minimum of 1"));
                }
                limit = Some(n);
            }
            "marker" => marker = Some(value),
            "name" => filters.push(query::names(ctx.catalog, &[value], reading.name_mode)),
            // Nova lower-cases the status and hands it to Glance: `SAVING` matches `saving`
            // only, although `queued` images are shown as SAVING too.
            "status" if reading.active_includes_queued && value.eq_ignore_ascii_case("active") => {
                filters.push(Filter::Status(Status::Active.bit() | Status::Queued.bit()))
            }
            "status" => filters.extend(query::enum_filter("status", &[value.to_ascii_lowercase().as_str()])),
            "changes-since" => {
                let at = query::filter_time(value, reading)
                    .ok_or_else(|| invalid_query(param, value, &format!("'{value}' is not a 'date-time'")))?;
                filters.push(Filter::Time { field: TimeField::Updated, cmp: Cmp::Gte, at, clock: Clock::Seconds });
            }
            "minRam" => {
                let cmp = if reading.min_ram_at_most { Cmp::Lte } else { Cmp::Gte };
                let bound = integer()?.min(u32::MAX.into()) as u32;
                filters.push(if reading.min_ram_as_text { Filter::MinRamText(cmp, bound) } else { Filter::MinRam(cmp, bound) });
            }
            "minDisk" => filters.push(Filter::MinDisk(Cmp::Gte, integer()?.min(u32::MAX.into()) as u32)),
            _ => {}
        }
    }
    Listing::new(SortKey::CreatedAt, Dir::Desc, query::page_size(limit, MAX_LIMIT, MAX_LIMIT, reading))
        .start_after(ctx.catalog, query::viewed(view, filters), reading.paging, marker)
        .map_err(|text| Rejection::new("", format!("HTTP 400 Bad Request: No image found with ID {text}")))
}

/// Nova's status mapping of Glance statuses.
fn nova_status(status: Status, queued_shown_active: bool) -> &'static str {
    match status {
        Status::Queued if queued_shown_active => "ACTIVE",
        Status::Queued | Status::Saving => "SAVING",
        Status::Active => "ACTIVE",
        Status::Deleted => "DELETED",
        Status::Killed => "ERROR",
    }
}

fn progress(status: Status) -> u64 {
    match status {
        Status::Queued => 25,
        Status::Saving => 50,
        Status::Active => 100,
        Status::Deleted | Status::Killed => 0,
    }
}

pub(crate) fn render(ctx: &Context, req: &Request, listing: &Listing, page: &[Image]) -> String {
    let r = &ctx.behaviour.rendering;
    let style = super::time_style(ctx, TimeStyle::Zulu);
    let (base, project) = (r.link_base.unwrap_or(ctx.base_url), ctx.project_id);
    let mut out = JsonOut::with_capacity(256 + page.len() * 1500);
    out.begin_object();
    out.key(r.wrapper());
    out.begin_array();
    for image in page {
        out.begin_object();
        out.key("id");
        out.uuid(image.id);
        out.field_str("name", ctx.catalog.name(image));
        out.field_uint("minRam", image.min_ram.into());
        out.field_uint("minDisk", image.min_disk.into());
        out.key("metadata");
        out.begin_object();
        properties::write(&mut out, ctx.catalog, image, Typing::Strings);
        out.end_object();
        out.key("created");
        out.time(image.created, style);
        out.key("updated");
        out.time(image.updated, style);
        if r.keeps("status") {
            out.field_str("status", nova_status(image.status, r.queued_shown_active));
        }
        let done = r.progress_always_100 || (r.queued_progress_done && image.status == Status::Queued);
        out.field_uint("progress", if done { 100 } else { progress(image.status) });
        // Nova shows 0 for images without a size ("a snapshot image may not have the size set").
        let size = image.size().unwrap_or(0);
        const MIB: u64 = 1 << 20;
        out.field_uint("OS-EXT-IMG-SIZE:size", if r.size_in_mib { (size + MIB / 2) / MIB } else { size });
        out.key("links");
        out.begin_array();
        for (rel, prefix) in [("self", "/v2.1/"), ("bookmark", "/")] {
            out.begin_object();
            out.field_str("rel", rel);
            out.key("href");
            out.str_with(|b| {
                b.push_str(base);
                b.push_str(prefix);
                b.push_str(project);
                b.push_str("/images/");
                write_uuid(b, image.id);
            });
            out.end_object();
        }
        out.begin_object();
        out.field_str("rel", "alternate");
        out.field_str("type", "application/vnd.openstack.image");
        out.key("href");
        out.str_with(|b| {
            b.push_str(base);
            b.push_str("/images/");
            write_uuid(b, image.id);
        });
        out.end_object();
        out.end_array();
        out.end_object();
    }
    out.end_array();
    let full = !page.is_empty() && page.len() >= listing.limit;
    if full && r.next_link != Some(NextLink::Missing) {
        let last = crate::catalog::format_uuid(page[page.len() - 1].id);
        out.key("images_links");
        out.begin_array();
        out.begin_object();
        out.field_str("rel", "next");
        out.field_str("href", &next_href(ctx, req, &last));
        out.end_object();
        out.end_array();
    }
    out.end_object();
    out.finish()
}

/// Nova's next link: the request's parameters sorted by name, `marker` replaced or appended.
fn next_href(ctx: &Context, req: &Request, marker: &str) -> String {
    let mut pairs: Vec<(&str, &str)> = Vec::new();
    // Python's dict(sorted(params.items())): one value per key, the last one wins.
    let mut sorted: Vec<(&str, &str)> = req.params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    for (k, v) in sorted {
        match pairs.last_mut() {
            Some(last) if last.0 == k => last.1 = v,
            _ => pairs.push((k, v)),
        }
    }
    let query = match ctx.behaviour.rendering.next_link {
        Some(NextLink::DropsParams) => params::encode([("marker", marker)]),
        Some(NextLink::LoopsToFirst) => params::encode(pairs.into_iter().filter(|(k, _)| *k != "marker")),
        _ => {
            match pairs.iter_mut().find(|(k, _)| *k == "marker") {
                Some(existing) => existing.1 = marker,
                None => pairs.push(("marker", marker)),
            }
            params::encode(pairs)
        }
    };
    let base = ctx.behaviour.rendering.link_base.unwrap_or(ctx.base_url);
    format!("{base}/v2.1/{}/images/detail?{query}", ctx.project_id)
}

#[cfg(test)]
mod tests {
    use super::super::family::Api;
    use super::super::testing::Fixture;
    use serde_json::Value;

    #[test]
    fn shape_matches_the_captured_nova_response() {
        let f = Fixture::new(Api::Nova, &[]);
        let v = f.json(Api::Nova, "limit=2");
        let images = v["images"].as_array().unwrap();
        assert_eq!(images.len(), 2);
        let image = &images[0];
        for key in
            ["id", "name", "minRam", "minDisk", "metadata", "created", "updated", "status", "progress", "OS-EXT-IMG-SIZE:size", "links"]
        {
            assert!(image.get(key).is_some(), "{key}");
        }
        let created = image["created"].as_str().unwrap();
        assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
        let links = image["links"].as_array().unwrap();
        assert_eq!(links.iter().map(|l| l["rel"].as_str().unwrap()).collect::<Vec<_>>(), ["self", "bookmark", "alternate"]);
        assert_eq!(links[2]["type"], "application/vnd.openstack.image");
        let next = v["images_links"][0]["href"].as_str().unwrap();
        assert_eq!(v["images_links"][0]["rel"], "next");
        let last = images[1]["id"].as_str().unwrap();
        assert!(next.ends_with(&format!("/images/detail?limit=2&marker={last}")), "{next}");
    }

    #[test]
    fn no_next_link_when_page_is_not_full_and_default_lists_all() {
        let f = Fixture::new(Api::Nova, &[]);
        let v = f.json(Api::Nova, "");
        // Nova lists Glance's default listing: neither deleted nor hidden images.
        let hidden = crate::catalog::image::Flags::HIDDEN;
        let listed = f.catalog.images.iter().filter(|i| i.status != crate::catalog::image::Status::Deleted && !i.flags.has(hidden)).count();
        assert_eq!(v["images"].as_array().unwrap().len(), listed);
        assert!(v.get("images_links").is_none());
        assert!(f.json(Api::Nova, "status=deleted")["images"].as_array().unwrap().is_empty());
    }

    #[test]
    fn status_mapping_and_filters() {
        let f = Fixture::new(Api::Nova, &[]);
        let v = f.json(Api::Nova, "");
        for image in v["images"].as_array().unwrap() {
            let expected_progress = match image["status"].as_str().unwrap() {
                "ACTIVE" => 100,
                "SAVING" => image["progress"].as_u64().filter(|p| *p == 25 || *p == 50).unwrap(),
                "DELETED" | "ERROR" => 0,
                other => panic!("unexpected status {other}"),
            };
            assert_eq!(image["progress"], expected_progress);
        }
        // SAVING matches Glance `saving` only (progress 50), never the queued ones.
        let saving = f.json(Api::Nova, "status=SAVING");
        let saving = saving["images"].as_array().unwrap();
        assert!(!saving.is_empty());
        assert!(saving.iter().all(|i| i["progress"] == 50));
        let min_ram = f.json(Api::Nova, "minRam=2048");
        assert!(min_ram["images"].as_array().unwrap().iter().all(|i| i["minRam"].as_u64().unwrap() >= 2048));
        let since = f.json(Api::Nova, "changes-since=2019-01-01T00:00:00Z");
        let since = since["images"].as_array().unwrap();
        assert!(!since.is_empty());
        assert!(since.iter().all(|i| i["updated"].as_str().unwrap() >= "2019-01-01T00:00:00Z"));
    }

    #[test]
    fn errors_are_bad_request_objects() {
        let f = Fixture::new(Api::Nova, &[]);
        for (q, needle) in [
            ("limit=0", "0 is less than the minimum of 1"),
            ("limit=abc", "does not match '^[0-9]*$'"),
            ("limit=-1", "does not match"),
            ("marker=nope", "No image found with ID nope"),
        ] {
            let reply = f.call(Api::Nova, q);
            assert_eq!(reply.status, 400);
            let v: Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(v["badRequest"]["code"], 400);
            assert!(v["badRequest"]["message"].as_str().unwrap().contains(needle), "{q}: {v}");
        }
        let wrong_project = f.call_with(Api::Nova, "", false, Some("not-hex"));
        assert_eq!(wrong_project.status, 400);
        assert!(wrong_project.body.contains("Malformed request URL"));
    }
}
