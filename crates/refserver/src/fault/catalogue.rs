//! The fault catalogue: every named, realistic defect the server can be started with.

use super::defect::{Contract::*, Defect, NextLink, TimeStyle, Transport::*};
use super::value::Parameter;
use crate::api::family::Api::{self, *};

/// A catalogue entry: `api` is `None` for faults that apply to every endpoint.
pub(crate) struct Entry {
    pub(crate) name: &'static str,
    pub(crate) api: Option<Api>,
    pub(crate) injects: Injects,
    pub(crate) description: &'static str,
    /// Shows only on a server with tenancy (several projects and their tokens).
    pub(crate) needs_tenancy: bool,
}

/// What starting a server with an entry's name injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Injects {
    /// Always the same defect; the name takes no value.
    Fixed(Defect),
    /// The defect the value after `=` makes (`*.latency=100ms`).
    Valued(Parameter),
}

const fn contract(name: &'static str, api: Option<Api>, defect: super::defect::Contract, description: &'static str) -> Entry {
    Entry { name, api, injects: Injects::Fixed(Defect::Contract(defect)), description, needs_tenancy: false }
}

/// A contract fault that breaks the isolation of projects, so needs tenancy to show.
const fn isolation(name: &'static str, api: Api, defect: super::defect::Contract, description: &'static str) -> Entry {
    Entry { name, api: Some(api), injects: Injects::Fixed(Defect::Contract(defect)), description, needs_tenancy: true }
}

const fn transport(name: &'static str, defect: super::defect::Transport, description: &'static str) -> Entry {
    Entry { name, api: None, injects: Injects::Fixed(Defect::Transport(defect)), description, needs_tenancy: false }
}

const fn valued(name: &'static str, parameter: Parameter, description: &'static str) -> Entry {
    Entry { name, api: None, injects: Injects::Valued(parameter), description, needs_tenancy: false }
}

