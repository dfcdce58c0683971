//! The fixed vocabularies images draw from: OS profiles, names, tags, flavours, GPU types.
//!
//! Values follow the IMS doc's enumerations so that every documented value of every filterable
//! field occurs in a default-sized catalogue.

wire_enum!(
    /// `architecture` (IMS filter) and the source of `__support_arm`.
    Architecture { Arm => "arm", X86 => "x86" }
);
wire_enum!(
    /// `__os_type`.
    OsType { Linux => "Linux", Other => "Other", Windows => "Windows" }
);

/// An operating-system profile: the `__platform`, `__os_type`, `__os_version`, `__os_bit` and
/// architecture that belong together.
#[derive(Debug)]
pub(crate) struct Profile {
    pub(crate) platform: &'static str,
    pub(crate) os_type: OsType,
    pub(crate) os_version: &'static str,
    pub(crate) os_bit: &'static str,
    pub(crate) arch: Architecture,
}

const fn profile(platform: &'static str, os_type: OsType, os_version: &'static str, os_bit: &'static str, arch: Architecture) -> Profile {
    Profile { platform, os_type, os_version, os_bit, arch }
}

use Architecture::{Arm, X86};
use OsType::{Linux, Other, Windows};

/// Covers all twelve `__platform` values of the doc, both bitnesses, all OS types, both architectures.
pub(crate) static PROFILES: &[Profile] = &[
    profile("CentOS", Linux, "CentOS 7.3 64bit", "64", X86),
    profile("Ubuntu", Linux, "Ubuntu 18.04 server 64bit", "64", X86),
    profile("Windows", Windows, "Windows Server 2019 Datacenter 64bit English", "64", X86),
    profile("RedHat", Linux, "Red Hat Linux Enterprise 7.4 64bit", "64", X86),
    profile("SUSE", Linux, "SUSE Linux Enterprise Server 12 SP3 64bit", "64", X86),
    profile("Debian", Linux, "Debian GNU/Linux 9.0.0 64bit", "64", X86),
    profile("OpenSUSE", Linux, "OpenSUSE 15.0 64bit", "64", X86),
    profile("Oracle Linux", Linux, "Oracle Linux Server release 7.4 64bit", "64", X86),
    profile("Fedora", Linux, "Fedora 28 64bit", "64", X86),
    profile("Other", Other, "Other Linux(64 bit)", "64", X86),
    profile("CoreOS", Linux, "CoreOS 1688.5.3 64bit", "64", X86),
    profile("EulerOS", Linux, "EulerOS 2.2 64bit", "64", X86),
    profile("Ubuntu", Linux, "Ubuntu 16.04 server 32bit", "32", X86),
    profile("Windows", Windows, "Windows 7 Enterprise 32bit", "32", X86),
    profile("CentOS", Linux, "CentOS 7.6 64bit with ARM", "64", Arm),
    profile("EulerOS", Linux, "EulerOS 2.8 64bit with ARM", "64", Arm),
];

/// Names besides the OS versions: variants that duplicate a gold name's prefix, and names that
/// need percent-encoding (space, `+`, `&`, non-ASCII).
pub(crate) static EXTRA_NAMES: &[&str] =
    &["CentOS 7.3 64bit vivado", "CentOS 7.3 64bit with sdx", "数据盘镜像", "db+cache", "etl & reports"];

/// Prefixes of user image names `prefix-NNNNN`; the number range is small relative to the
/// catalogue so that names repeat.
pub(crate) static NAME_PREFIXES: &[&str] = &["app-base", "ci-runner", "data-disk", "db-snapshot", "web-frontend"];

/// Tag lists; IMS tags are `key=value` strings.
pub(crate) static TAG_SETS: &[&[&str]] =
    &[&[], &["env=prod"], &["env=test"], &["env=prod", "team=web"], &["team=db"], &["env=test", "team=web", "tier=gold"]];

/// GPU types for `__support_kvm_gpu_type` / `__support_xen_gpu_type`.
pub(crate) static GPU_TYPES: &[&str] = &["M60_vGPU", "P100", "T4", "V100_vGPU"];

/// `__description` values.
pub(crate) static DESCRIPTIONS: &[&str] = &["", "Public image maintained by the platform", "Golden base for the web tier", "Nightly build"];

/// A server flavour for the IMS `flavor_id` filter: which public images can boot on it.
#[derive(Debug)]
pub(crate) struct Flavor {
    pub(crate) id: &'static str,
    pub(crate) ram_mb: u32,
    pub(crate) arch: Architecture,
    pub(crate) gpu: bool,
}

pub(crate) static FLAVORS: &[Flavor] = &[
    Flavor { id: "s6.small.1", ram_mb: 1024, arch: X86, gpu: false },
    Flavor { id: "s6.large.2", ram_mb: 4096, arch: X86, gpu: false },
    Flavor { id: "c7.xlarge.4", ram_mb: 16384, arch: X86, gpu: false },
    Flavor { id: "m6.2xlarge.8", ram_mb: 65536, arch: X86, gpu: false },
    Flavor { id: "kc1.large.2", ram_mb: 4096, arch: Arm, gpu: false },
    Flavor { id: "p2s.2xlarge.8", ram_mb: 65536, arch: X86, gpu: true },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_cover_every_documented_platform() {
        for platform in
            ["Windows", "Ubuntu", "RedHat", "SUSE", "CentOS", "Debian", "OpenSUSE", "Oracle Linux", "Fedora", "Other", "CoreOS", "EulerOS"]
        {
            assert!(PROFILES.iter().any(|p| p.platform == platform), "{platform}");
        }
        for t in OsType::ALL {
            assert!(PROFILES.iter().any(|p| p.os_type == *t));
        }
        for a in Architecture::ALL {
            assert!(PROFILES.iter().any(|p| p.arch == *a));
        }
        assert!(PROFILES.iter().any(|p| p.os_bit == "32"));
    }

    #[test]
    fn tags_are_key_value() {
        assert!(TAG_SETS.iter().flat_map(|s| s.iter()).all(|t| t.contains('=')));
    }
}
