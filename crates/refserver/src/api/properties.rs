//! The IMS extra properties (`__os_bit`, `__support_kvm`, ...), written as top-level fields by
//! `/v2/cloudimages` and Glance v2, and as string metadata by Nova and Glance v1.

use super::json::JsonOut;
use crate::catalog::image::{Architecture, Flags, Hypervisor, Image, ImageType, Origin, VirtualEnv};
use crate::catalog::vocab::DESCRIPTIONS;
use crate::catalog::{write_uuid, Catalog};
use crate::rng::as_uuid_v4;

/// How property values are typed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Typing {
    /// As the IMS response table types them: all strings but `__system_support_market`
    /// (Boolean). `os_bit_number` is the fault that makes `__os_bit` a number.
    Ims { os_bit_number: bool },
    /// Glance stores extra properties as strings, so its APIs (and Nova's metadata) show strings.
    Strings,
}

/// Writes the properties as members of the object being written.
pub(crate) fn write(out: &mut JsonOut, catalog: &Catalog, image: &Image, typing: Typing) {
    let profile = image.profile();
    let yes_no = |b: bool| if b { "true" } else { "false" };
    out.field_str("__os_type", profile.os_type.as_str());
    out.field_str("__platform", profile.platform);
    out.key("__os_bit");
    match typing {
        Typing::Ims { os_bit_number: true } => out.uint(profile.os_bit.parse().unwrap_or(64)),
        _ => out.str(profile.os_bit),
    }
    out.field_str("__os_version", profile.os_version);
    out.field_str("__imagetype", image.image_type.as_str());
    out.field_str("__isregistered", yes_no(image.flags.has(Flags::REGISTERED)));
    out.field_str("__image_source_type", "uds");
    out.key("__image_size");
    out.str_with(|b| crate::digits::decimal(b, image.size().unwrap_or(0)));
    out.field_str("__description", DESCRIPTIONS[usize::from(image.description)]);
    let derived = |which: u64| as_uuid_v4((u128::from(image.salt(which)) << 64) | u128::from(image.salt(which + 1)));
    out.key("__originalimagename");
    match image.origin {
        Origin::Server | Origin::Backup => out.uuid(derived(10)),
        Origin::Platform | Origin::File => out.str(""),
    }
    out.key("__backup_id");
    match image.origin {
        Origin::Backup => out.uuid(derived(20)),
        _ => out.str(""),
    }
    out.key("__data_origin");
    match image.origin {
        Origin::Platform => out.str(""),
        Origin::File => out.str_with(|b| {
            b.push_str("file,image-files/");
            write_uuid(b, image.id);
            b.push_str(".qcow2");
        }),
        Origin::Server => out.str_with(|b| {
            b.push_str("instance,");
            write_uuid(b, derived(30));
        }),
        Origin::Backup => out.str_with(|b| {
            b.push_str("backup,");
            write_uuid(b, derived(20));
        }),
    }
    if image.origin == Origin::File {
        out.field_str("__root_origin", "file");
    }
    if image.env == VirtualEnv::FusionCompute {
        out.field_str("__sequence_num", "0");
    }
    match image.hypervisor {
        Hypervisor::Unspecified => {}
        Hypervisor::Kvm => out.field_str("__support_kvm", "true"),
        Hypervisor::Xen => out.field_str("__support_xen", "true"),
        Hypervisor::KvmGpu => out.field_str("__support_kvm_gpu_type", image.gpu_type().unwrap_or_default()),
        Hypervisor::XenGpu => out.field_str("__support_xen_gpu_type", image.gpu_type().unwrap_or_default()),
        Hypervisor::XenHana => out.field_str("__support_xen_hana", "true"),
        Hypervisor::KvmInfiniband => {
            out.field_str("__support_kvm", "true");
            out.field_str("__support_kvm_infiniband", "true");
        }
    }
    for (flag, key) in [
        (Flags::LARGE_MEMORY, "__support_largememory"),
        (Flags::DISK_INTENSIVE, "__support_diskintensive"),
        (Flags::HIGH_PERFORMANCE, "__support_highperformance"),
        (Flags::LAZY_LOADING, "__lazyloading"),
    ] {
        if image.flags.has(flag) {
            out.field_str(key, "true");
        }
    }
    // Rendered either way so that `__whole_image=false` has something to match.
    out.field_str("__whole_image", yes_no(image.flags.has(Flags::WHOLE_IMAGE)));
    out.key("__system_support_market");
    match typing {
        Typing::Ims { .. } => out.bool(image.flags.has(Flags::MARKET_READY)),
        Typing::Strings => out.str(yes_no(image.flags.has(Flags::MARKET_READY))),
    }
    if image.image_type == ImageType::Market {
        out.key("__productcode");
        out.str_with(|b| {
            b.push_str("00301-");
            crate::digits::padded(b, image.salt(40) % 1_000_000, 6);
            b.push_str("-0--0");
        });
        out.field_str("__is_offshelved", yes_no(image.flags.has(Flags::OFF_SHELF)));
    }
    out.field_str("__support_fc_inject", yes_no(image.flags.has(Flags::FC_INJECT)));
    out.field_str("__support_arm", yes_no(profile.arch == Architecture::Arm));
    out.field_str("architecture", profile.arch.as_str());
    out.field_str("hw_firmware_type", image.firmware.as_str());
    out.field_str("virtual_env_type", image.env.as_str());
    out.field_str("enterprise_project_id", catalog.enterprise_project(image));
    if image.flags.has(Flags::MAX_RAM) {
        out.field_str("max_ram", "524288");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(catalog: &Catalog, image: &Image, typing: Typing) -> serde_json::Map<String, serde_json::Value> {
        let mut out = JsonOut::with_capacity(1024);
        out.begin_object();
        write(&mut out, catalog, image, typing);
        out.end_object();
        serde_json::from_str(&out.finish()).unwrap()
    }

    #[test]
    fn strings_mode_has_only_strings() {
        let c = Catalog::build(300, 1);
        for image in &c.images {
            let props = render(&c, image, Typing::Strings);
            assert!(props.values().all(|v| v.is_string()), "{props:?}");
        }
    }

    #[test]
    fn ims_mode_types_follow_the_response_table() {
        let c = Catalog::build(300, 1);
        let props = render(&c, &c.images[0], Typing::Ims { os_bit_number: false });
        assert!(props["__os_bit"].is_string());
        assert!(props["__system_support_market"].is_boolean());
        let bent = render(&c, &c.images[0], Typing::Ims { os_bit_number: true });
        assert!(bent["__os_bit"].is_number());
    }

    #[test]
    fn exclusive_support_properties_never_coexist() {
        let c = Catalog::build(300, 1);
        for image in &c.images {
            let p = render(&c, image, Typing::Strings);
            let gpu_or_hana = p.contains_key("__support_kvm_gpu_type")
                || p.contains_key("__support_xen_gpu_type")
                || p.contains_key("__support_xen_hana");
            if gpu_or_hana {
                assert!(!p.contains_key("__support_kvm") && !p.contains_key("__support_xen"));
            }
            if p.contains_key("__support_kvm_infiniband") {
                assert!(!p.contains_key("__support_xen"));
            }
        }
    }
}
