//! `GET /v1.1/images/detail`: the Glance v1 listing.
//!
//! Errors follow Glance's webob pages (HTML unless `Accept: application/json`), like Glance v2:
//! the v1 doc documents no error body, and this is what its upstream sent.

use super::json::JsonOut;
use super::params::Params;
use super::properties::{self, Typing};
use super::query;
use super::reply::Rejection;
use super::Context;
use crate::catalog::image::{Flags, Image, Visibility};
use crate::catalog::order::{Dir, SortKey};
use crate::fault::defect::TimeStyle;
use crate::listing::filter::{Filter, TimeField};
use crate::listing::Listing;
use crate::time::{self, Clock, Cmp};

const DEFAULT_LIMIT: usize = 25;
const MAX_LIMIT: usize = 1000;

pub(crate) fn parse(ctx: &Context, params: &Params) -> Result<Listing, Rejection> {
    let reading = &ctx.behaviour.reading;
    let (mut filters, mut key, mut dir, mut limit, mut marker) = (Vec::new(), SortKey::CreatedAt, Dir::Desc, None, None);
    for (param, value) in params.pairs() {
        let (param, value) = (param.as_str(), value.as_str());
        if reading.ignores(param) {
            continue;
        }
        match param {
            "limit" => {
                limit = Some(query::unsigned(value).ok_or_else(|| {
                    let why = if query::is_negative_integer(value) { "positive" } else { "an integer" };
                    Rejection::new("", format!("limit param must be {why}"))
                })?);
            }
            "marker" => marker = Some(value),
            "sort_key" => {
                key = SortKey::from_wire(value)
                    .ok_or_else(|| Rejection::new("", format!("Unsupported sort_key. Acceptable values: {}", sort_keys())))?;
            }
            "sort_dir" => {
                dir = Dir::from_wire(value).ok_or_else(|| Rejection::new("", "Unsupported sort_dir. Acceptable values: asc, desc"))?;
            }
            "name" => filters.push(query::names(ctx.catalog, &[value], reading.name_mode)),
            "status" | "container_format" | "disk_format" => filters.extend(query::enum_filter(param, &[value])),
            "size_min" | "size_max" => {
                let bound = query::unsigned(value).ok_or_else(|| Rejection::new("", format!("Invalid {param} filter value: '{value}'")))?;
                filters.push(query::size_bound(param, bound, reading));
            }
            "changes-since" => {
                let at = time::parse(value).ok_or_else(|| Rejection::new("", format!("Unrecognized changes-since value: '{value}'")))?;
                // A server on local time compares the value with its local timestamps.
                let at = at - i64::from(reading.zone_offset) * 1_000_000;
                let field = if reading.changes_since_on_created { TimeField::Created } else { TimeField::Updated };
                filters.push(Filter::Time { field, cmp: Cmp::Gt, at, clock: Clock::V1 });
            }
            _ => {}
        }
    }
    if reading.sort_key_ignored {
        key = SortKey::CreatedAt;
    }
    Listing::new(key, dir, query::page_size(limit, DEFAULT_LIMIT, MAX_LIMIT, reading))
        .start_after(ctx.catalog, query::viewed(query::view(ctx), filters), reading.paging, marker)
        .map_err(|text| Rejection::new("", format!("No image found with ID {text}")))
}

fn sort_keys() -> String {
    SortKey::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(", ")
}

