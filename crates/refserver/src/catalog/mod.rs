//! The image catalogue every endpoint renders: generated from a seed, indexed once at startup.

pub(crate) mod generate;
// `wire_enum!` is shared with the vocabularies, declared after it.
#[macro_use]
pub(crate) mod image;
pub(crate) mod order;
pub(crate) mod vocab;

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use image::Image;
use order::{Dir, Orders, SortKey};

/// A listing's sort keys, in order, with their directions.
type Sort = Vec<(SortKey, Dir)>;

/// Orders of several sort keys kept at once: each costs 4 bytes an image (4 MB at a million).
const COMPOSITE_ORDERS: usize = 16;

/// The images, their string tables and their sort orders.
pub(crate) struct Catalog {
    pub(crate) images: Vec<Image>,
    pub(crate) names: Vec<Box<str>>,
    pub(crate) owners: Vec<String>,
    pub(crate) enterprise_projects: Vec<String>,
    orders: Orders,
    /// Orders of several sort keys, built on first use (a client that sorts by two keys
    /// usually pages through: every later page reuses the order).
    composite: Mutex<HashMap<Sort, Arc<[u32]>>>,
}

impl Catalog {
    pub(crate) fn build(count: usize, seed: u64) -> Catalog {
        let generate::Generated { mut images, names, owners, enterprise_projects } = generate::generate(count, seed);
        make_ids_unique(&mut images);
        let orders = Orders::build(&images);
        Catalog { images, names, owners, enterprise_projects, orders, composite: Mutex::default() }
    }

    pub(crate) fn image(&self, index: u32) -> &Image {
        &self.images[index as usize]
    }

    pub(crate) fn name(&self, image: &Image) -> &str {
        &self.names[image.name as usize]
    }

    pub(crate) fn owner(&self, image: &Image) -> &str {
        &self.owners[usize::from(image.owner)]
    }

    pub(crate) fn enterprise_project(&self, image: &Image) -> &str {
        &self.enterprise_projects[usize::from(image.enterprise_project)]
    }

    /// The rank of a name in the name table, if any image has it.
    pub(crate) fn name_rank(&self, name: &str) -> Option<u32> {
        self.names.binary_search_by(|n| (**n).cmp(name)).ok().map(|r| r as u32)
    }

    pub(crate) fn owner_index(&self, owner: &str) -> Option<u8> {
        self.owners.iter().position(|o| o == owner).map(|i| i as u8)
    }

    pub(crate) fn enterprise_project_index(&self, ep: &str) -> Option<u8> {
        self.enterprise_projects.iter().position(|o| o == ep).map(|i| i as u8)
    }

    pub(crate) fn ascending(&self, key: SortKey) -> &[u32] {
        self.orders.ascending(key)
    }

    pub(crate) fn find(&self, id: u128) -> Option<u32> {
        self.orders.find(&self.images, id)
    }

    pub(crate) fn position(&self, key: SortKey, index: u32) -> usize {
        self.orders.position(&self.images, key, index)
    }

    /// Every image in the order of `sort` (ties broken by created_at, then id, in the first
    /// key's direction), built once per distinct `sort` and kept for the next pages.
    pub(crate) fn composite(&self, sort: &[(SortKey, Dir)]) -> Arc<[u32]> {
        // Held while sorting: concurrent first pages of the same order wait instead of sorting twice.
        let mut cache = self.composite.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(order) = cache.get(sort) {
            return order.clone();
        }
        let mut order: Vec<u32> = (0..self.images.len() as u32).collect();
        order.sort_unstable_by(|a, b| compare(sort, self.image(*a), self.image(*b)));
        let order: Arc<[u32]> = order.into();
        if cache.len() >= COMPOSITE_ORDERS {
            cache.clear();
        }
        cache.insert(sort.to_vec(), order.clone());
        order
    }
}

/// The listing order of `sort`: each key in turn, then created_at and id in the first key's
/// direction (a total order: ids are unique).
pub(crate) fn compare(sort: &[(SortKey, Dir)], a: &Image, b: &Image) -> Ordering {
    compare_with_ties(sort, sort[0].1, a, b)
}

/// [`compare`] with ties broken in `tie_dir`.
pub(crate) fn compare_with_ties(sort: &[(SortKey, Dir)], tie_dir: Dir, a: &Image, b: &Image) -> Ordering {
    for (key, dir) in sort {
        let ordering = dir.apply(key.compare_primary(a, b));
        if ordering.is_ne() {
            return ordering;
        }
    }
    tie_dir.apply((a.created, a.id).cmp(&(b.created, b.id)))
}

/// Random 122-bit ids practically never collide, but a duplicate would make markers ambiguous;
/// re-derive any duplicate deterministically.
fn make_ids_unique(images: &mut [Image]) {
    loop {
        let mut ids: Vec<(u128, usize)> = images.iter().enumerate().map(|(i, im)| (im.id, i)).collect();
        ids.sort_unstable();
        let duplicates: Vec<usize> = ids.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].1).collect();
        if duplicates.is_empty() {
            return;
        }
        for i in duplicates {
            let id = images[i].id;
            images[i].id = crate::rng::as_uuid_v4(id ^ u128::from(crate::rng::mix(id as u64)));
        }
    }
}

/// `8-4-4-4-12` lowercase hex.
pub(crate) fn format_uuid(id: u128) -> String {
    let mut out = String::with_capacity(36);
    write_uuid(&mut out, id);
    out
}

