//! How one endpoint behaves: correct by default, bent by the contract defects it was started with.
//!
//! This is the single place where contract defects are matched; the stages of the pipeline
//! (parse, page, render, link, reject) only read the resulting settings.

use super::defect::{Contract, Defect, NextLink, TimeStyle, Transport};
use crate::listing::view::Leaks;
use crate::listing::{MarkerMode, Paging, TieOrder};

/// How the `name` filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum NameMode {
    #[default]
    Exact,
    Prefix,
    IgnoreCase,
}

/// The local zone of a server that writes local time: UTC+8 (where the IMS regions' clocks run).
pub(crate) const LOCAL_ZONE: u32 = 8 * 3600;

/// Settings for interpreting a request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Reading {
    pub(crate) limit_extra: usize,
    pub(crate) default_limit: Option<usize>,
    pub(crate) paging: Paging,
    pub(crate) sort_dir_ignored: bool,
    pub(crate) sort_key_ignored: bool,
    pub(crate) ignored_params: Vec<&'static str>,
    pub(crate) name_mode: NameMode,
    pub(crate) time_ops_mirrored: bool,
    pub(crate) min_ram_at_most: bool,
    pub(crate) min_ram_as_text: bool,
    pub(crate) size_min_exclusive: bool,
    pub(crate) size_max_exclusive: bool,
    pub(crate) changes_since_on_created: bool,
    pub(crate) tags_any_of: bool,
    pub(crate) hidden_listed: bool,
    pub(crate) hides_one_image: bool,
    /// `status=active` also selects queued images.
    pub(crate) active_includes_queued: bool,
    /// Seconds added to every timestamp read (the server's zone offset).
    pub(crate) zone_offset: u32,
    /// A time filter's UTC offset is dropped before reading.
    pub(crate) time_offset_ignored: bool,
    /// A time filter in the space layout is read in local time (UTC+8).
    pub(crate) space_time_local: bool,
    /// What the identity's view lets through that it should not.
    pub(crate) leaks: Leaks,
    /// With this query parameter, the view is not applied.
    pub(crate) view_bypassed_by: Option<&'static str>,
    /// Requests without a valid token are served, as an administrator's.
    pub(crate) credentials_ignored: bool,
    /// Nova lists the path's project instead of refusing one that is not the token's.
    pub(crate) path_project_trusted: bool,
}

impl Reading {
    pub(crate) fn ignores(&self, param: &str) -> bool {
        self.ignored_params.contains(&param)
    }
}

/// Settings for writing a page.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rendering {
    /// Replaces the `images` wrapper key.
    pub(crate) wrapper: Option<&'static str>,
    pub(crate) os_bit_number: bool,
    pub(crate) min_ram_string: bool,
    pub(crate) is_public_string: bool,
    pub(crate) null_id: bool,
    pub(crate) omit: Option<&'static str>,
    /// Left out of the images of pages asked with a marker.
    pub(crate) omit_later: Option<&'static str>,
    pub(crate) first_keeps_marker: bool,
    pub(crate) time_style: Option<TimeStyle>,
    pub(crate) queued_shown_active: bool,
    pub(crate) progress_always_100: bool,
    pub(crate) size_in_mib: bool,
    /// Queued images show the progress of an active one (100).
    pub(crate) queued_progress_done: bool,
    /// Seconds added to every timestamp written (the server's zone offset).
    pub(crate) zone_offset: u32,
    pub(crate) content_type: Option<&'static str>,
    pub(crate) next_link: Option<NextLink>,
    /// The base URL links are written with, instead of the server's own.
    pub(crate) link_base: Option<&'static str>,
}

impl Rendering {
    pub(crate) fn wrapper(&self) -> &'static str {
        self.wrapper.unwrap_or("images")
    }

    pub(crate) fn keeps(&self, field: &str) -> bool {
        self.omit != Some(field)
    }

    /// Whether `field` is written on a page; `later`: the page was asked with a marker.
    pub(crate) fn keeps_on(&self, field: &str, later: bool) -> bool {
        self.keeps(field) && !(later && self.omit_later == Some(field))
    }
}

/// Settings for answering an invalid request.
#[derive(Debug, Clone, Default)]
pub(crate) struct Rejecting {
    pub(crate) status: Option<u16>,
    pub(crate) as_empty_list: bool,
    pub(crate) html: bool,
}

/// Everything one endpoint does differently from the documented behaviour (nothing, by default).
#[derive(Debug, Clone, Default)]
pub(crate) struct Behaviour {
    pub(crate) reading: Reading,
    pub(crate) rendering: Rendering,
    pub(crate) rejecting: Rejecting,
}

impl Behaviour {
    pub(crate) fn new(defects: impl IntoIterator<Item = Defect>) -> Behaviour {
        let mut b = Behaviour::default();
        for defect in defects {
            b.apply(defect);
        }
        b
    }

