//! `GET /v2/images`: the OpenStack Glance v2 listing, upstream of `/v2/cloudimages`.
//!
//! Parameters Glance does not know are property filters: an IMS property (`__platform=...`)
//! filters by it, anything else matches nothing, as a property no image has would upstream.

use super::glance_fields::{write_checksum, write_dates_tags_links};
use super::json::JsonOut;
use super::params::{self, Params};
use super::properties::{self, Typing};
use super::query;
use super::reply::Rejection;
use super::{Context, Request};
use crate::catalog::image::{Flags, Image, MemberStatus, Status, Visibility};
use crate::catalog::order::{Dir, SortKey};
use crate::catalog::parse_uuid;
use crate::fault::defect::{NextLink, TimeStyle};
use crate::listing::filter::{Filter, TimeField};
use crate::listing::Listing;
use crate::time::{Clock, Cmp};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 1000;

fn bad(message: impl Into<String>) -> Rejection {
    Rejection::new("", message)
}

pub(crate) fn parse(ctx: &Context, params: &Params) -> Result<Listing, Rejection> {
    let reading = &ctx.behaviour.reading;
    let catalog = ctx.catalog;
    let mut filters = Vec::new();
    let mut view = query::view(ctx);
    let (mut limit, mut marker, mut hidden) = (None, None, Some(false));
    let (mut keys, mut dirs, mut sort) = (Vec::new(), Vec::new(), None);
    let mut tags = Vec::new();
    for (param, value) in params.pairs() {
        let (param, value) = (param.as_str(), value.as_str());
        if reading.ignores(param) {
            continue;
        }
        let list = query::in_list(value);
        let values: Vec<&str> = list.as_ref().map_or_else(|| vec![value], |l| l.iter().map(String::as_str).collect());
        let boolean = || query::boolean(value).ok_or_else(|| bad(format!("Invalid value '{value}' for parameter '{param}'")));
        match param {
            "limit" => {
                limit = Some(query::unsigned(value).ok_or_else(|| {
                    bad(if query::is_negative_integer(value) { "limit param must be positive" } else { "limit param must be an integer" })
                })?);
            }
            "marker" => marker = Some(value),
            "sort_key" => keys.push(value),
            "sort_dir" => dirs.push(value),
            "sort" => sort = Some(value),
            "name" => filters.push(query::names(catalog, &values, reading.name_mode)),
            "id" => filters.push(Filter::Id(values.iter().filter_map(|v| parse_uuid(v)).collect())),
            "status" | "container_format" | "disk_format" => filters.extend(query::enum_filter(param, &values)),
            "visibility" => {
                view = view.with_visibility_asked();
                if value != "all" {
                    let v = Visibility::from_wire(value).ok_or_else(|| bad(format!("Invalid visibility value: {value}")))?;
                    filters.push(Filter::Visibility(v.bit()));
                }
            }
            "member_status" => {
                let set = match value {
                    "all" => MemberStatus::ALL.iter().fold(0, |s, m| s | m.bit()),
                    _ => MemberStatus::from_wire(value).ok_or_else(|| bad(format!("Invalid status: {value}")))?.bit(),
                };
                view = query::member_status(view, set, &mut filters);
            }
            "owner" => filters.push(catalog.owner_index(value).map_or(Filter::Nothing, Filter::Owner)),
            "protected" => filters.push(Filter::Flag(Flags::PROTECTED, boolean()?)),
            "os_hidden" => hidden = Some(boolean()?),
            "tag" => tags.push(value),
            "size_min" | "size_max" => {
                let bound = query::unsigned(value).ok_or_else(|| bad(format!("Invalid value for {param}: {value}")))?;
                filters.push(query::size_bound(param, bound, reading));
            }
            // Glance compares these like any column: equality.
            "min_ram" | "min_disk" => {
                let n = query::unsigned(value).ok_or_else(|| bad(format!("Invalid value for {param}: {value}")))?;
                let n = n.min(u32::MAX.into()) as u32;
                filters.push(if param == "min_ram" { Filter::MinRam(Cmp::Eq, n) } else { Filter::MinDisk(Cmp::Eq, n) });
            }
            "created_at" | "updated_at" => {
                let field = if param == "created_at" { TimeField::Created } else { TimeField::Updated };
                let filter = query::op_time(value, field, Clock::Seconds, reading)
                    .ok_or_else(|| bad(format!("Bad \"{param}\" query filter format. Use ISO 8601 DateTime notation.")))?;
                filters.push(filter);
            }
            "changes-since" => return Err(bad("The \"changes-since\" filter is no longer available on v2.")),
            _ => filters.push(query::ims_property(catalog, param, value).unwrap_or(Filter::Nothing)),
        }
    }
    if !tags.is_empty() {
        let known: Vec<&'static str> = tags.iter().filter_map(|t| query::known_tag(t)).collect();
        filters.push(match (reading.tags_any_of, known.len() == tags.len()) {
            (true, _) if !known.is_empty() => Filter::Tags { tags: known, any: true },
            (false, true) => Filter::Tags { tags: known, any: false },
            _ => Filter::Nothing,
        });
    }
    if let (Some(h), false) = (hidden, reading.hidden_listed) {
        filters.push(Filter::Flag(Flags::HIDDEN, h));
    }
    let order = sort_order(&keys, &dirs, sort)?;
    let mut listing = Listing::new(order[0].0, order[0].1, query::page_size(limit, DEFAULT_LIMIT, MAX_LIMIT, reading));
    listing.sort = order;
    listing
        .start_after(catalog, query::viewed(view, filters), reading.paging, marker)
        .map_err(|text| bad(format!("No image found with ID {text}")))
}

