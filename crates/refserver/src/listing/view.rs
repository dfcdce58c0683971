//! Who may see which image: Glance's visibility model, per viewer.
//!
//! Without tenancy the server lists the whole catalogue with the calling project's member
//! statuses, as it always has ([`Viewer::Unrestricted`]). With tenancy each request is listed
//! for one project or an administrator, through a [`View`] that every listing puts first among
//! its filters, so that each filter, sort order and page works on what the viewer may see.
//!
//! The rules, from Glance's api-ref (List images, `visibility` and `member_status`) and its
//! image visibility model, which the IMS listing (doc 004) follows:
//! - public images are listed to everyone;
//! - a project's own images (private, shared, community) are listed to it;
//! - a private image of another project is never listed;
//! - a shared image of another project is listed to a member, as its member status allows:
//!   accepted unless `member_status` asks for others;
//! - community images of other projects only when a `visibility` is asked for;
//! - an administrator lists every image (but community images, as above).

use crate::catalog::image::{Image, MemberStatus, Visibility};

/// The owner index of the calling project of a server without tenancy (alice's with it).
pub(crate) const CALLER: u8 = 1;

/// The identity a listing is computed for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Viewer {
    /// Tenancy off: every image of the catalogue, with the calling project's (owner 1's)
    /// member statuses, as the server has always answered.
    Unrestricted,
    /// A project, by its owner index in the catalogue.
    Project(u8),
    /// An administrator.
    Admin,
}

/// A project's membership of an image: `None` unless the image is shared by another project
/// with it. The calling project's memberships are stored with the image; every other
/// project's are derived, so that each project is a member of shared images of others in
/// every status without making an image larger: of an image the calling project is a member
/// of, the next status after the caller's (the generator cycles the caller's statuses, so
/// these cycle too); of the calling project's own shared images, one drawn from the id.
pub(crate) fn member_status(image: &Image, project: u8) -> Option<MemberStatus> {
    if image.visibility != Visibility::Shared || image.owner == project {
        return None;
    }
    if project == CALLER {
        return image.member_status;
    }
    const CYCLE: [MemberStatus; 3] = [MemberStatus::Accepted, MemberStatus::Pending, MemberStatus::Rejected];
    match image.member_status {
        Some(callers) => {
            let at = CYCLE.iter().position(|m| *m == callers).unwrap_or(0);
            Some(CYCLE[(at + usize::from(project)) % CYCLE.len()])
        }
        // A quarter of the caller's shared images are not shared with this project at all.
        None => [None, Some(MemberStatus::Pending), Some(MemberStatus::Accepted), Some(MemberStatus::Rejected)]
            [(image.salt(0x6d65_6d62 ^ u64::from(project)) % 4) as usize],
    }
}

/// Isolation defects: what a view lets through that it should not (nothing, by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Leaks {
    /// Other projects' private images.
    pub(crate) private: bool,
    /// Shared images whose membership is pending, listed as if accepted.
    pub(crate) pending: bool,
}

/// What a listing request shows its viewer besides its filters: the viewer, and the parts of
/// the query that widen what the viewer may see.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct View {
    viewer: Viewer,
    /// The member statuses of shared images listed to a member (bits of `MemberStatus::bit`).
    members: u32,
    /// A `visibility` was asked for: community images of other projects may be listed.
    visibility_asked: bool,
    leaks: Leaks,
}

impl View {
    /// The view of a request with neither `visibility` nor `member_status`.
    pub(crate) fn of(viewer: Viewer) -> View {
        // Glance's member_status: "Default is accepted."
        View { viewer, members: MemberStatus::Accepted.bit(), visibility_asked: false, leaks: Leaks::default() }
    }

    /// The same view, bent by isolation defects.
    pub(crate) fn leaking(mut self, leaks: Leaks) -> View {
        if leaks.pending && self.members == MemberStatus::Accepted.bit() {
            self.members |= MemberStatus::Pending.bit();
        }
        self.leaks = leaks;
        self
    }

    /// Whether this view restricts anything (tenancy is on).
    pub(crate) fn restricts(&self) -> bool {
        self.viewer != Viewer::Unrestricted
    }

    /// `member_status=...`: which shared images of others a member lists.
    pub(crate) fn with_members(mut self, members: u32) -> View {
        self.members = members;
        self
    }

    /// A `visibility` parameter was given (any value, `all` too).
    pub(crate) fn with_visibility_asked(mut self) -> View {
        self.visibility_asked = true;
        self
    }