    fn apply(&mut self, defect: Defect) {
        let (read, render, reject) = (&mut self.reading, &mut self.rendering, &mut self.rejecting);
        match defect {
            Defect::Contract(contract) => match contract {
                Contract::LimitPlusOne => read.limit_extra = 1,
                Contract::DefaultLimit(n) => read.default_limit = Some(n),
                Contract::MarkerInclusive => read.paging.marker_mode = MarkerMode::At,
                Contract::MarkerSkipsOne => read.paging.marker_mode = MarkerMode::SkipOne,
                Contract::UnstableTies => read.paging.ties = TieOrder::FlipAfterFirstPage,
                Contract::SortDirIgnored => read.sort_dir_ignored = true,
                Contract::SortKeyIgnored => read.sort_key_ignored = true,
                Contract::IgnoreParam(param) => read.ignored_params.push(param),
                Contract::NamePrefix => read.name_mode = NameMode::Prefix,
                Contract::NameIgnoreCase => read.name_mode = NameMode::IgnoreCase,
                Contract::TimeOpsMirrored => read.time_ops_mirrored = true,
                Contract::MinRamAtMost => read.min_ram_at_most = true,
                Contract::MinRamAsText => read.min_ram_as_text = true,
                Contract::SizeMinExclusive => read.size_min_exclusive = true,
                Contract::SizeMaxExclusive => read.size_max_exclusive = true,
                Contract::ChangesSinceOnCreated => read.changes_since_on_created = true,
                Contract::TagsAnyOf => read.tags_any_of = true,
                Contract::HiddenListed => read.hidden_listed = true,
                Contract::HidesOneImage => read.hides_one_image = true,
                Contract::QueuedActiveEverywhere => {
                    render.queued_shown_active = true;
                    render.queued_progress_done = true;
                    read.active_includes_queued = true;
                }
                Contract::LocalTimeZone => {
                    read.zone_offset = LOCAL_ZONE;
                    render.zone_offset = LOCAL_ZONE;
                }
                Contract::TimeOffsetIgnored => read.time_offset_ignored = true,
                Contract::SpaceTimeLocal => read.space_time_local = true,
                Contract::LeaksPrivate => read.leaks.private = true,
                Contract::PendingListed => read.leaks.pending = true,
                Contract::ViewBypassedBy(param) => read.view_bypassed_by = Some(param),
                Contract::CredentialsIgnored => read.credentials_ignored = true,
                Contract::PathProjectTrusted => read.path_project_trusted = true,
                Contract::SizeRoundedToMib => render.size_in_mib = true,
                Contract::Wrapper(key) => render.wrapper = Some(key),
                Contract::OsBitNumber => render.os_bit_number = true,
                Contract::MinRamString => render.min_ram_string = true,
                Contract::IsPublicString => render.is_public_string = true,
                Contract::NullId => render.null_id = true,
                Contract::OmitField(field) => render.omit = Some(field),
                Contract::OmitOnLaterPages(field) => render.omit_later = Some(field),
                Contract::FirstKeepsMarker => render.first_keeps_marker = true,
                Contract::Timestamps(style) => render.time_style = Some(style),
                Contract::QueuedShownActive => render.queued_shown_active = true,
                Contract::ProgressAlways100 => render.progress_always_100 = true,
                Contract::ContentType(ct) => render.content_type = Some(ct),
                Contract::Next(link) => render.next_link = Some(link),
                Contract::LinkBase(base) => render.link_base = Some(base),
                Contract::ErrorStatus(status) => reject.status = Some(status),
                Contract::ErrorAsEmptyList => reject.as_empty_list = true,
                Contract::ErrorHtml => reject.html = true,
            },
            Defect::Transport(Transport::EndlessPages) => read.paging.endless = true,
            // Acted on by the transport layer, before and after the endpoint runs.
            Defect::Transport(
                Transport::Hang
                | Transport::Trickle
                | Transport::HugeBody
                | Transport::NotJson
                | Transport::Reset
                | Transport::RedirectLoop
                | Transport::RateLimit
                | Transport::Latency(_)
                | Transport::Rate(_),
            ) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_the_documented_behaviour() {
        let b = Behaviour::new([]);
        assert_eq!(b.rendering.wrapper(), "images");
        assert!(b.rendering.keeps("status"));
        assert_eq!(b.reading.paging, Paging::default());
        assert!(!b.reading.ignores("status"));
    }

    #[test]
    fn defects_combine() {
        let b = Behaviour::new([
            Defect::Contract(Contract::IgnoreParam("status")),
            Defect::Contract(Contract::MarkerInclusive),
            Defect::Transport(Transport::EndlessPages),
            Defect::Transport(Transport::Hang),
        ]);
        assert!(b.reading.ignores("status"));
        assert_eq!(b.reading.paging.marker_mode, MarkerMode::At);
        assert!(b.reading.paging.endless);
    }
}
