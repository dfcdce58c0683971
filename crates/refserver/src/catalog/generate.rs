//! Builds the image list from a seed: same seed and size, same catalogue, byte for byte.
//!
//! The first [`PRELUDE`] images cycle through every value of every categorical field, so even a
//! small catalogue covers each documented enum value; the rest are drawn with realistic weights.

use super::image::*;
use super::vocab::{EXTRA_NAMES, GPU_TYPES, NAME_PREFIXES, PROFILES, TAG_SETS};
use crate::rng::{mix, Rng};
use crate::time::Secs;

/// Images that cycle through all values deterministically before random draws start.
const PRELUDE: usize = 60;

/// 2018-01-01T00:00:00Z: the catalogue's first creation time.
const EPOCH: Secs = 1_514_764_800;

/// The catalogue spans about three years of creations, whatever its size.
const SPAN_SECS: u64 = 3 * 365 * 86_400;

/// Chance that an image was created in the same second as the previous one.
const SAME_SECOND_PERCENT: u64 = 15;

/// What the generator produces before indexes are built.
pub(crate) struct Generated {
    pub(crate) images: Vec<Image>,
    /// Sorted and distinct; `Image::name` is an index into it.
    pub(crate) names: Vec<Box<str>>,
    /// Hex project ids; index 0 publishes the public images, index 1 is the calling project.
    pub(crate) owners: Vec<String>,
    /// `"0"` (the default enterprise project) and two project uuids.
    pub(crate) enterprise_projects: Vec<String>,
}

/// The kind of image, from which visibility, `__imagetype` and ownership follow.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Gold,
    Market,
    Private,
    Shared,
    Community,
}

const KINDS: &[Kind] = &[Kind::Gold, Kind::Market, Kind::Private, Kind::Shared, Kind::Community];

/// The project id the server treats as the caller's (`Running::project_id`).
pub(crate) fn project_id(seed: u64) -> String {
    hex_id(seed, 1)
}

/// A hex id (32 lowercase digits) derived from the seed: owner `which`'s project id.
pub(crate) fn hex_id(seed: u64, which: u64) -> String {
    let a = mix(seed ^ mix(which.wrapping_mul(0xA24B_AED4_963E_E407)));
    let b = mix(a ^ which);
    format!("{a:016x}{b:016x}")
}

pub(crate) fn generate(count: usize, seed: u64) -> Generated {
    let owners = (0..5).map(|w| hex_id(seed, w)).collect();
    let mut ep_rng = Rng::new(mix(seed ^ 0xE9));
    let enterprise_projects = vec!["0".to_owned(), super::format_uuid(ep_rng.uuid()), super::format_uuid(ep_rng.uuid())];

    let name_span = (count / 40).max(4) as u32;
    let mut draw = Draw { rng: Rng::new(seed), i: 0 };
    let mean_gap = (SPAN_SECS / count.max(1) as u64).max(1);
    let mut clock = EPOCH;
    let mut images = Vec::with_capacity(count);
    for i in 0..count {
        draw.i = i;
        if i > 0 && !draw.rng.chance(SAME_SECOND_PERCENT) {
            clock += 1 + draw.rng.below(2 * mean_gap) as Secs;
        }
        images.push(image(&mut draw, clock, name_span));
    }
    let names = intern_names(&mut images, name_span);
    Generated { images, names, owners, enterprise_projects }
}

/// Draws values: cycling during the prelude, random afterwards.
struct Draw {
    rng: Rng,
    i: usize,
}

impl Draw {
    fn weighted(&mut self, weights: &[u64]) -> usize {
        if self.i < PRELUDE {
            self.i % weights.len()
        } else {
            self.rng.weighted(weights)
        }
    }