fn invalid_key(key: &str) -> Rejection {
    let all: Vec<&str> = SortKey::ALL.iter().map(|k| k.as_str()).collect();
    bad(format!("Invalid sort key: {key}. It should be one of the following: {}.", all.join(", ")))
}

/// `sort_key`/`sort_dir` (repeatable) or `sort=key:dir,...`; keys without a direction are
/// descending, as in Glance.
fn sort_order(keys: &[&str], dirs: &[&str], sort: Option<&str>) -> Result<Vec<(SortKey, Dir)>, Rejection> {
    let dir = |d: &str| Dir::from_wire(d).ok_or_else(|| bad(format!("Invalid sort direction: {d}")));
    if let Some(sort) = sort {
        if !keys.is_empty() || !dirs.is_empty() {
            return Err(bad("Old and new sorting syntax cannot be combined"));
        }
        return sort
            .split(',')
            .map(|item| {
                let (key, d) = item.split_once(':').map_or((item, None), |(k, d)| (k, Some(d)));
                let key = SortKey::from_wire(key.trim()).ok_or_else(|| invalid_key(key))?;
                Ok((key, d.map(|d| dir(d.trim())).transpose()?.unwrap_or(Dir::Desc)))
            })
            .collect();
    }
    if dirs.len() > 1 && dirs.len() != keys.len() {
        return Err(bad("Number of sort dirs does not match the number of sort keys"));
    }
    let dirs: Vec<Dir> = dirs.iter().map(|d| dir(d)).collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Ok(vec![(SortKey::CreatedAt, dirs.first().copied().unwrap_or(Dir::Desc))]);
    }
    keys.iter()
        .enumerate()
        .map(|(i, k)| {
            let key = SortKey::from_wire(k).ok_or_else(|| invalid_key(k))?;
            Ok((key, dirs.get(i).or(dirs.first()).copied().unwrap_or(Dir::Desc)))
        })
        .collect()
}

