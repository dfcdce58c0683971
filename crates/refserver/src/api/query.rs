//! Parsing helpers shared by the families: integers, booleans, `OP:TIME`, names, IMS properties.

use crate::catalog::image::{Architecture, ContainerFormat, DiskFormat, Firmware, Flags, Hypervisor, ImageType, Status, VirtualEnv};
use crate::catalog::vocab::{FLAVORS, GPU_TYPES, PROFILES, TAG_SETS};
use crate::catalog::Catalog;
use crate::fault::behaviour::{NameMode, Reading};
use crate::listing::filter::{profiles_where, Filter, NameMatch, TimeField};
use crate::listing::view::View;
use crate::time::{self, Clock, Cmp};

/// The view of the request's identity, as this endpoint (mis)applies it.
pub(crate) fn view(ctx: &super::Context) -> View {
    View::of(ctx.viewer).leaking(ctx.behaviour.reading.leaks)
}

/// A listing's filters, led by what the viewer may see (nothing to add without tenancy), so
/// that every filter, sort order and page works within the view.
pub(crate) fn viewed(view: View, mut filters: Vec<Filter>) -> Vec<Filter> {
    if view.restricts() {
        filters.insert(0, Filter::View(view));
    }
    filters
}

/// `member_status`: without tenancy a filter on the calling project's memberships, as the
/// server always read it; with tenancy, which shared images of others the member lists
/// (Glance applies it to member images only, so public and own images stay listed).
pub(crate) fn member_status(view: View, set: u32, filters: &mut Vec<Filter>) -> View {
    if view.restricts() {
        view.with_members(set)
    } else {
        filters.push(Filter::MemberStatus(set));
        view
    }
}

/// A decimal integer without sign; what every `limit`/`min_*`/`size_*` accepts when valid.
pub(crate) fn unsigned(text: &str) -> Option<u64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Whether the text is a (possibly negative) integer, to tell "not an integer" from "negative".
pub(crate) fn is_negative_integer(text: &str) -> bool {
    text.strip_prefix('-').and_then(unsigned).is_some()
}

/// Booleans as oslo's `bool_from_string(strict=True)` accepts them.
pub(crate) fn boolean(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" | "t" => Some(true),
        "false" | "0" | "no" | "n" | "off" | "f" => Some(false),
        _ => None,
    }
}

/// The page size: the requested value or the default, capped, then bent by faults.
pub(crate) fn page_size(requested: Option<u64>, default: usize, cap: usize, reading: &Reading) -> usize {
    let wanted = requested.map_or(reading.default_limit.unwrap_or(default), |r| r.min(usize::MAX as u64) as usize);
    wanted.min(cap) + reading.limit_extra
}

/// `size_min`/`size_max`: inclusive bounds, unless a fault made one exclusive.
pub(crate) fn size_bound(param: &str, bound: u64, reading: &Reading) -> Filter {
    let cmp = match (param, reading.size_min_exclusive, reading.size_max_exclusive) {
        ("size_min", false, _) => Cmp::Gte,
        ("size_min", true, _) => Cmp::Gt,
        (_, _, false) => Cmp::Lte,
        (_, _, true) => Cmp::Lt,
    };
    Filter::Size(cmp, bound)
}

/// `OP:TIME` (`gt:2018-10-28T10:00:00Z`); without a known operator, the whole value is an `eq`
/// time, as in Glance.
pub(crate) fn op_time(value: &str, field: TimeField, clock: Clock, reading: &Reading) -> Option<Filter> {
    let (cmp, at) = match value.split_once(':').and_then(|(op, rest)| Some((Cmp::parse(op)?, rest))) {
        Some((cmp, rest)) => (cmp, rest),
        None => (Cmp::Eq, value),
    };
    let cmp = if reading.time_ops_mirrored { cmp.mirrored() } else { cmp };
    Some(Filter::Time { field, cmp, at: filter_time(at, reading)?, clock })
}

/// The instant a time filter's value names, as this server (mis)reads it.
pub(crate) fn filter_time(text: &str, reading: &Reading) -> Option<time::Micros> {
    let at = time::parse(text)?;
    let b = text.as_bytes();
    if reading.space_time_local && b.get(10) == Some(&b' ') {
        return Some(at - i64::from(crate::fault::behaviour::LOCAL_ZONE) * 1_000_000);
    }
    match b.iter().skip(19).position(|c| matches!(c, b'+' | b'-')) {
        Some(sign) if reading.time_offset_ignored => time::parse(&text[..19 + sign]),
        _ => Some(at),
    }
}

/// A name filter for one or more exact names, loosened by faults.
pub(crate) fn names(catalog: &Catalog, values: &[&str], mode: NameMode) -> Filter {
    match (mode, values) {
        (NameMode::Prefix, [one]) => Filter::Name(NameMatch::Prefix((*one).to_owned())),
        (NameMode::IgnoreCase, [one]) => Filter::Name(NameMatch::IgnoreCase((*one).to_owned())),
        _ => Filter::Name(NameMatch::Ranks(values.iter().filter_map(|v| catalog.name_rank(v)).collect())),
    }
}

