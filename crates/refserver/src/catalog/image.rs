//! One image of the catalogue, kept compact (about 64 bytes) so a million fit in well under 1 GiB.
//!
//! Categorical fields are small enums; strings live once in the catalogue's tables and are
//! referenced by index. Everything derivable (checksum, links, parent ids) is derived at render
//! time from the id instead of being stored.

use super::vocab;
// The vocabularies own the wire enums their tables are made of.
pub(crate) use super::vocab::Architecture;
use crate::time::Secs;

/// Declares a categorical field: its wire strings, listed in byte order so that the derived `Ord`
/// (declaration order) is the order a database sorting the strings would produce.
macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) enum $name { $($variant),+ }

        // Uniform for every field; not every field needs every item.
        #[allow(dead_code)]
        impl $name {
            pub(crate) const ALL: &'static [$name] = &[$($name::$variant),+];

            pub(crate) fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            pub(crate) fn from_wire(text: &str) -> Option<$name> {
                match text { $($wire => Some($name::$variant),)+ _ => None }
            }

            /// This value's bit in a set of values (`status=in:a,b`).
            pub(crate) fn bit(self) -> u32 {
                1 << (self as u32)
            }
        }
    };
}

wire_enum!(
    /// Glance image status; the five the IMS doc lists.
    Status { Active => "active", Deleted => "deleted", Killed => "killed", Queued => "queued", Saving => "saving" }
);
wire_enum!(
    /// Glance visibility. `community` exists upstream only, so the IMS listing leaves those images out.
    Visibility { Community => "community", Private => "private", Public => "public", Shared => "shared" }
);
wire_enum!(
    /// IMS `__imagetype`.
    ImageType { Gold => "gold", Market => "market", Private => "private", Shared => "shared" }
);
wire_enum!(
    /// The calling project's membership of a shared image.
    MemberStatus { Accepted => "accepted", Pending => "pending", Rejected => "rejected" }
);
wire_enum!(
    /// Container format; IMS images are all `bare`, only community (Glance-only) images vary.
    ContainerFormat { Bare => "bare", Docker => "docker", Ovf => "ovf" }
);
wire_enum!(
    /// Disk format: every value the IMS doc names, plus `zvhd2` from its example and default.
    DiskFormat { Iso => "iso", Qcow2 => "qcow2", Raw => "raw", Vhd => "vhd", Zvhd => "zvhd", Zvhd2 => "zvhd2" }
);
wire_enum!(
    /// IMS `virtual_env_type`.
    VirtualEnv { DataImage => "DataImage", FusionCompute => "FusionCompute", Ironic => "Ironic" }
);
wire_enum!(
    /// `hw_firmware_type`.
    Firmware { Bios => "bios", Uefi => "uefi" }
);

/// Which virtualisation `__support_*` properties an image carries. The doc says the GPU and HANA
/// types never coexist with `__support_xen`/`__support_kvm`, and Infiniband never with Xen, so
/// these are alternatives rather than independent flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hypervisor {
    Unspecified,
    Kvm,
    Xen,
    KvmGpu,
    XenGpu,
    XenHana,
    KvmInfiniband,
}

impl Hypervisor {
    pub(crate) const ALL: &'static [Hypervisor] = &[
        Hypervisor::Unspecified,
        Hypervisor::Kvm,
        Hypervisor::Xen,
        Hypervisor::KvmGpu,
        Hypervisor::XenGpu,
        Hypervisor::XenHana,
        Hypervisor::KvmInfiniband,
    ];
}

/// Where an image came from; decides `__data_origin`, `__originalimagename`, `__backup_id`, `__root_origin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A public image published by the platform.
    Platform,
    /// Imported from an image file.
    File,
    /// Captured from a server.
    Server,
    /// Created from a cloud backup.
    Backup,
}

impl Origin {
    pub(crate) const ALL: &'static [Origin] = &[Origin::Platform, Origin::File, Origin::Server, Origin::Backup];
}

/// Boolean attributes, packed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Flags(u16);

impl Flags {
    pub(crate) const PROTECTED: Flags = Flags(1);
    pub(crate) const HIDDEN: Flags = Flags(1 << 1);
    pub(crate) const WHOLE_IMAGE: Flags = Flags(1 << 2);
    pub(crate) const REGISTERED: Flags = Flags(1 << 3);
    pub(crate) const LARGE_MEMORY: Flags = Flags(1 << 4);
    pub(crate) const DISK_INTENSIVE: Flags = Flags(1 << 5);
    pub(crate) const HIGH_PERFORMANCE: Flags = Flags(1 << 6);
    /// `__support_fc_inject` is "true" (the doc: then CloudInit injection is *not* supported).
    pub(crate) const FC_INJECT: Flags = Flags(1 << 7);
    pub(crate) const MARKET_READY: Flags = Flags(1 << 8);
    pub(crate) const OFF_SHELF: Flags = Flags(1 << 9);
    pub(crate) const MAX_RAM: Flags = Flags(1 << 10);
    pub(crate) const LAZY_LOADING: Flags = Flags(1 << 11);

    pub(crate) fn has(self, flag: Flags) -> bool {
        self.0 & flag.0 == flag.0
    }