pub(crate) fn render(ctx: &Context, req: &Request, listing: &Listing, page: &[Image]) -> String {
    let r = &ctx.behaviour.rendering;
    let later = req.params.pairs().iter().any(|(k, _)| k == "marker");
    let style = super::time_style(ctx, TimeStyle::Zulu);
    let mut out = JsonOut::with_capacity(256 + page.len() * 1700);
    out.begin_object();
    out.key(r.wrapper());
    out.begin_array();
    for image in page {
        out.begin_object();
        properties::write(&mut out, ctx.catalog, image, Typing::Strings);
        out.field_str("name", ctx.catalog.name(image));
        out.field_str("disk_format", image.disk_format.as_str());
        out.field_str("container_format", image.container_format.as_str());
        out.field_str("visibility", image.visibility.as_str());
        out.key("size");
        out.opt_uint(image.size());
        out.key("virtual_size");
        out.opt_uint(image.virtual_size());
        if r.keeps_on("status", later) {
            out.field_str("status", image.status.as_str());
        }
        out.key("checksum");
        let data = image.has_data();
        if data {
            out.str_with(|b| write_checksum(b, image));
        } else {
            out.null();
        }
        out.field_bool("protected", image.flags.has(Flags::PROTECTED));
        out.field_uint("min_ram", image.min_ram.into());
        out.field_uint("min_disk", image.min_disk.into());
        out.field_str("owner", ctx.catalog.owner(image));
        out.field_bool("os_hidden", image.flags.has(Flags::HIDDEN));
        out.key("os_hash_algo");
        out.opt_str(data.then_some("sha512"));
        out.key("os_hash_value");
        if data {
            out.str_with(|b| (0..8).for_each(|i| crate::digits::hex16(b, image.salt(100 + i))));
        } else {
            out.null();
        }
        out.key("id");
        if r.null_id {
            out.null();
        } else {
            out.uuid(image.id);
        }
        write_dates_tags_links(&mut out, image, style);
        if image.status == Status::Active {
            out.field_str("stores", "fs");
        }
        out.end_object();
    }
    out.end_array();
    let kept: Vec<(&str, &str)> = req.params.pairs().iter().filter(|(k, _)| k != "marker").map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let in_first: Vec<(&str, &str)> =
        if r.first_keeps_marker { req.params.pairs().iter().map(|(k, v)| (k.as_str(), v.as_str())).collect() } else { kept.clone() };
    let first =
        if in_first.is_empty() { "/v2/images".to_owned() } else { format!("/v2/images?{}", params::encode(in_first.iter().copied())) };
    out.field_str("first", &first);
    out.field_str("schema", "/v2/schemas/images");
    let full = !page.is_empty() && page.len() >= listing.limit;
    if full {
        let last = crate::catalog::format_uuid(page[page.len() - 1].id);
        let next = match r.next_link {
            None => Some(format!("/v2/images?{}", params::encode(kept.iter().copied().chain([("marker", last.as_str())])))),
            Some(NextLink::DropsParams) => Some(format!("/v2/images?{}", params::encode([("marker", last.as_str())]))),
            Some(NextLink::DropsFilters) => {
                let paging = kept.iter().copied().filter(|(k, _)| matches!(*k, "limit" | "sort" | "sort_key" | "sort_dir"));
                Some(format!("/v2/images?{}", params::encode(paging.chain([("marker", last.as_str())]))))
            }
            Some(NextLink::LoopsToFirst) => Some(first.clone()),
            Some(NextLink::Missing) => None,
        };
        if let Some(next) = next {
            out.field_str("next", &next);
        }
    }
    out.end_object();
    out.finish()
}

#[cfg(test)]
mod tests {
    use super::super::family::Api;
    use super::super::testing::Fixture;
    use serde_json::Value;

    fn images(v: &Value) -> Vec<Value> {
        v["images"].as_array().unwrap().clone()
    }

    #[test]
    fn links_match_the_captured_glance_responses() {
        let f = Fixture::new(Api::GlanceV2, &[]);
        let v = f.json(Api::GlanceV2, "created_at=gt%3A2018-01-01T00%3A00%3A00Z&limit=2");
        assert_eq!(v["first"], "/v2/images?created_at=gt%3A2018-01-01T00%3A00%3A00Z&limit=2");
        assert_eq!(v["schema"], "/v2/schemas/images");
        let last = images(&v)[1]["id"].as_str().unwrap().to_owned();
        assert_eq!(v["next"], format!("/v2/images?created_at=gt%3A2018-01-01T00%3A00%3A00Z&limit=2&marker={last}"));
        let all = f.json(Api::GlanceV2, "limit=1000");
        assert_eq!(all["first"], "/v2/images?limit=1000");
        assert!(all.get("next").is_none(), "page not full");
        assert_eq!(f.json(Api::GlanceV2, "")["first"], "/v2/images");
    }

