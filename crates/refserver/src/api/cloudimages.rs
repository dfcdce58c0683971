//! `GET /v2/cloudimages`: the IMS native listing.
//!
//! Every parameter of the doc's request table is honoured; unknown parameters are ignored.
//! Community images are a Glance-only concept and are not listed here.

use super::glance_fields::{write_checksum, write_dates_tags_links};
use super::json::JsonOut;
use super::params::Params;
use super::properties::{self, Typing};
use super::query;
use super::reply::Rejection;
use super::Context;
use crate::catalog::image::{Flags, Image, ImageType, MemberStatus, Visibility};
use crate::catalog::order::{Dir, SortKey};
use crate::catalog::parse_uuid;
use crate::fault::defect::TimeStyle;
use crate::listing::filter::{Filter, TimeField};
use crate::listing::Listing;
use crate::time::{Clock, Cmp};

const DEFAULT_LIMIT: usize = 500;
const MAX_LIMIT: usize = 1000;
const INVALID: &str = "IMG.0001";
/// MD5 of zero bytes.
const EMPTY_MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";

const SORT_KEYS: [SortKey; 7] =
    [SortKey::Name, SortKey::ContainerFormat, SortKey::DiskFormat, SortKey::Status, SortKey::Id, SortKey::Size, SortKey::CreatedAt];

fn invalid(param: &str, value: &str, expected: &str) -> Rejection {
    Rejection::new(INVALID, format!("Invalid parameter {param}: '{value}'. {expected}"))
}

/// The images IMS lists: only the visibilities and `__imagetype` values its doc names, so no
/// community images (a Glance notion) and no market images (they are listed by Glance).
fn ims_view() -> Vec<Filter> {
    let visibilities = [Visibility::Public, Visibility::Private, Visibility::Shared];
    let types = [ImageType::Gold, ImageType::Private, ImageType::Shared];
    vec![
        Filter::Visibility(visibilities.iter().fold(0, |set, v| set | v.bit())),
        Filter::ImageType(types.iter().fold(0, |set, t| set | t.bit())),
    ]
}

pub(crate) fn parse(ctx: &Context, params: &Params) -> Result<Listing, Rejection> {
    let reading = &ctx.behaviour.reading;
    let catalog = ctx.catalog;
    let mut filters = ims_view();
    let mut view = query::view(ctx);
    let (mut key, mut dir, mut limit, mut marker) = (SortKey::CreatedAt, Dir::Desc, None, None);
    for (param, value) in params.pairs() {
        let (param, value) = (param.as_str(), value.as_str());
        if reading.ignores(param) {
            continue;
        }
        let boolean = || query::boolean(value).ok_or_else(|| invalid(param, value, "Expected true or false."));
        let integer = || query::unsigned(value).ok_or_else(|| invalid(param, value, "Expected a non-negative integer."));
        match param {
            "limit" => limit = Some(integer()?),
            "marker" => marker = Some(value),
            "sort_key" => {
                // The doc spells the default key `create_at`; accept both spellings.
                let wanted = if value == "create_at" { "created_at" } else { value };
                key = SORT_KEYS.into_iter().find(|k| k.as_str() == wanted).ok_or_else(|| {
                    invalid(param, value, "Expected name, container_format, disk_format, status, id, size or created_at.")
                })?;
            }
            "sort_dir" => dir = Dir::from_wire(value).ok_or_else(|| invalid(param, value, "Expected asc or desc."))?,
            "name" => filters.push(query::names(catalog, &[value], reading.name_mode)),
            "id" => filters.push(parse_uuid(value).map_or(Filter::Nothing, |id| Filter::Id(vec![id]))),
            "owner" => filters.push(catalog.owner_index(value).map_or(Filter::Nothing, Filter::Owner)),
            "visibility" => {
                view = view.with_visibility_asked();
                filters.push(Filter::Visibility(query::enum_bits(&[value], Visibility::from_wire, Visibility::bit)));
            }
            "member_status" => {
                view = query::member_status(view, query::enum_bits(&[value], MemberStatus::from_wire, MemberStatus::bit), &mut filters);
            }
            "status" | "container_format" | "disk_format" => filters.extend(query::enum_filter(param, &[value])),
            "protected" => filters.push(Filter::Flag(Flags::PROTECTED, boolean()?)),
            "__whole_image" => filters.push(Filter::Flag(Flags::WHOLE_IMAGE, boolean()?)),
            // The doc calls them the image's minimum requirements: `min_ram=2048` keeps images
            // that need at least 2048 MB (upstream Glance compares for equality instead).
            "min_ram" => filters.push(Filter::MinRam(Cmp::Gte, integer()?.min(u32::MAX.into()) as u32)),
            "min_disk" => filters.push(Filter::MinDisk(Cmp::Gte, integer()?.min(u32::MAX.into()) as u32)),
            "tag" => filters.push(query::known_tag(value).map_or(Filter::Nothing, |t| Filter::Tags { tags: vec![t], any: false })),
            "created_at" | "updated_at" => {
                let field = if param == "created_at" { TimeField::Created } else { TimeField::Updated };
                let filter = query::op_time(value, field, Clock::Seconds, reading).ok_or_else(|| {
                    invalid(
                        param,
                        value,
                        "Expected OP:TIME with OP gt, gte, lt, lte, eq or neq and TIME yyyy-MM-ddThh:mm:ssZ or yyyy-MM-dd hh:mm:ss.",
                    )
                })?;
                filters.push(filter);
            }
            _ => filters.extend(query::ims_property(catalog, param, value)),
        }
    }
    if reading.sort_dir_ignored {
        dir = Dir::Desc;
    }
    Listing::new(key, dir, query::page_size(limit, DEFAULT_LIMIT, MAX_LIMIT, reading))
        .start_after(catalog, query::viewed(view, filters), reading.paging, marker)
        .map_err(|text| Rejection::new(INVALID, format!("Invalid parameter marker: image {text} not found.")))
}