/// Glance's `in:` lists: `in:a,b` or `in:"a,b",c` (quotes protect commas); `None` if not a list.
pub(crate) fn in_list(value: &str) -> Option<Vec<String>> {
    let rest = value.strip_prefix("in:")?;
    let mut items = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in rest.chars() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => items.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    items.push(current);
    Some(items)
}

/// The bit set of the wire values named, for the enum-valued filters.
pub(crate) fn enum_bits<T: Copy>(values: &[&str], from_wire: fn(&str) -> Option<T>, bit: fn(T) -> u32) -> u32 {
    values.iter().filter_map(|v| from_wire(v)).fold(0, |set, v| set | bit(v))
}

/// Exact-match filters on the core enum fields (`status`, `container_format`, `disk_format`).
pub(crate) fn enum_filter(key: &str, values: &[&str]) -> Option<Filter> {
    Some(match key {
        "status" => Filter::Status(enum_bits(values, Status::from_wire, Status::bit)),
        "container_format" => Filter::ContainerFormat(enum_bits(values, ContainerFormat::from_wire, ContainerFormat::bit)),
        "disk_format" => Filter::DiskFormat(enum_bits(values, DiskFormat::from_wire, DiskFormat::bit)),
        _ => return None,
    })
}

/// A known tag string, so filters can hold `&'static str`.
pub(crate) fn known_tag(value: &str) -> Option<&'static str> {
    TAG_SETS.iter().flat_map(|set| set.iter()).find(|t| **t == value).copied()
}

/// Exact string filters on the IMS extra properties, shared by `/v2/cloudimages` and Glance v2.
/// `None` when `key` is not such a property. Unknown values match nothing, as a string
/// comparison would.
pub(crate) fn ims_property(catalog: &Catalog, key: &str, value: &str) -> Option<Filter> {
    let is_true = value == "true";
    let hypervisors = |kinds: &[Hypervisor]| kinds.iter().fold(0, |set, h| set | (1 << *h as u32));
    let flag_true = |flag: Flags| if is_true { Filter::Flag(flag, true) } else { Filter::Nothing };
    let filter = match key {
        "__isregistered" => match value {
            "true" => Filter::Flag(Flags::REGISTERED, true),
            "false" => Filter::Flag(Flags::REGISTERED, false),
            _ => Filter::Nothing,
        },
        "__imagetype" => Filter::ImageType(enum_bits(&[value], ImageType::from_wire, ImageType::bit)),
        "__os_bit" => Filter::Profile(profiles_where(|p| p.os_bit == value)),
        "__platform" => Filter::Profile(profiles_where(|p| p.platform == value)),
        "__os_type" => Filter::Profile(profiles_where(|p| p.os_type.as_str() == value)),
        "__os_version" => Filter::Profile(profiles_where(|p| p.os_version == value)),
        "architecture" => Filter::Profile(profiles_where(|p| p.arch.as_str() == value)),
        "__support_arm" => match value {
            "true" => Filter::Profile(profiles_where(|p| p.arch == Architecture::Arm)),
            "false" => Filter::Profile(profiles_where(|p| p.arch != Architecture::Arm)),
            _ => Filter::Nothing,
        },
        "virtual_env_type" => Filter::VirtualEnv(enum_bits(&[value], VirtualEnv::from_wire, VirtualEnv::bit)),
        "hw_firmware_type" => Filter::Firmware(enum_bits(&[value], Firmware::from_wire, Firmware::bit)),
        "enterprise_project_id" => match value {
            "all_granted_eps" => Filter::EnterpriseProject(u32::MAX),
            _ => catalog.enterprise_project_index(value).map_or(Filter::Nothing, |i| Filter::EnterpriseProject(1 << i)),
        },
        "__support_kvm" if is_true => Filter::Hypervisor(hypervisors(&[Hypervisor::Kvm, Hypervisor::KvmInfiniband])),
        "__support_xen" if is_true => Filter::Hypervisor(hypervisors(&[Hypervisor::Xen])),
        "__support_xen_hana" if is_true => Filter::Hypervisor(hypervisors(&[Hypervisor::XenHana])),
        "__support_kvm_infiniband" if is_true => Filter::Hypervisor(hypervisors(&[Hypervisor::KvmInfiniband])),
        "__support_kvm" | "__support_xen" | "__support_xen_hana" | "__support_kvm_infiniband" => Filter::Nothing,
        "__support_largememory" => flag_true(Flags::LARGE_MEMORY),
        "__support_diskintensive" => flag_true(Flags::DISK_INTENSIVE),
        "__support_highperformance" => flag_true(Flags::HIGH_PERFORMANCE),
        "__lazyloading" => flag_true(Flags::LAZY_LOADING),
        "__whole_image" => match value {
            "true" => Filter::Flag(Flags::WHOLE_IMAGE, true),
            "false" => Filter::Flag(Flags::WHOLE_IMAGE, false),
            _ => Filter::Nothing,
        },
        "__support_fc_inject" => match value {
            "true" => Filter::Flag(Flags::FC_INJECT, true),
            "false" => Filter::Flag(Flags::FC_INJECT, false),
            _ => Filter::Nothing,
        },
        "__support_kvm_gpu_type" | "__support_xen_gpu_type" => GPU_TYPES
            .iter()
            .position(|g| *g == value)
            .map_or(Filter::Nothing, |gpu| Filter::Gpu { kvm: key == "__support_kvm_gpu_type", gpu: gpu as u8 }),
        "flavor_id" => FLAVORS.iter().position(|f| f.id == value).map_or(Filter::Nothing, |i| Filter::Flavor(i as u8)),
        _ => return None,
    };
    Some(filter)
}

