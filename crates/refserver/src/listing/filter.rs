//! Filters: a family's query parameters compiled into predicates over images.
//!
//! Parsing resolves strings to the catalogue's small integers up front (a name to its rank, a
//! platform to a set of profiles), so testing one image is a few integer comparisons.

use crate::catalog::image::{Flags, Image};
use crate::catalog::Catalog;
use crate::time::{Clock, Cmp, Micros};

use super::view::View;

/// Which timestamp a time filter looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeField {
    Created,
    Updated,
}

/// How a name filter matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NameMatch {
    /// Exact match against one of these name ranks (`name=x` or `name=in:x,y`).
    Ranks(Vec<u32>),
    /// A defect: the name only has to start with the text.
    Prefix(String),
    /// A defect: case is ignored.
    IgnoreCase(String),
}

/// One predicate; a listing keeps the images matching all of its filters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Filter {
    /// What the identity listing may see (tenancy mode); first among a listing's filters.
    View(View),
    /// A value no image has (unknown owner, unknown property...).
    Nothing,
    Id(Vec<u128>),
    /// Every image but this one (a listing that hides an image).
    NotId(u128),
    Name(NameMatch),
    /// Bit sets of the enum values allowed (`Status::bit` etc.).
    Status(u32),
    Visibility(u32),
    ImageType(u32),
    MemberStatus(u32),
    ContainerFormat(u32),
    DiskFormat(u32),
    VirtualEnv(u32),
    Firmware(u32),
    /// Bit set of [`crate::catalog::vocab::PROFILES`] indices: platform, OS type, bits, architecture.
    Profile(u32),
    /// Bit set of `Hypervisor` discriminants: the `__support_kvm`-style virtualisation properties.
    Hypervisor(u32),
    /// A GPU type property (`__support_kvm_gpu_type` when `kvm`).
    Gpu {
        kvm: bool,
        gpu: u8,
    },
    Flag(Flags, bool),
    Owner(u8),
    /// Bit set of enterprise project indices.
    EnterpriseProject(u32),
    MinRam(Cmp, u32),
    /// `minRam` compared as text (`"1024" < "512"`): a fault's misreading.
    MinRamText(Cmp, u32),
    MinDisk(Cmp, u32),
    /// Null sizes never match, as SQL comparisons with NULL never hold.
    Size(Cmp, u64),
    Time {
        field: TimeField,
        cmp: Cmp,
        at: Micros,
        clock: Clock,
    },
    /// Every tag must be present, or (a defect) any of them.
    Tags {
        tags: Vec<&'static str>,
        any: bool,
    },
    /// Public images bootable on a flavour (index into `FLAVORS`).
    Flavor(u8),
}

impl Filter {
    pub(crate) fn matches(&self, catalog: &Catalog, image: &Image) -> bool {
        match self {
            Filter::View(view) => view.admits(image),
            Filter::Nothing => false,
            Filter::Id(ids) => ids.contains(&image.id),
            Filter::NotId(id) => image.id != *id,
            Filter::Name(NameMatch::Ranks(ranks)) => ranks.contains(&image.name),
            Filter::Name(NameMatch::Prefix(prefix)) => catalog.name(image).starts_with(prefix.as_str()),
            Filter::Name(NameMatch::IgnoreCase(name)) => catalog.name(image).to_lowercase() == name.to_lowercase(),
            Filter::Status(set) => set & image.status.bit() != 0,
            Filter::Visibility(set) => set & image.visibility.bit() != 0,
            Filter::ImageType(set) => set & image.image_type.bit() != 0,
            Filter::MemberStatus(set) => image.member_status.is_some_and(|m| set & m.bit() != 0),
            Filter::ContainerFormat(set) => set & image.container_format.bit() != 0,
            Filter::DiskFormat(set) => set & image.disk_format.bit() != 0,
            Filter::VirtualEnv(set) => set & image.env.bit() != 0,
            Filter::Firmware(set) => set & image.firmware.bit() != 0,
            Filter::Profile(set) => set & (1 << image.profile) != 0,
            Filter::Hypervisor(set) => set & (1 << image.hypervisor as u32) != 0,
            Filter::Gpu { kvm, gpu } => {
                let kind = if *kvm { crate::catalog::image::Hypervisor::KvmGpu } else { crate::catalog::image::Hypervisor::XenGpu };
                image.hypervisor == kind && image.gpu == *gpu
            }
            Filter::Flag(flag, on) => image.flags.has(*flag) == *on,
            Filter::Owner(owner) => image.owner == *owner,
            Filter::EnterpriseProject(set) => set & (1 << image.enterprise_project) != 0,
            Filter::MinRam(cmp, bound) => cmp.holds(image.min_ram, *bound),
            Filter::MinRamText(cmp, bound) => cmp.holds(image.min_ram.to_string(), bound.to_string()),
            Filter::MinDisk(cmp, bound) => cmp.holds(u32::from(image.min_disk), *bound),
            Filter::Size(cmp, bound) => image.size().is_some_and(|s| cmp.holds(s, *bound)),
            Filter::Time { field, cmp, at, clock } => {
                let secs = match field {
                    TimeField::Created => image.created,
                    TimeField::Updated => image.updated,
                };
                cmp.holds(clock.micros(secs), *at)
            }
            Filter::Tags { tags, any } => {
                let has = |t: &&str| image.tags().contains(t);
                if *any {
                    tags.iter().any(has)
                } else {
                    tags.iter().all(has)
                }
            }
            Filter::Flavor(index) => {
                let flavor = &crate::catalog::vocab::FLAVORS[usize::from(*index)];
                image.visibility == crate::catalog::image::Visibility::Public
                    && image.min_ram <= flavor.ram_mb
                    && image.profile().arch == flavor.arch
                    && flavor.gpu == image.gpu_type().is_some()
            }
        }
    }
}