#[rustfmt::skip]
pub(crate) static ENTRIES: &[Entry] = &[
    // GET /v2/cloudimages
    contract("cloudimages.limit-off-by-one", Some(Cloudimages), LimitPlusOne,
        "Returns limit+1 images."),
    contract("cloudimages.default-limit-25", Some(Cloudimages), DefaultLimit(25),
        "Without `limit`, returns 25 images instead of the documented default of 500."),
    contract("cloudimages.marker-inclusive", Some(Cloudimages), MarkerInclusive,
        "The page starts at the marker image instead of after it, so the marker is listed twice."),
    contract("cloudimages.sort-dir-ignored", Some(Cloudimages), SortDirIgnored,
        "`sort_dir` is ignored; the order is always descending."),
    contract("cloudimages.name-prefix-match", Some(Cloudimages), NamePrefix,
        "`name` matches every image whose name starts with the value (documented: exact match)."),
    contract("cloudimages.time-ops-inverted", Some(Cloudimages), TimeOpsMirrored,
        "`created_at`/`updated_at` operators are mirrored: `gt` selects earlier images, `lt` later ones (the doc's example read literally)."),
    contract("cloudimages.space-time-local", Some(Cloudimages), SpaceTimeLocal,
        "A time filter in the doc's second layout (`gte:2020-01-01 08:00:00`) is read on the server's clock, UTC+8, instead of UTC."),
    contract("cloudimages.imagetype-filter-ignored", Some(Cloudimages), IgnoreParam("__imagetype"),
        "The `__imagetype` filter is ignored."),
    contract("cloudimages.tag-filter-ignored", Some(Cloudimages), IgnoreParam("tag"),
        "The `tag` filter is ignored."),
    contract("cloudimages.os-bit-number", Some(Cloudimages), OsBitNumber,
        "`__os_bit` is a JSON number (64) instead of a string (\"64\")."),
    contract("cloudimages.min-ram-string", Some(Cloudimages), MinRamString,
        "`min_ram` is a string (\"1024\") instead of an integer."),
    contract("cloudimages.status-missing", Some(Cloudimages), OmitField("status"),
        "Images lack the `status` field."),
    contract("cloudimages.wrapper-renamed", Some(Cloudimages), Wrapper("image"),
        "The list is wrapped in `image` instead of `images`."),
    contract("cloudimages.bad-request-500", Some(Cloudimages), ErrorStatus(500),
        "Invalid parameters (bad limit, unknown marker, bad sort key...) answer 500 instead of 400."),
    isolation("cloudimages.leak-private", Cloudimages, LeaksPrivate,
        "Other projects' private images are listed too (needs tenancy): the IMS listing's ownership check is lost, the other three listings keep it."),
    contract("cloudimages.unstable-tie-order", Some(Cloudimages), UnstableTies,
        "Images with equal sort values are ordered differently on pages after the first, so paging skips and repeats some."),
    // GET /v2.1/{project_id}/images/detail
    contract("nova.wrapper-image", Some(Nova), Wrapper("image"),
        "The list is wrapped in `image` (as in the doc's example) instead of `images`."),
    contract("nova.queued-shown-active", Some(Nova), QueuedShownActive,
        "Glance `queued` images are shown as ACTIVE instead of SAVING."),
    contract("nova.progress-always-100", Some(Nova), ProgressAlways100,
        "`progress` is 100 whatever the status (should be 25 queued, 50 saving, 100 active, else 0)."),
    contract("nova.timestamps-fractional", Some(Nova), Timestamps(TimeStyle::Micros),
        "`created`/`updated` look like 2014-02-10T17:05:01.123456 (no zone) instead of 2014-02-10T17:05:01Z."),
    contract("nova.min-ram-at-most", Some(Nova), MinRamAtMost,
        "`minRam` keeps images needing at most the value instead of at least."),
    contract("nova.min-ram-as-text", Some(Nova), MinRamAsText,
        "`minRam` compares the numbers as text: `minRam=512` leaves out images needing 1024 (\"1024\" < \"512\")."),
    contract("nova.changes-since-ignored", Some(Nova), IgnoreParam("changes-since"),
        "The `changes-since` filter is ignored."),
    contract("nova.status-filter-ignored", Some(Nova), IgnoreParam("status"),
        "The `status` filter is ignored."),
    contract("nova.changes-since-offset-ignored", Some(Nova), TimeOffsetIgnored,
        "`changes-since` with a UTC offset (`2020-01-01T05:30:00+05:30`) is read as if the clock time were UTC."),
    contract("nova.marker-skips-one", Some(Nova), MarkerSkipsOne,
        "The page starts two images after the marker, so one image per page boundary is never listed."),
    contract("nova.next-link-missing", Some(Nova), Next(NextLink::Missing),
        "`images_links` is missing although the page is full."),
    contract("nova.links-foreign-host", Some(Nova), LinkBase("http://nova-api.internal:8774"),
        "`self`, `bookmark` and next links name an internal host (http://nova-api.internal:8774) instead of the one the request went to."),
    contract("nova.invalid-limit-accepted", Some(Nova), ErrorAsEmptyList,
        "Invalid `limit` (0, negative, not an integer) and unknown markers answer 200 with an empty list instead of 400."),
    contract("nova.text-plain", Some(Nova), ContentType("text/plain; charset=utf-8"),
        "JSON bodies are served as `text/plain`."),
    contract("nova.hides-an-image", Some(Nova), HidesOneImage,
        "One image that Glance lists is never listed here (only another listing shows the gap)."),
    contract("nova.size-in-mib", Some(Nova), SizeRoundedToMib,
        "`OS-EXT-IMG-SIZE:size` is the size rounded to whole MiB (a count of MiB) instead of the byte count Glance has."),
    contract("nova.queued-active-everywhere", Some(Nova), QueuedActiveEverywhere,
        "Glance `queued` images are shown as ACTIVE, and `status=ACTIVE` selects them too: consistent here, wrong against Glance."),
    isolation("nova.project-unchecked", Nova, PathProjectTrusted,
        "`{project_id}` is not checked against the token's project (needs tenancy): the path's project is listed, so one project's token lists another's images."),
    isolation("nova.name-filter-leaks", Nova, ViewBypassedBy("name"),
        "With `name`, the listing searches the whole catalogue (needs tenancy): other projects' private images of that name are listed."),
    // GET /v1.1/images/detail
    contract("glance-v1.size-max-exclusive", Some(GlanceV1), SizeMaxExclusive,
        "`size_max` excludes images of exactly that size (documented: not larger than)."),
    contract("glance-v1.changes-since-uses-created", Some(GlanceV1), ChangesSinceOnCreated,
        "`changes-since` compares `created_at` instead of `updated_at`, so images changed after being created are missed."),
    contract("glance-v1.name-ignore-case", Some(GlanceV1), NameIgnoreCase,
        "`name` matches regardless of case."),
    contract("glance-v1.sort-key-ignored", Some(GlanceV1), SortKeyIgnored,
        "`sort_key` is ignored; images are always ordered by created_at."),
    contract("glance-v1.timestamps-with-zone", Some(GlanceV1), Timestamps(TimeStyle::Zulu),
        "Timestamps look like 2016-05-22T06:04:20Z instead of 2016-05-22T06:04:20.425843."),
    contract("glance-v1.is-public-string", Some(GlanceV1), IsPublicString,
        "`is_public` is a string (\"true\") instead of a boolean."),
    contract("glance-v1.deleted-missing", Some(GlanceV1), OmitField("deleted"),
        "Images lack the `deleted` field."),
    contract("glance-v1.bad-marker-empty", Some(GlanceV1), ErrorAsEmptyList,
        "Unknown markers and invalid parameters answer 200 with an empty list instead of 400."),
    contract("glance-v1.local-time-zone", Some(GlanceV1), LocalTimeZone,
        "Timestamps are the server's local time (UTC+8) written without a zone, so they read 8 hours late; `changes-since` is read on the same clock."),
    isolation("glance-v1.credentials-ignored", GlanceV1, CredentialsIgnored,
        "Answers requests without a token or with an unknown one (needs tenancy), listing what an administrator sees, as Glance's unauthenticated context does."),
    // GET /v2/images
    contract("glance.next-link-drops-params", Some(GlanceV2), Next(NextLink::DropsParams),
        "`next` keeps only the marker: filters, limit and sort are lost on page two."),
    contract("glance.next-link-drops-filters", Some(GlanceV2), Next(NextLink::DropsFilters),
        "`next` keeps `limit` and the sort but drops the filters: page two of a filtered listing is unfiltered."),
    contract("glance.later-pages-lack-status", Some(GlanceV2), OmitOnLaterPages("status"),
        "Images on pages after the first (asked with a marker) lack the `status` field; the first page is right."),
    contract("glance.first-link-keeps-marker", Some(GlanceV2), FirstKeepsMarker,
        "`first` keeps the request's marker, so on page two it names page two instead of the first page."),
    contract("glance.next-link-loops", Some(GlanceV2), Next(NextLink::LoopsToFirst),
        "`next` points back at the first page."),
    contract("glance.tag-any-of", Some(GlanceV2), TagsAnyOf,
        "Repeated `tag` filters match images having any of the tags instead of all of them."),
    contract("glance.visibility-filter-ignored", Some(GlanceV2), IgnoreParam("visibility"),
        "The `visibility` filter is ignored."),
    contract("glance.null-id", Some(GlanceV2), NullId,
        "Images have `\"id\": null`."),
    contract("glance.hidden-images-listed", Some(GlanceV2), HiddenListed,
        "Images with `os_hidden` true are listed without `os_hidden=true`."),
    contract("glance.marker-inclusive", Some(GlanceV2), MarkerInclusive,
        "The page starts at the marker image instead of after it: the last image of a page repeats on the next."),
    contract("glance.size-min-exclusive", Some(GlanceV2), SizeMinExclusive,
        "`size_min` excludes images of exactly that size (should be inclusive)."),
    isolation("glance.pending-shared-listed", GlanceV2, PendingListed,
        "Shared images are listed to a member before it accepts them (needs tenancy): pending memberships count as accepted."),
    isolation("glance.owner-filter-leaks", GlanceV2, ViewBypassedBy("owner"),
        "With `owner`, the listing searches the whole catalogue (needs tenancy): that project's private images are listed to anyone who names it."),
    // Every endpoint
    contract("*.html-error-body", None, ErrorHtml,
        "Error bodies are HTML pages even where JSON is documented or was asked for with `Accept: application/json`."),
    transport("*.hang", Hang, "Accepts the request and never answers."),
    transport("*.trickle", Trickle, "Sends the correct response one byte per second."),
    transport("*.huge-body", HugeBody, "Answers 200 with a JSON body of about 300 MiB, streamed."),
    transport("*.not-json", NotJson, "Answers 200 with `Content-Type: application/json` and an HTML page."),
    transport("*.reset", Reset, "Resets the connection (TCP RST) after reading the request."),
    transport("*.redirect-loop", RedirectLoop, "Answers 302 redirecting to the very same URL."),
    transport("*.rate-limit", RateLimit, "Answers every request with 429 and `Retry-After: 1`."),
    transport("*.endless-pages", EndlessPages,
        "Pagination never ends: every page is full and carries a fresh marker (and next link) forever."),
    valued("*.latency", Parameter::Delay,
        "Every answer comes DURATION late (e.g. `*.latency=100ms`); other requests are served meanwhile."),
    valued("*.rate", Parameter::PerSecond,
        "Serves N requests a second over the whole server (bursts up to N); beyond that answers 429 with `Retry-After` in whole seconds."),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_prefixed_by_their_scope() {
        let mut names: Vec<&str> = ENTRIES.iter().map(|e| e.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ENTRIES.len());
        for e in ENTRIES {
            let prefix = e.api.map_or("*", Api::fault_prefix);
            assert_eq!(e.name.split_once('.').map(|p| p.0), Some(prefix), "{}", e.name);
        }
    }

    #[test]
    fn enough_contract_faults_on_every_endpoint() {
        let contract = ENTRIES.iter().filter(|e| matches!(e.injects, Injects::Fixed(Defect::Contract(_)))).count();
        assert!(contract >= 25);
        for api in Api::ALL {
            assert!(ENTRIES.iter().filter(|e| e.api == Some(api)).count() >= 5, "{api:?}");
        }
        let transport = ENTRIES.iter().filter(|e| matches!(e.injects, Injects::Fixed(Defect::Transport(_)))).count();
        assert_eq!(transport, 8);
        let valued = ENTRIES.iter().filter(|e| matches!(e.injects, Injects::Valued(_))).count();
        assert_eq!(valued, 2);
    }
}