pub(crate) fn write_uuid(out: &mut String, id: u128) {
    let mut buf = [0u8; uuid::fmt::Hyphenated::LENGTH];
    out.push_str(uuid::Uuid::from_u128(id).hyphenated().encode_lower(&mut buf));
}

/// Parses the canonical `8-4-4-4-12` form (either case); anything else is not an image id.
pub(crate) fn parse_uuid(text: &str) -> Option<u128> {
    // The crate also reads the braced, URN and undashed forms; an id is only the canonical one.
    if text.len() != uuid::fmt::Hyphenated::LENGTH {
        return None;
    }
    uuid::Uuid::try_parse(text).ok().map(|u| u.as_u128())
}

#[cfg(test)]
mod tests {
    use super::image::{ContainerFormat, DiskFormat, ImageType, MemberStatus, Status, VirtualEnv, Visibility};
    use super::*;

    #[test]
    fn uuids_round_trip() {
        let id = 0x0328c25e_c840_4496_81ac_c4e01b214b1f_u128;
        assert_eq!(format_uuid(id), "0328c25e-c840-4496-81ac-c4e01b214b1f");
        assert_eq!(parse_uuid("0328C25E-C840-4496-81AC-C4E01B214B1F"), Some(id));
        assert_eq!(parse_uuid("nope"), None);
        assert_eq!(parse_uuid("{0328c25e-c840-4496-81ac-c4e01b214b}"), None, "only the canonical form");
        assert_eq!(parse_uuid("0328c25e-c840-4496-81ac-c4e01b214b1g"), None);
        assert_eq!(parse_uuid("0328c25e-c840-4496-81ac-c4e01b214b1fx"), None);
        assert_eq!(parse_uuid("0328c25e+c840-4496-81ac-c4e01b214b1f"), None);
    }

    #[test]
    fn default_size_covers_every_enum_value_of_every_filterable_field() {
        let catalog = Catalog::build(300, 1);
        let images = &catalog.images;
        let has = |f: &dyn Fn(&Image) -> bool| images.iter().any(f);
        for v in Status::ALL {
            assert!(has(&|i| i.status == *v), "{v:?}");
        }
        for v in Visibility::ALL {
            assert!(has(&|i| i.visibility == *v), "{v:?}");
        }
        for v in ImageType::ALL {
            assert!(has(&|i| i.image_type == *v), "{v:?}");
        }
        for v in MemberStatus::ALL {
            assert!(has(&|i| i.member_status == Some(*v)), "{v:?}");
        }
        for v in ContainerFormat::ALL {
            assert!(has(&|i| i.container_format == *v), "{v:?}");
        }
        for v in DiskFormat::ALL {
            assert!(has(&|i| i.disk_format == *v), "{v:?}");
        }
        for v in VirtualEnv::ALL {
            assert!(has(&|i| i.env == *v), "{v:?}");
        }
        for v in image::Firmware::ALL {
            assert!(has(&|i| i.firmware == *v), "{v:?}");
        }
        for v in image::Hypervisor::ALL {
            assert!(has(&|i| i.hypervisor == *v), "{v:?}");
        }
        for p in 0..vocab::PROFILES.len() {
            assert!(has(&|i| usize::from(i.profile) == p), "profile {p}");
        }
        for t in 0..vocab::TAG_SETS.len() {
            assert!(has(&|i| usize::from(i.tags) == t), "tags {t}");
        }
        for g in 0..vocab::GPU_TYPES.len() {
            assert!(has(&|i| i.gpu_type() == Some(vocab::GPU_TYPES[g])), "gpu {g}");
        }
        for e in 0..catalog.enterprise_projects.len() {
            assert!(has(&|i| usize::from(i.enterprise_project) == e));
        }
        use image::Flags;
        for flag in [
            Flags::PROTECTED,
            Flags::HIDDEN,
            Flags::WHOLE_IMAGE,
            Flags::REGISTERED,
            Flags::LARGE_MEMORY,
            Flags::DISK_INTENSIVE,
            Flags::HIGH_PERFORMANCE,
            Flags::FC_INJECT,
            Flags::MARKET_READY,
            Flags::OFF_SHELF,
            Flags::MAX_RAM,
            Flags::LAZY_LOADING,
        ] {
            assert!(has(&|i| i.flags.has(flag)), "{flag:?} never set");
            assert!(has(&|i| !i.flags.has(flag)), "{flag:?} always set");
        }
        for name in vocab::EXTRA_NAMES {
            assert!(catalog.name_rank(name).is_some(), "{name}");
        }
    }

    #[test]
    fn empty_catalogue_is_valid() {
        let catalog = Catalog::build(0, 1);
        assert!(catalog.images.is_empty() && catalog.names.is_empty());
        assert_eq!(catalog.find(1), None);
        assert!(catalog.ascending(SortKey::Name).is_empty());
    }

    #[test]
    fn lookups() {
        let catalog = Catalog::build(50, 2);
        let first = catalog.image(0);
        assert_eq!(catalog.find(first.id), Some(0));
        let name = catalog.name(first).to_owned();
        assert_eq!(catalog.name_rank(&name), Some(first.name));
        assert_eq!(catalog.owner_index(catalog.owner(first)), Some(first.owner));
        assert_eq!(catalog.name_rank("no such image"), None);
    }
}