    fn uniform(&mut self, n: usize) -> usize {
        if self.i < PRELUDE {
            self.i % n
        } else {
            self.rng.below(n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.chance(percent)
    }
}

fn image(d: &mut Draw, created: Secs, name_span: u32) -> Image {
    let id = d.rng.uuid();
    let kind = KINDS[d.weighted(&[25, 5, 35, 20, 15])];
    let (visibility, image_type) = match kind {
        Kind::Gold => (Visibility::Public, ImageType::Gold),
        Kind::Market => (Visibility::Public, ImageType::Market),
        Kind::Private => (Visibility::Private, ImageType::Private),
        Kind::Shared => (Visibility::Shared, ImageType::Shared),
        Kind::Community => (Visibility::Community, ImageType::Private),
    };
    let other_owner = 2 + d.rng.below(3) as u8;
    let (owner, member_status) = match kind {
        Kind::Gold | Kind::Market => (0, None),
        Kind::Private => (if d.chance(70) { 1 } else { other_owner }, None),
        Kind::Community => (other_owner, None),
        Kind::Shared => {
            // Shared with the caller (with the caller's answer), or shared by the caller.
            let pick = if d.i < PRELUDE { d.i / KINDS.len() % 4 } else { d.rng.weighted(&[40, 15, 10, 35]) };
            match MemberStatus::ALL.get(pick) {
                Some(status) => (other_owner, Some(*status)),
                None => (1, None),
            }
        }
    };
    let public = matches!(kind, Kind::Gold | Kind::Market);
    let status = Status::ALL[d.weighted(&[80, 5, 4, 6, 5])];
    let container_format =
        if kind == Kind::Community { ContainerFormat::ALL[d.uniform(ContainerFormat::ALL.len())] } else { ContainerFormat::Bare };
    let disk_format = DiskFormat::ALL[d.weighted(&[5, 15, 15, 10, 15, 40])];
    let profile = d.uniform(PROFILES.len());
    let arch = PROFILES[profile].arch;
    let name = if public {
        if d.chance(85) {
            profile as u32
        } else {
            (PROFILES.len() + d.rng.below(2) as usize) as u32
        }
    } else if d.i % 4 == 0 && (d.i < PRELUDE || d.chance(5)) {
        (PROFILES.len() + 2 + d.uniform(EXTRA_NAMES.len() - 2)) as u32
    } else {
        let prefix = d.uniform(NAME_PREFIXES.len()) as u32;
        let number = d.rng.below(u64::from(name_span)) as u32;
        let form = d.weighted(&[60, 25, 15]) as u32;
        fixed_names() + (prefix * name_span + number) * NAME_FORMS + form
    };
    let size = match status {
        Status::Active | Status::Deleted => (1 + d.rng.below(40_960)) << 20,
        _ => 0,
    };
    let updated = if d.chance(40) { created } else { created + 1 + d.rng.below(30 * 86_400) as Secs };
    let mut flags = Flags::default();
    flags.set(Flags::PROTECTED, d.chance(if kind == Kind::Gold { 90 } else { 10 }));
    flags.set(Flags::HIDDEN, !public && d.chance(3));
    flags.set(Flags::WHOLE_IMAGE, kind == Kind::Private && d.chance(8));
    flags.set(Flags::REGISTERED, d.i % 17 != 5 && d.chance(96));
    flags.set(Flags::LARGE_MEMORY, d.chance(15));
    flags.set(Flags::DISK_INTENSIVE, d.chance(10));
    flags.set(Flags::HIGH_PERFORMANCE, d.chance(15));
    flags.set(Flags::FC_INJECT, d.chance(50));
    flags.set(Flags::MARKET_READY, kind == Kind::Private && d.chance(40));
    flags.set(Flags::OFF_SHELF, kind == Kind::Market && d.chance(30));
    flags.set(Flags::MAX_RAM, public && d.chance(30));
    flags.set(Flags::LAZY_LOADING, kind == Kind::Gold && d.chance(60));
    let firmware = if arch == Architecture::Arm { Firmware::Uefi } else { Firmware::ALL[d.weighted(&[85, 15])] };
    let origin = if public { Origin::Platform } else { Origin::ALL[1 + d.weighted(&[40, 45, 15])] };
    Image {
        id,
        size,
        created,
        updated,
        name,
        min_ram: [0, 512, 1024, 2048, 4096, 8192][d.weighted(&[30, 10, 25, 20, 10, 5])],
        min_disk: [40, 50, 100, 200, 1024][d.weighted(&[50, 15, 20, 10, 5])],
        flags,
        status,
        visibility,
        image_type,
        member_status,
        container_format,
        disk_format,
        env: VirtualEnv::ALL[d.weighted(&[12, 80, 8])],
        firmware,
        hypervisor: Hypervisor::ALL[d.weighted(&[10, 50, 15, 8, 5, 4, 8])],
        origin,
        owner,
        profile: profile as u8,
        tags: d.uniform(TAG_SETS.len()) as u8,
        enterprise_project: d.weighted(&[60, 25, 15]) as u8,
        gpu: d.uniform(GPU_TYPES.len()) as u8,
        description: if public { 1 } else { [0, 2, 3][d.uniform(3)] },
    }
}

/// Generated names come as `app-base-00042`, its copy `app-base-00042-copy` and a differently
/// cased `App-base-00042`: an exact-match filter must tell all three apart, and a server that
/// matches by prefix or ignores case is caught on any of them.
const NAME_FORMS: u32 = 3;

/// Name codes below this are fixed strings (OS versions, then extras); above, generated ones.
fn fixed_names() -> u32 {
    (PROFILES.len() + EXTRA_NAMES.len()) as u32
}

fn name_of_code(code: u32, span: u32) -> String {
    let code = code as usize;
    if code < PROFILES.len() {
        PROFILES[code].os_version.to_owned()
    } else if code < fixed_names() as usize {
        EXTRA_NAMES[code - PROFILES.len()].to_owned()
    } else {
        let generated = code as u32 - fixed_names();
        let (series, form) = (generated / NAME_FORMS, generated % NAME_FORMS);
        let base = format!("{}-{:05}", NAME_PREFIXES[(series / span) as usize], series % span);
        match form {
            0 => base,
            1 => base + "-copy",
            _ => base[..1].to_ascii_uppercase() + &base[1..],
        }
    }
}

/// Replaces name codes by ranks in a sorted table of the names actually used.
fn intern_names(images: &mut [Image], span: u32) -> Vec<Box<str>> {
    let codes = fixed_names() + NAME_PREFIXES.len() as u32 * span * NAME_FORMS;
    let mut used = vec![false; codes as usize];
    for image in images.iter() {
        used[image.name as usize] = true;
    }
    let mut table: Vec<(String, u32)> = (0..codes).filter(|c| used[*c as usize]).map(|c| (name_of_code(c, span), c)).collect();
    table.sort_unstable();
    let mut rank_of = vec![0u32; codes as usize];
    for (rank, (_, code)) in table.iter().enumerate() {
        rank_of[*code as usize] = rank as u32;
    }
    for image in images.iter_mut() {
        image.name = rank_of[image.name as usize];
    }
    table.into_iter().map(|(name, _)| name.into_boxed_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_catalogue() {
        let a = generate(500, 42);
        let b = generate(500, 42);
        assert_eq!(a.images, b.images);
        assert_eq!(a.names, b.names);
        assert_eq!(a.owners, b.owners);
        let c = generate(500, 43);
        assert_ne!(a.images, c.images);
    }

    #[test]
    fn names_are_sorted_distinct_and_repeat_across_images() {
        let g = generate(300, 1);
        assert!(g.names.windows(2).all(|w| w[0] < w[1]));
        let mut counts = vec![0; g.names.len()];
        for image in &g.images {
            counts[image.name as usize] += 1;
        }
        assert!(counts.iter().all(|c| *c > 0));
        assert!(counts.iter().any(|c| *c > 1), "duplicate names are required");
    }

    #[test]
    fn names_have_copies_and_case_twins() {
        let g = generate(300, 1);
        let has = |name: &str| g.names.iter().any(|n| &**n == name);
        let plain: Vec<&str> = g.names.iter().map(|n| &**n).filter(|n| n.starts_with("app-base-") && !n.ends_with("-copy")).collect();
        assert!(plain.iter().any(|n| has(&format!("{n}-copy"))));
        assert!(plain.iter().any(|n| has(&format!("A{}", &n[1..]))));
    }

    #[test]
    fn some_images_share_creation_and_update_seconds() {
        let g = generate(300, 1);
        assert!(g.images.windows(2).any(|w| w[0].created == w[1].created));
        let mut updated: Vec<Secs> = g.images.iter().map(|i| i.updated).collect();
        updated.sort_unstable();
        assert!(updated.windows(2).any(|w| w[0] == w[1]));
        assert!(g.images.iter().all(|i| i.updated >= i.created));
    }

    #[test]
    fn attributes_stay_consistent() {
        let g = generate(2000, 5);
        for i in &g.images {
            assert_eq!(i.member_status.is_some(), i.visibility == Visibility::Shared && i.owner > 1);
            assert_eq!(i.visibility == Visibility::Public, matches!(i.image_type, ImageType::Gold | ImageType::Market));
            assert!(i.container_format == ContainerFormat::Bare || i.visibility == Visibility::Community);
            if i.profile().arch == Architecture::Arm {
                assert_eq!(i.firmware, Firmware::Uefi);
            }
            assert!((40..=1024).contains(&i.min_disk));
        }
    }

    #[test]
    fn project_id_is_hex() {
        let id = project_id(1);
        assert_eq!(id.len(), 32);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        assert_eq!(generate(1, 1).owners[1], id);
    }
}