    pub(crate) fn set(&mut self, flag: Flags, on: bool) {
        if on {
            self.0 |= flag.0;
        } else {
            self.0 &= !flag.0;
        }
    }
}

/// One image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Image {
    pub(crate) id: u128,
    /// Bytes; meaningful once the upload completed (see [`Image::size`]).
    pub(crate) size: u64,
    pub(crate) created: Secs,
    pub(crate) updated: Secs,
    /// Rank in the catalogue's sorted name table, so comparing ranks compares names.
    pub(crate) name: u32,
    pub(crate) min_ram: u32,
    pub(crate) min_disk: u16,
    pub(crate) flags: Flags,
    pub(crate) status: Status,
    pub(crate) visibility: Visibility,
    pub(crate) image_type: ImageType,
    pub(crate) member_status: Option<MemberStatus>,
    pub(crate) container_format: ContainerFormat,
    pub(crate) disk_format: DiskFormat,
    pub(crate) env: VirtualEnv,
    pub(crate) firmware: Firmware,
    pub(crate) hypervisor: Hypervisor,
    pub(crate) origin: Origin,
    /// Index into the catalogue's owners (0 = the platform, 1 = the calling project).
    pub(crate) owner: u8,
    /// Index into [`vocab::PROFILES`].
    pub(crate) profile: u8,
    /// Index into [`vocab::TAG_SETS`].
    pub(crate) tags: u8,
    /// Index into the catalogue's enterprise projects (0 = "0", the default project).
    pub(crate) enterprise_project: u8,
    /// Index into [`vocab::GPU_TYPES`]; meaningful for the GPU hypervisor kinds only.
    pub(crate) gpu: u8,
    /// Index into [`vocab::DESCRIPTIONS`].
    pub(crate) description: u8,
}

impl Image {
    pub(crate) fn profile(&self) -> &'static vocab::Profile {
        &vocab::PROFILES[usize::from(self.profile)]
    }

    pub(crate) fn tags(&self) -> &'static [&'static str] {
        vocab::TAG_SETS[usize::from(self.tags)]
    }

    /// Size as Glance shows it: none until an upload completed (queued, saving, killed).
    pub(crate) fn size(&self) -> Option<u64> {
        self.has_data().then_some(self.size)
    }

    /// Only formats whose virtual size Glance can inspect report one.
    pub(crate) fn virtual_size(&self) -> Option<u64> {
        match (self.status, self.disk_format) {
            (Status::Active, DiskFormat::Raw) => Some(self.size),
            (Status::Active, DiskFormat::Qcow2) => Some(self.size * 2),
            _ => None,
        }
    }

    /// Data was fully uploaded at some point, so checksums exist.
    pub(crate) fn has_data(&self) -> bool {
        matches!(self.status, Status::Active | Status::Deleted)
    }

    pub(crate) fn deleted(&self) -> bool {
        self.status == Status::Deleted
    }

    /// A stable per-image hash to derive unstored attributes from.
    pub(crate) fn salt(&self, which: u64) -> u64 {
        crate::rng::mix((self.id as u64) ^ ((self.id >> 64) as u64) ^ which.wrapping_mul(0x9E37))
    }

    pub(crate) fn gpu_type(&self) -> Option<&'static str> {
        matches!(self.hypervisor, Hypervisor::KvmGpu | Hypervisor::XenGpu).then(|| vocab::GPU_TYPES[usize::from(self.gpu)])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted<T>(all: &[T], wire: fn(&T) -> &'static str) -> bool {
        all.windows(2).all(|w| wire(&w[0]) < wire(&w[1]))
    }

    #[test]
    fn wire_enums_are_declared_in_byte_order() {
        assert!(sorted(Status::ALL, |v| v.as_str()));
        assert!(sorted(Visibility::ALL, |v| v.as_str()));
        assert!(sorted(ImageType::ALL, |v| v.as_str()));
        assert!(sorted(MemberStatus::ALL, |v| v.as_str()));
        assert!(sorted(ContainerFormat::ALL, |v| v.as_str()));
        assert!(sorted(DiskFormat::ALL, |v| v.as_str()));
        assert!(sorted(VirtualEnv::ALL, |v| v.as_str()));
        assert!(sorted(Firmware::ALL, |v| v.as_str()));
        assert!(sorted(Architecture::ALL, |v| v.as_str()));
        assert!(sorted(super::super::vocab::OsType::ALL, |v| v.as_str()));
    }

    #[test]
    fn wire_round_trip() {
        for s in Status::ALL {
            assert_eq!(Status::from_wire(s.as_str()), Some(*s));
        }
        assert_eq!(DiskFormat::from_wire("zvhd2"), Some(DiskFormat::Zvhd2));
        assert_eq!(DiskFormat::from_wire("ZVHD2"), None);
    }

    #[test]
    fn image_stays_compact() {
        assert!(std::mem::size_of::<Image>() <= 64, "{}", std::mem::size_of::<Image>());
    }

    #[test]
    fn flags_set_and_clear() {
        let mut f = Flags::default();
        f.set(Flags::HIDDEN, true);
        assert!(f.has(Flags::HIDDEN) && !f.has(Flags::PROTECTED));
        f.set(Flags::HIDDEN, false);
        assert!(!f.has(Flags::HIDDEN));
    }
}