pub(crate) fn render(ctx: &Context, page: &[Image]) -> String {
    let r = &ctx.behaviour.rendering;
    let style = super::time_style(ctx, TimeStyle::Micros);
    let mut out = JsonOut::with_capacity(64 + page.len() * 1500);
    out.begin_object();
    out.key(r.wrapper());
    out.begin_array();
    for image in page {
        out.begin_object();
        out.key("id");
        out.uuid(image.id);
        out.field_str("name", ctx.catalog.name(image));
        if r.keeps("status") {
            out.field_str("status", image.status.as_str());
        }
        out.field_str("container_format", image.container_format.as_str());
        out.field_str("disk_format", image.disk_format.as_str());
        out.key("size");
        out.opt_uint(image.size());
        out.key("virtual_size");
        out.opt_uint(image.virtual_size());
        out.key("checksum");
        if image.has_data() {
            out.str_with(|b| super::glance_fields::write_checksum(b, image));
        } else {
            out.null();
        }
        out.field_uint("min_ram", image.min_ram.into());
        out.field_uint("min_disk", image.min_disk.into());
        let public = image.visibility == Visibility::Public;
        out.key("is_public");
        if r.is_public_string {
            out.str(if public { "true" } else { "false" });
        } else {
            out.bool(public);
        }
        out.field_bool("protected", image.flags.has(Flags::PROTECTED));
        if r.keeps("deleted") {
            out.field_bool("deleted", image.deleted());
        }
        out.field_str("owner", ctx.catalog.owner(image));
        out.key("created_at");
        out.time(image.created + r.zone_offset, style);
        out.key("updated_at");
        out.time(image.updated + r.zone_offset, style);
        out.key("deleted_at");
        if image.deleted() {
            out.time(image.updated + r.zone_offset, style);
        } else {
            out.null();
        }
        out.key("properties");
        out.begin_object();
        properties::write(&mut out, ctx.catalog, image, Typing::Strings);
        out.end_object();
        out.end_object();
    }
    out.end_array();
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
    fn default_page_and_field_set() {
        let f = Fixture::new(Api::GlanceV1, &[]);
        let list = images(&f.json(Api::GlanceV1, ""));
        assert_eq!(list.len(), 25);
        let keys = [
            "status",
            "virtual_size",
            "name",
            "deleted",
            "container_format",
            "created_at",
            "disk_format",
            "updated_at",
            "properties",
            "owner",
            "protected",
            "min_ram",
            "checksum",
            "min_disk",
            "is_public",
            "deleted_at",
            "id",
            "size",
        ];
        for image in &list {
            for key in keys {
                assert!(image.get(key).is_some(), "{key}");
            }
            let created = image["created_at"].as_str().unwrap();
            assert_eq!(created.len(), "2016-05-22T06:04:20.425843".len(), "{created}");
            assert!(!created.ends_with('Z'));
            assert!(image["properties"].as_object().unwrap().values().all(Value::is_string));
        }
    }

    #[test]
    fn size_and_changes_since_filters() {
        let f = Fixture::new(Api::GlanceV1, &[]);
        let all = images(&f.json(Api::GlanceV1, "limit=1000"));
        let size = all.iter().find_map(|i| i["size"].as_u64().filter(|s| *s > 0)).unwrap();
        let exact = images(&f.json(Api::GlanceV1, &format!("limit=1000&size_min={size}&size_max={size}")));
        assert!(!exact.is_empty());
        assert!(exact.iter().all(|i| i["size"] == size));
        let updated = all[10]["updated_at"].as_str().unwrap().to_owned();
        let since = images(&f.json(Api::GlanceV1, &format!("limit=1000&changes-since={updated}")));
        assert!(since.iter().all(|i| i["updated_at"].as_str().unwrap() > updated.as_str()), "strictly after");
        assert!(since.len() < all.len());
    }

    #[test]
    fn sort_and_errors() {
        let f = Fixture::new(Api::GlanceV1, &[]);
        let list = images(&f.json(Api::GlanceV1, "sort_key=name&sort_dir=asc&limit=50"));
        assert!(list.windows(2).all(|w| w[0]["name"].as_str() <= w[1]["name"].as_str()));
        for q in ["limit=x", "limit=-5", "sort_key=owner", "sort_dir=sideways", "marker=nope", "size_min=big"] {
            let html = f.call(Api::GlanceV1, q);
            assert_eq!((html.status, html.content_type), (400, super::super::reply::HTML), "{q}");
            let json = f.call_with(Api::GlanceV1, q, true, None);
            let v: Value = serde_json::from_str(&json.body).unwrap();
            assert_eq!(v["code"], "400 Bad Request", "{q}");
        }
    }
}
