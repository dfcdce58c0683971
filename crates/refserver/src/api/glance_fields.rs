//! Fields that `/v2/cloudimages`, Glance v1 and Glance v2 write alike.

use crate::catalog::image::Image;
use crate::catalog::write_uuid;
use crate::digits::hex16;

use super::json::JsonOut;
use crate::fault::defect::TimeStyle;

/// `created_at`, `updated_at`, `tags` and the links, in Glance v2's order.
pub(crate) fn write_dates_tags_links(out: &mut JsonOut, image: &Image, style: TimeStyle) {
    out.key("created_at");
    out.time(image.created, style);
    out.key("updated_at");
    out.time(image.updated, style);
    out.key("tags");
    out.begin_array();
    for tag in image.tags() {
        out.str(tag);
    }
    out.end_array();
    write_links(out, image);
}

/// `self`, `file` and `schema`, as Glance v2 writes them.
fn write_links(out: &mut JsonOut, image: &Image) {
    out.key("self");
    out.str_with(|b| {
        b.push_str("/v2/images/");
        write_uuid(b, image.id);
    });
    out.key("file");
    out.str_with(|b| {
        b.push_str("/v2/images/");
        write_uuid(b, image.id);
        b.push_str("/file");
    });
    out.field_str("schema", "/v2/schemas/image");
}

/// An MD5-looking checksum, stable per image.
pub(crate) fn write_checksum(buf: &mut String, image: &Image) {
    hex16(buf, image.salt(1));
    hex16(buf, image.salt(2));
}