    #[test]
    fn following_next_visits_every_listed_image_once() {
        let f = Fixture::new(Api::GlanceV2, &[]);
        let mut url = "/v2/images?sort_key=name&sort_dir=asc&limit=7".to_owned();
        let mut seen = Vec::new();
        loop {
            let v = f.json(Api::GlanceV2, url.split_once('?').unwrap().1);
            seen.extend(images(&v).iter().map(|i| i["id"].as_str().unwrap().to_owned()));
            match v.get("next") {
                Some(next) => url = next.as_str().unwrap().to_owned(),
                None => break,
            }
        }
        let visible = images(&f.json(Api::GlanceV2, "limit=1000")).len();
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!((seen.len(), unique.len()), (visible, visible));
    }

    #[test]
    fn filters_and_hidden_default() {
        let f = Fixture::new(Api::GlanceV2, &[]);
        let visible = images(&f.json(Api::GlanceV2, "limit=1000"));
        assert!(visible.iter().all(|i| i["os_hidden"] == false));
        let hidden = images(&f.json(Api::GlanceV2, "limit=1000&os_hidden=true"));
        assert!(!hidden.is_empty() && hidden.iter().all(|i| i["os_hidden"] == true));
        let both = images(&f.json(Api::GlanceV2, "limit=1000&tag=env=prod&tag=team=web"));
        assert!(!both.is_empty());
        for i in &both {
            let tags: Vec<&str> = i["tags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
            assert!(tags.contains(&"env=prod") && tags.contains(&"team=web"));
        }
        let ids: Vec<String> = visible[..2].iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
        let by_id = images(&f.json(Api::GlanceV2, &format!("id=in:{},{}", ids[0], ids[1])));
        assert_eq!(by_id.len(), 2);
        let community = images(&f.json(Api::GlanceV2, "visibility=community&limit=1000"));
        assert!(!community.is_empty() && community.iter().all(|i| i["visibility"] == "community"));
        let platform = images(&f.json(Api::GlanceV2, "__platform=Debian&limit=1000"));
        assert!(!platform.is_empty() && platform.iter().all(|i| i["__platform"] == "Debian"));
        assert!(images(&f.json(Api::GlanceV2, "no_such_property=x")).is_empty());
        let sized = images(&f.json(Api::GlanceV2, "size_min=1000000000&size_max=2000000000&limit=1000"));
        assert!(sized.iter().all(|i| (1_000_000_000..=2_000_000_000).contains(&i["size"].as_u64().unwrap())));
    }

    #[test]
    fn multi_key_sort() {
        let f = Fixture::new(Api::GlanceV2, &[]);
        let list = images(&f.json(Api::GlanceV2, "sort=status:asc,name:desc&limit=1000"));
        for w in list.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            assert!(a["status"].as_str() <= b["status"].as_str());
            if a["status"] == b["status"] {
                assert!(a["name"].as_str() >= b["name"].as_str());
            }
        }
        assert_eq!(
            f.json(Api::GlanceV2, "sort_key=name&sort_dir=asc&limit=30")["images"],
            f.json(Api::GlanceV2, "sort=name:asc&limit=30")["images"]
        );
    }

    #[test]
    fn errors_html_by_default_json_on_request() {
        let f = Fixture::new(Api::GlanceV2, &[]);
        for q in [
            "limit=abc",
            "limit=-1",
            "marker=nope",
            "sort_key=owner",
            "sort_dir=up",
            "visibility=everyone",
            "created_at=gt:yesterday",
            "changes-since=2018-01-01T00:00:00Z",
            "sort=name&sort_key=id",
            "os_hidden=perhaps",
        ] {
            let html = f.call(Api::GlanceV2, q);
            assert_eq!(html.status, 400, "{q}");
            assert!(html.body.starts_with("<html>"), "{q}");
            let json = f.call_with(Api::GlanceV2, q, true, None);
            let v: Value = serde_json::from_str(&json.body).unwrap();
            assert_eq!(v["title"], "Bad Request", "{q}");
        }
        let v: Value = serde_json::from_str(&f.call_with(Api::GlanceV2, "marker=nope", true, None).body).unwrap();
        assert_eq!(v["message"], "No image found with ID nope<br /><br />\n\n\n");
    }
}
