//! What a fault does, as data: each stage of the request pipeline matches on these.

use std::num::NonZeroU32;
use std::time::Duration;

/// How a fault changes the wire format of timestamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimeStyle {
    /// `2018-09-06T14:03:27Z`.
    Zulu,
    /// `2016-05-22T06:04:20.425843`.
    Micros,
}

/// How a fault changes the next-page link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NextLink {
    /// Only `marker` survives; filters, limit and sort are lost.
    DropsParams,
    /// Points at the first page again.
    LoopsToFirst,
    /// Absent although the page is full.
    Missing,
    /// Keeps `limit` and the sort but drops the filters.
    DropsFilters,
}

/// A contract defect: the server answers, but not as documented.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Contract {
    // Interpreting the request.
    LimitPlusOne,
    DefaultLimit(usize),
    MarkerInclusive,
    MarkerSkipsOne,
    UnstableTies,
    SortDirIgnored,
    SortKeyIgnored,
    /// The named query parameter is silently ignored.
    IgnoreParam(&'static str),
    NamePrefix,
    NameIgnoreCase,
    TimeOpsMirrored,
    MinRamAtMost,
    /// `minRam` compares the digits as text, so 1024 is below 512.
    MinRamAsText,
    SizeMinExclusive,
    SizeMaxExclusive,
    ChangesSinceOnCreated,
    TagsAnyOf,
    HiddenListed,
    /// One image (the catalogue's first) is never listed.
    HidesOneImage,
    /// `queued` is shown as ACTIVE and the ACTIVE filter selects it: consistent within the listing.
    QueuedActiveEverywhere,
    /// A time filter's UTC offset (`+05:30`) is ignored: the clock time is read as UTC.
    TimeOffsetIgnored,
    /// A time filter's `yyyy-MM-dd hh:mm:ss` layout is read on the server's clock (UTC+8).
    SpaceTimeLocal,
    /// Timestamps are written (and `changes-since` read) in the server's local time, UTC+8,
    /// without a zone.
    LocalTimeZone,
    // Isolating projects (tenancy mode).
    /// Other projects' private images are listed too.
    LeaksPrivate,
    /// Shared images whose membership is pending are listed as if accepted.
    PendingListed,
    /// With this query parameter, the listing searches the whole catalogue instead of the
    /// identity's view.
    ViewBypassedBy(&'static str),
    /// Requests without a valid token are answered, as an administrator's.
    CredentialsIgnored,
    /// Nova's `{project_id}` is not checked against the token: the path's project is listed.
    PathProjectTrusted,
    // Rendering the page.
    Wrapper(&'static str),
    OsBitNumber,
    MinRamString,
    IsPublicString,
    NullId,
    OmitField(&'static str),
    /// The field is left out of the images of every page after the first (a marker was sent).
    OmitOnLaterPages(&'static str),
    /// `first` keeps the marker of the request, so it names the current page.
    FirstKeepsMarker,
    Timestamps(TimeStyle),
    QueuedShownActive,
    /// Sizes are rounded to whole MiB and written as a count of MiB.
    SizeRoundedToMib,
    ProgressAlways100,
    ContentType(&'static str),
    Next(NextLink),
    /// Links name this base URL instead of the one the request went to (an internal host name
    /// behind a proxy, as a Nova without `osapi_compute_link_prefix` does).
    LinkBase(&'static str),
    // Rejecting bad requests.
    ErrorStatus(u16),
    ErrorAsEmptyList,
    ErrorHtml,
}

/// A transport defect: the exchange itself misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Transport {
    Hang,
    Trickle,
    HugeBody,
    NotJson,
    Reset,
    RedirectLoop,
    RateLimit,
    EndlessPages,
    /// Every answer is this late (`*.latency=100ms`).
    Latency(Duration),
    /// At most this many requests a second over the whole server, the rest answered 429
    /// (`*.rate=10`).
    Rate(NonZeroU32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Defect {
    Contract(Contract),
    Transport(Transport),
}