pub(crate) fn render(ctx: &Context, page: &[Image]) -> String {
    let r = &ctx.behaviour.rendering;
    let style = super::time_style(ctx, TimeStyle::Zulu);
    let mut out = JsonOut::with_capacity(256 + page.len() * 1600);
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
        out.field_str("visibility", image.visibility.as_str());
        out.field_str("owner", ctx.catalog.owner(image));
        out.field_str("container_format", image.container_format.as_str());
        out.field_str("disk_format", image.disk_format.as_str());
        // IMS says size and checksum are "currently unused" and shows `"size": 0` with the MD5
        // of nothing; before an upload that is what it has, where Glance shows null.
        out.field_uint("size", image.size().unwrap_or(0));
        out.key("virtual_size");
        out.opt_uint(image.virtual_size());
        out.key("checksum");
        if image.has_data() {
            out.str_with(|b| write_checksum(b, image));
        } else {
            out.str(EMPTY_MD5);
        }
        out.key("min_ram");
        if r.min_ram_string {
            out.str(&image.min_ram.to_string());
        } else {
            out.uint(image.min_ram.into());
        }
        out.field_uint("min_disk", image.min_disk.into());
        out.field_bool("protected", image.flags.has(Flags::PROTECTED));
        out.field_bool("deleted", image.deleted());
        if image.deleted() {
            out.key("deleted_at");
            out.time(image.updated, style);
        }
        write_dates_tags_links(&mut out, image, style);
        properties::write(&mut out, ctx.catalog, image, Typing::Ims { os_bit_number: r.os_bit_number });
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

    fn images(v: &Value) -> &Vec<Value> {
        v["images"].as_array().unwrap()
    }

    #[test]
    fn defaults_desc_by_created_at_with_id_tie_break() {
        let f = Fixture::new(Api::Cloudimages, &[]);
        let v = f.json(Api::Cloudimages, "");
        let list = images(&v);
        // 300 images minus the community ones, all under the default limit of 500.
        assert!(list.len() > 200 && list.len() < 300);
        for w in list.windows(2) {
            let a = (w[0]["created_at"].as_str().unwrap(), w[0]["id"].as_str().unwrap());
            let b = (w[1]["created_at"].as_str().unwrap(), w[1]["id"].as_str().unwrap());
            assert!(a > b, "{a:?} then {b:?}");
        }
        assert!(list.iter().all(|i| i["visibility"] != "community" && i["__imagetype"] != "market"));
    }

    #[test]
    fn response_field_types_follow_the_doc() {
        let f = Fixture::new(Api::Cloudimages, &[]);
        let v = f.json(Api::Cloudimages, "limit=1000");
        for image in images(&v) {
            for key in ["__os_bit", "__isregistered", "__image_size", "__platform", "__os_type", "__imagetype"] {
                assert!(image[key].is_string(), "{key}: {image}");
            }
            assert!(image["min_ram"].is_u64() && image["min_disk"].is_u64());
            assert!(image["protected"].is_boolean() && image["deleted"].is_boolean());
            assert!(image["tags"].is_array());
            assert!(image["__system_support_market"].is_boolean());
            assert!(image["size"].is_u64() && image["checksum"].is_string(), "never null: {image}");
            assert!(["gold", "private", "shared"].contains(&image["__imagetype"].as_str().unwrap()));
            assert!(image["__whole_image"] == "true" || image["__whole_image"] == "false");
        }
    }

    #[test]
    fn limit_marker_and_sorting() {
        let f = Fixture::new(Api::Cloudimages, &[]);
        let first = f.json(Api::Cloudimages, "sort_key=name&sort_dir=asc&limit=3");
        let list = images(&first);
        assert_eq!(list.len(), 3);
        let marker = list[2]["id"].as_str().unwrap();
        let next = f.json(Api::Cloudimages, &format!("sort_key=name&sort_dir=asc&limit=3&marker={marker}"));
        let next = images(&next);
        assert!(next[0]["name"].as_str() >= list[2]["name"].as_str());
        assert!(next.iter().all(|i| i["id"] != list[2]["id"]));
        assert_eq!(f.json(Api::Cloudimages, "sort_key=create_at&limit=2"), f.json(Api::Cloudimages, "limit=2"));
    }

    #[test]
    fn filters() {
        let f = Fixture::new(Api::Cloudimages, &[]);
        let check = |q: &str, pred: &dyn Fn(&Value) -> bool| {
            let v = f.json(Api::Cloudimages, q);
            assert!(!images(&v).is_empty(), "{q} matched nothing");
            assert!(images(&v).iter().all(pred), "{q}");
        };
        check("__imagetype=gold", &|i| i["__imagetype"] == "gold");
        check("status=queued", &|i| i["status"] == "queued" && i["size"] == 0);
        check("name=CentOS+7.3+64bit", &|i| i["name"] == "CentOS 7.3 64bit");
        check("protected=true", &|i| i["protected"] == true);
        check("min_ram=1024", &|i| i["min_ram"].as_u64().unwrap() >= 1024);
        check("min_disk=200", &|i| i["min_disk"].as_u64().unwrap() >= 200);
        check("__whole_image=false", &|i| i["__whole_image"] == "false");
        check("__os_bit=32", &|i| i["__os_bit"] == "32");
        check("tag=env=prod", &|i| i["tags"].as_array().unwrap().iter().any(|t| t == "env=prod"));
        check("visibility=shared&member_status=pending", &|i| i["visibility"] == "shared");
        check("__support_kvm=true", &|i| i["__support_kvm"] == "true");
        check("architecture=arm", &|i| i["__support_arm"] == "true");
        check("created_at=gt:2018-06-01T00:00:00Z", &|i| i["created_at"].as_str().unwrap() > "2018-06-01T00:00:00Z");
        check("updated_at=lte:2018-06-01+00:00:00", &|i| i["updated_at"].as_str().unwrap() <= "2018-06-01T00:00:00Z");
        check("__whole_image=true", &|i| i["__whole_image"] == "true");
        assert!(images(&f.json(Api::Cloudimages, "name=CentOS")).is_empty(), "name is an exact match");
    }

    #[test]
    fn errors_are_ims_shaped_400s() {
        let f = Fixture::new(Api::Cloudimages, &[]);
        for q in ["limit=abc", "limit=-1", "marker=nope", "sort_key=owner", "sort_dir=up", "protected=maybe", "created_at=gt:yesterday"] {
            let reply = f.call(Api::Cloudimages, q);
            assert_eq!(reply.status, 400, "{q}");
            let v: Value = serde_json::from_str(&reply.body).unwrap();
            assert_eq!(v["error"]["code"], "IMG.0001", "{q}");
            assert!(v["error"]["message"].is_string());
        }
    }
}