/// Profiles are few; a sanity bound for the `u32` bit sets.
const _: () = assert!(PROFILES.len() <= 32);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_booleans() {
        assert_eq!(unsigned("25"), Some(25));
        assert_eq!(unsigned("-1"), None);
        assert_eq!(unsigned("+1"), None);
        assert_eq!(unsigned(""), None);
        assert_eq!(unsigned("1.5"), None);
        assert!(is_negative_integer("-3"));
        assert!(!is_negative_integer("abc"));
        assert_eq!(boolean("True"), Some(true));
        assert_eq!(boolean("off"), Some(false));
        assert_eq!(boolean("maybe"), None);
    }

    #[test]
    fn page_size_defaults_caps_and_faults() {
        let ok = Reading::default();
        assert_eq!(page_size(None, 500, 1000, &ok), 500);
        assert_eq!(page_size(Some(5000), 500, 1000, &ok), 1000);
        assert_eq!(page_size(Some(0), 500, 1000, &ok), 0);
        let bent = Reading { limit_extra: 1, default_limit: Some(25), ..Reading::default() };
        assert_eq!(page_size(None, 500, 1000, &bent), 26);
        assert_eq!(page_size(Some(5000), 500, 1000, &bent), 1001);
    }

    #[test]
    fn op_time_forms() {
        let ok = Reading::default();
        let f = op_time("gt:2018-10-28T10:00:00Z", TimeField::Created, Clock::Seconds, &ok).unwrap();
        assert!(matches!(f, Filter::Time { cmp: Cmp::Gt, .. }));
        let f = op_time("2018-10-28T10:00:00Z", TimeField::Created, Clock::Seconds, &ok).unwrap();
        assert!(matches!(f, Filter::Time { cmp: Cmp::Eq, .. }));
        let f = op_time("lte:2018-10-28 10:00:00", TimeField::Updated, Clock::Seconds, &ok).unwrap();
        assert!(matches!(f, Filter::Time { cmp: Cmp::Lte, field: TimeField::Updated, .. }));
        assert!(op_time("gt:yesterday", TimeField::Created, Clock::Seconds, &ok).is_none());
        assert!(op_time("between:2018-10-28T10:00:00Z", TimeField::Created, Clock::Seconds, &ok).is_none());
        let mirrored = Reading { time_ops_mirrored: true, ..Reading::default() };
        let f = op_time("gt:2018-10-28T10:00:00Z", TimeField::Created, Clock::Seconds, &mirrored).unwrap();
        assert!(matches!(f, Filter::Time { cmp: Cmp::Lt, .. }));
    }

    #[test]
    fn in_lists() {
        assert_eq!(in_list("in:a,b"), Some(vec!["a".to_owned(), "b".to_owned()]));
        assert_eq!(in_list("in:\"a,b\",c"), Some(vec!["a,b".to_owned(), "c".to_owned()]));
        assert_eq!(in_list("a,b"), None);
    }

    #[test]
    fn ims_properties() {
        let c = Catalog::build(300, 1);
        let count = |k: &str, v: &str| {
            let f = ims_property(&c, k, v).unwrap();
            c.images.iter().filter(|i| f.matches(&c, i)).count()
        };
        assert!(count("__platform", "Oracle Linux") > 0);
        assert_eq!(count("__platform", "Plan9"), 0);
        assert!(count("__os_bit", "32") > 0);
        assert!(count("__support_kvm", "true") > 0);
        assert_eq!(count("__support_kvm", "false"), 0);
        assert!(count("__support_kvm_gpu_type", "T4") > 0);
        assert_eq!(count("enterprise_project_id", "all_granted_eps"), 300);
        assert!(count("enterprise_project_id", "0") > 0);
        assert!(count("flavor_id", "s6.small.1") > 0);
        assert!(ims_property(&c, "name", "x").is_none());
    }
}