    /// Whether the viewer may see the image in this listing.
    pub(crate) fn admits(&self, image: &Image) -> bool {
        let project = match self.viewer {
            Viewer::Unrestricted => return true,
            // "Without a visibility, community images are listed only to their owner" (Glance's
            // listing); the platform project that admins belong to owns none.
            Viewer::Admin => return image.visibility != Visibility::Community || self.visibility_asked,
            Viewer::Project(project) => project,
        };
        if image.owner == project {
            return true;
        }
        match image.visibility {
            Visibility::Public => true,
            Visibility::Community => self.visibility_asked,
            // "A private image is seen by its owner project only."
            Visibility::Private => self.leaks.private,
            // member_status: "Filters the response by a member status ... Default is accepted."
            Visibility::Shared => member_status(image, project).is_some_and(|m| self.members & m.bit() != 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    const ALICE: u8 = CALLER;
    const BOB: u8 = 2;

    fn catalog() -> Catalog {
        Catalog::build(300, 1)
    }

    fn listed(c: &Catalog, view: View) -> Vec<&Image> {
        c.images.iter().filter(|i| view.admits(i)).collect()
    }

    fn all_members() -> u32 {
        MemberStatus::ALL.iter().fold(0, |s, m| s | m.bit())
    }

    #[test]
    fn public_images_are_listed_to_everyone() {
        let c = catalog();
        for viewer in [Viewer::Project(ALICE), Viewer::Project(BOB), Viewer::Project(4), Viewer::Admin] {
            let shown = listed(&c, View::of(viewer));
            let public = c.images.iter().filter(|i| i.visibility == Visibility::Public).count();
            assert_eq!(shown.iter().filter(|i| i.visibility == Visibility::Public).count(), public, "{viewer:?}");
        }
    }

    #[test]
    fn private_images_are_listed_to_their_owner_only() {
        let c = catalog();
        for project in [ALICE, BOB] {
            let own = c.images.iter().filter(|i| i.visibility == Visibility::Private && i.owner == project).count();
            assert!(own > 0, "project {project} owns private images");
            let shown = listed(&c, View::of(Viewer::Project(project)).with_visibility_asked().with_members(all_members()));
            let private: Vec<_> = shown.iter().filter(|i| i.visibility == Visibility::Private).collect();
            assert_eq!(private.len(), own);
            assert!(private.iter().all(|i| i.owner == project));
        }
    }

    #[test]
    fn shared_images_are_listed_to_members_as_their_status_allows() {
        let c = catalog();
        for project in [ALICE, BOB] {
            for status in MemberStatus::ALL {
                let theirs = c.images.iter().filter(|i| member_status(i, project) == Some(*status)).count();
                assert!(theirs > 0, "project {project} has {status:?} shared images of others");
                let view = View::of(Viewer::Project(project)).with_members(status.bit());
                let shown: Vec<_> =
                    listed(&c, view).into_iter().filter(|i| i.visibility == Visibility::Shared && i.owner != project).collect();
                assert_eq!(shown.len(), theirs, "{project} {status:?}");
            }
            // By default only accepted ones.
            let default = listed(&c, View::of(Viewer::Project(project)));
            assert!(default
                .iter()
                .filter(|i| i.owner != project && i.visibility == Visibility::Shared)
                .all(|i| member_status(i, project) == Some(MemberStatus::Accepted)));
        }
    }

    #[test]
    fn shared_images_are_listed_to_their_owner_whatever_the_member_status() {
        let c = catalog();
        let own_shared = c.images.iter().filter(|i| i.visibility == Visibility::Shared && i.owner == BOB).count();
        assert!(own_shared > 0);
        for members in [0, MemberStatus::Pending.bit(), all_members()] {
            let view = View::of(Viewer::Project(BOB)).with_members(members);
            assert_eq!(listed(&c, view).iter().filter(|i| i.visibility == Visibility::Shared && i.owner == BOB).count(), own_shared);
        }
    }

    #[test]
    fn shared_images_of_others_are_never_listed_to_a_non_member() {
        let c = catalog();
        let view = View::of(Viewer::Project(BOB)).with_members(all_members());
        for image in listed(&c, view) {
            if image.visibility == Visibility::Shared && image.owner != BOB {
                assert!(member_status(image, BOB).is_some());
            }
        }
        assert!(c.images.iter().any(|i| i.visibility == Visibility::Shared && i.owner != BOB && member_status(i, BOB).is_none()));
    }

    #[test]
    fn community_images_of_others_only_when_a_visibility_is_asked_for() {
        let c = catalog();
        let community =
            |view| listed(&c, view).iter().filter(|i| i.visibility == Visibility::Community).map(|i| i.owner).collect::<Vec<_>>();
        let by_default = community(View::of(Viewer::Project(BOB)));
        assert!(!by_default.is_empty() && by_default.iter().all(|o| *o == BOB), "bob's own community images only");
        let asked = community(View::of(Viewer::Project(BOB)).with_visibility_asked());
        assert!(asked.iter().any(|o| *o != BOB));
        assert_eq!(asked.len(), c.images.iter().filter(|i| i.visibility == Visibility::Community).count());
        assert!(community(View::of(Viewer::Admin)).is_empty());
    }

    #[test]
    fn an_administrator_lists_every_image() {
        let c = catalog();
        let all = listed(&c, View::of(Viewer::Admin).with_visibility_asked());
        assert_eq!(all.len(), c.images.len());
        let default = listed(&c, View::of(Viewer::Admin));
        assert_eq!(default.len(), c.images.iter().filter(|i| i.visibility != Visibility::Community).count());
    }

    #[test]
    fn without_tenancy_the_whole_catalogue_with_the_callers_statuses() {
        let c = catalog();
        assert_eq!(listed(&c, View::of(Viewer::Unrestricted)).len(), c.images.len());
        assert!(!View::of(Viewer::Unrestricted).restricts());
        for image in &c.images {
            assert_eq!(member_status(image, CALLER), image.member_status);
        }
    }

    #[test]
    fn alice_and_bob_each_hold_private_images_the_other_cannot_see() {
        let c = catalog();
        let (alice, bob) = (listed(&c, View::of(Viewer::Project(ALICE))), listed(&c, View::of(Viewer::Project(BOB))));
        let private_of = |list: &[&Image], owner| list.iter().filter(|i| i.visibility == Visibility::Private && i.owner == owner).count();
        assert!(private_of(&alice, ALICE) > 0 && private_of(&bob, BOB) > 0);
        assert_eq!(private_of(&alice, BOB), 0);
        assert_eq!(private_of(&bob, ALICE), 0);
    }
}