/// The set of profile indices satisfying a predicate.
pub(crate) fn profiles_where(pred: impl Fn(&crate::catalog::vocab::Profile) -> bool) -> u32 {
    crate::catalog::vocab::PROFILES.iter().enumerate().filter(|(_, p)| pred(p)).fold(0, |set, (i, _)| set | (1 << i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::image::{Status, Visibility};

    fn count(catalog: &Catalog, filter: &Filter) -> usize {
        catalog.images.iter().filter(|i| filter.matches(catalog, i)).count()
    }

    #[test]
    fn enum_sets_match_members_only() {
        let c = Catalog::build(300, 1);
        let active = count(&c, &Filter::Status(Status::Active.bit()));
        let queued = count(&c, &Filter::Status(Status::Queued.bit()));
        assert!(active > 0 && queued > 0);
        assert_eq!(count(&c, &Filter::Status(Status::Active.bit() | Status::Queued.bit())), active + queued);
        assert_eq!(count(&c, &Filter::Status(0)), 0);
        assert_eq!(count(&c, &Filter::Nothing), 0);
    }

    #[test]
    fn size_filters_are_inclusive_and_skip_nulls() {
        let c = Catalog::build(300, 1);
        let sized = c.images.iter().find(|i| i.size().is_some_and(|s| s > 0)).unwrap();
        let s = sized.size;
        assert!(Filter::Size(Cmp::Gte, s).matches(&c, sized));
        assert!(Filter::Size(Cmp::Lte, s).matches(&c, sized));
        assert!(!Filter::Size(Cmp::Lt, s).matches(&c, sized));
        let queued = c.images.iter().find(|i| i.status == Status::Queued).unwrap();
        assert!(!Filter::Size(Cmp::Gte, 0).matches(&c, queued));
    }

    #[test]
    fn time_filters_compare_at_the_family_clock() {
        let c = Catalog::build(300, 1);
        let image = &c.images[10];
        let at = Clock::Seconds.micros(image.created);
        let created = |cmp| Filter::Time { field: TimeField::Created, cmp, at, clock: Clock::Seconds };
        assert!(created(Cmp::Eq).matches(&c, image));
        assert!(!created(Cmp::Gt).matches(&c, image));
        assert!(created(Cmp::Gte).matches(&c, image));
        // Glance v1 renders microseconds; a bound at the whole second is earlier than the image.
        let v1 = Filter::Time { field: TimeField::Created, cmp: Cmp::Gt, at, clock: Clock::V1 };
        assert_eq!(v1.matches(&c, image), crate::time::v1_micros(image.created) > 0);
    }

    #[test]
    fn tags_all_of_versus_any_of() {
        let c = Catalog::build(300, 1);
        let both = Filter::Tags { tags: vec!["env=prod", "team=web"], any: false };
        let either = Filter::Tags { tags: vec!["env=prod", "team=web"], any: true };
        let n_both = count(&c, &both);
        assert!(n_both > 0);
        assert!(count(&c, &either) > n_both);
        for image in &c.images {
            if both.matches(&c, image) {
                assert!(image.tags().contains(&"env=prod") && image.tags().contains(&"team=web"));
            }
        }
    }

    #[test]
    fn names_match_exactly_unless_loosened() {
        let c = Catalog::build(300, 1);
        let rank = c.name_rank("CentOS 7.3 64bit").unwrap();
        let exact = count(&c, &Filter::Name(NameMatch::Ranks(vec![rank])));
        let prefix = count(&c, &Filter::Name(NameMatch::Prefix("CentOS 7.3 64bit".into())));
        assert!(exact > 0);
        assert!(prefix > exact, "the vivado/sdx variants share the prefix");
        assert_eq!(count(&c, &Filter::Name(NameMatch::IgnoreCase("centos 7.3 64BIT".into()))), exact);
    }

    #[test]
    fn member_status_only_on_shared_images() {
        let c = Catalog::build(300, 1);
        let all = Filter::MemberStatus(0b111);
        assert!(c.images.iter().filter(|i| all.matches(&c, i)).all(|i| i.visibility == Visibility::Shared));
    }

    #[test]
    fn flavor_matches_public_images_that_fit() {
        let c = Catalog::build(300, 1);
        let small = Filter::Flavor(0);
        let matched: Vec<_> = c.images.iter().filter(|i| small.matches(&c, i)).collect();
        assert!(!matched.is_empty());
        assert!(matched.iter().all(|i| i.visibility == Visibility::Public && i.min_ram <= 1024));
    }
}
