//! Selecting one page of a listing: filters, sort order, marker and limit over the catalogue.
//!
//! The common case (one sort key) walks a pre-sorted index from the marker's position and stops
//! as soon as `limit` images matched, so a page costs O(log n + scanned) whatever the catalogue
//! size. Several sort keys walk an order of those keys that the catalogue builds on first use
//! and keeps; the unstable-ties defect, and filters pinned to a few ids or names, sort the
//! matches instead.

pub(crate) mod filter;
pub(crate) mod view;

use std::cmp::Ordering;

use crate::catalog::image::Image;
use crate::catalog::order::{Dir, SortKey};
use crate::catalog::{compare, compare_with_ties, parse_uuid, Catalog};
use filter::Filter;

/// Where the page starts relative to the marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum MarkerMode {
    /// Just after the marker (every upstream).
    #[default]
    After,
    /// A defect: at the marker, so it repeats as the first item.
    At,
    /// A defect: one further, so an image is never listed.
    SkipOne,
}

/// How ties are ordered from page to page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum TieOrder {
    /// Ties broken by created_at then id, in the key's direction, always.
    #[default]
    Stable,
    /// A defect: pages after the first break ties in the opposite direction.
    FlipAfterFirstPage,
}

/// Paging behaviour; the defaults are correct, faults change them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Paging {
    pub(crate) marker_mode: MarkerMode,
    pub(crate) ties: TieOrder,
    /// A defect: pages never run out (synthetic images after the real ones).
    pub(crate) endless: bool,
}

/// The image a page starts after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Marker {
    Image(u32),
    /// The n-th synthetic image of an endless listing.
    Synthetic(u64),
}

/// A parsed listing request, family-independent.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Listing {
    pub(crate) filters: Vec<Filter>,
    /// At least one key; ties beyond them are broken by created_at, then id.
    pub(crate) sort: Vec<(SortKey, Dir)>,
    pub(crate) marker: Option<Marker>,
    pub(crate) limit: usize,
    pub(crate) paging: Paging,
}

impl Listing {
    pub(crate) fn new(key: SortKey, dir: Dir, limit: usize) -> Listing {
        Listing { filters: Vec::new(), sort: vec![(key, dir)], marker: None, limit, paging: Paging::default() }
    }

    /// Complete a listing from a request: its filters, paging behaviour and `marker`. `Err`
    /// carries the marker text when it names no image, for the family to word its rejection.
    pub(crate) fn start_after<'t>(
        mut self,
        catalog: &Catalog,
        filters: Vec<Filter>,
        paging: Paging,
        marker: Option<&'t str>,
    ) -> Result<Listing, &'t str> {
        self.filters = filters;
        self.paging = paging;
        if let Some(text) = marker {
            let found = resolve_marker(catalog, text, paging.endless).ok_or(text)?;
            // An image the viewer may not see is no marker: as unknown as one that does not exist.
            if let (Marker::Image(index), Some(Filter::View(view))) = (found, self.filters.first()) {
                if !view.admits(catalog.image(index)) {
                    return Err(text);
                }
            }
            self.marker = Some(found);
        }
        Ok(self)
    }
}

/// The first 64 bits of synthetic ids (`e9d1e550-0000-4000-…`), the last 62 bits count.
const SYNTHETIC_HIGH: u64 = 0xe9d1_e550_0000_4000;
const SYNTHETIC_VARIANT: u64 = 0x8000_0000_0000_0000;

fn synthetic_id(n: u64) -> u128 {
    (u128::from(SYNTHETIC_HIGH) << 64) | u128::from(SYNTHETIC_VARIANT | n)
}

/// Resolves a marker id; synthetic ids only exist in endless listings.
pub(crate) fn resolve_marker(catalog: &Catalog, text: &str, endless: bool) -> Option<Marker> {
    let id = parse_uuid(text)?;
    if let Some(index) = catalog.find(id) {
        return Some(Marker::Image(index));
    }
    let (high, low) = ((id >> 64) as u64, id as u64);
    (endless && high == SYNTHETIC_HIGH && low & SYNTHETIC_VARIANT != 0).then_some(Marker::Synthetic(low & !SYNTHETIC_VARIANT))
}

/// Selects the page: at most `limit` images, in order.
pub(crate) fn select(catalog: &Catalog, listing: &Listing) -> Vec<Image> {
    let mut page = Vec::with_capacity(listing.limit.min(1024));
    let synthetic_from = match listing.marker {
        Some(Marker::Synthetic(n)) => Some(n + 1),
        _ => {
            let stable = listing.paging.ties == TieOrder::Stable;
            match narrowed(catalog, listing) {
                Some(candidates) => sort_matches(catalog, listing, candidates.iter().map(|i| catalog.image(*i)), &mut page),
                None if stable && listing.sort.len() == 1 => walk_index(catalog, listing, &mut page),
                None if stable => walk_composite(catalog, listing, &mut page),
                None => sort_matches(catalog, listing, catalog.images.iter(), &mut page),
            }
            listing.paging.endless.then_some(0)
        }
    };
    if let (Some(mut n), false) = (synthetic_from, catalog.images.is_empty()) {
        while page.len() < listing.limit {
            let mut image = catalog.images[(n % catalog.images.len() as u64) as usize];
            image.id = synthetic_id(n);
            page.push(image);
            n += 1;
        }
    }
    page
}

/// When an `id` or exact `name` filter pins the listing to a few images, those are the only
/// candidates: no need to walk an index that may hold a million others.
fn narrowed(catalog: &Catalog, listing: &Listing) -> Option<Vec<u32>> {
    listing
        .filters
        .iter()
        .filter_map(|filter| match filter {
            Filter::Id(ids) => Some(ids.iter().filter_map(|id| catalog.find(*id)).collect::<Vec<u32>>()),
            Filter::Name(filter::NameMatch::Ranks(ranks)) => {
                // The name order groups images by name: each rank is one contiguous run.
                let by_name = catalog.ascending(SortKey::Name);
                let rank_of = |i: &u32| catalog.image(*i).name;
                Some(
                    ranks
                        .iter()
                        .flat_map(|r| {
                            let from = by_name.partition_point(|i| rank_of(i) < *r);
                            let to = by_name.partition_point(|i| rank_of(i) <= *r);
                            by_name[from..to].iter().copied()
                        })
                        .collect(),
                )
            }
            _ => None,
        })
        .min_by_key(Vec::len)
}

/// The fast path: walk the key's pre-sorted order from the marker.
fn walk_index(catalog: &Catalog, listing: &Listing, page: &mut Vec<Image>) {
    let (key, dir) = listing.sort[0];
    let order = catalog.ascending(key);
    let n = order.len();
    let start = match listing.marker {
        None => 0,
        Some(Marker::Synthetic(_)) => return,
        Some(Marker::Image(index)) => {
            let ascending_pos = catalog.position(key, index);
            let rank = match dir {
                Dir::Asc => ascending_pos,
                Dir::Desc => n - 1 - ascending_pos,
            };
            match listing.paging.marker_mode {
                MarkerMode::After => rank + 1,
                MarkerMode::At => rank,
                MarkerMode::SkipOne => rank + 2,
            }
        }
    };
    for k in start..n {
        if page.len() >= listing.limit {
            break;
        }
        let index = match dir {
            Dir::Asc => order[k],
            Dir::Desc => order[n - 1 - k],
        };
        let image = catalog.image(index);
        if listing.filters.iter().all(|f| f.matches(catalog, image)) {
            page.push(*image);
        }
    }
}

/// Several sort keys: walk the catalogue's cached order of those keys from the marker, as the
/// one-key path walks its index (the first page of a new order sorts the catalogue once).
fn walk_composite(catalog: &Catalog, listing: &Listing, page: &mut Vec<Image>) {
    let order = catalog.composite(&listing.sort);
    let start = match listing.marker {
        None => 0,
        Some(Marker::Synthetic(_)) => return,
        Some(Marker::Image(index)) => {
            let marker = catalog.image(index);
            let before = |i: &u32| match listing.paging.marker_mode {
                MarkerMode::At => compare(&listing.sort, catalog.image(*i), marker).is_lt(),
                MarkerMode::After | MarkerMode::SkipOne => compare(&listing.sort, catalog.image(*i), marker).is_le(),
            };
            order.partition_point(before)
        }
    };
    // The skip-one defect drops the first match after the marker, as on the general path.
    let mut skip = usize::from(listing.marker.is_some() && listing.paging.marker_mode == MarkerMode::SkipOne);
    for index in &order[start..] {
        if page.len() >= listing.limit {
            break;
        }
        let image = catalog.image(*index);
        if listing.filters.iter().all(|f| f.matches(catalog, image)) {
            if skip > 0 {
                skip -= 1;
            } else {
                page.push(*image);
            }
        }
    }
}

/// The general path: keep the candidates that match and follow the marker, then select the
/// first `limit` of them in O(n) and sort only those.
fn sort_matches<'a>(catalog: &'a Catalog, listing: &Listing, candidates: impl Iterator<Item = &'a Image>, page: &mut Vec<Image>) {
    let flip = listing.paging.ties == TieOrder::FlipAfterFirstPage && listing.marker.is_some();
    let tie_dir = if flip { listing.sort[0].1.reversed() } else { listing.sort[0].1 };
    let compare = |a: &&Image, b: &&Image| -> Ordering { compare_with_ties(&listing.sort, tie_dir, a, b) };
    let marker = match listing.marker {
        Some(Marker::Image(index)) => Some(catalog.image(index)),
        _ => None,
    };
    let follows_marker = |image: &&Image| match marker {
        None => true,
        Some(m) if listing.paging.marker_mode == MarkerMode::At => compare(image, &m).is_ge(),
        Some(m) => compare(image, &m).is_gt(),
    };
    let mut matches: Vec<&Image> =
        candidates.filter(|image| listing.filters.iter().all(|f| f.matches(catalog, image))).filter(follows_marker).collect();
    let skip = usize::from(marker.is_some() && listing.paging.marker_mode == MarkerMode::SkipOne);
    let wanted = listing.limit + skip;
    if matches.len() > wanted {
        matches.select_nth_unstable_by(wanted, compare);
        matches.truncate(wanted);
    }
    matches.sort_unstable_by(compare);
    page.extend(matches.into_iter().skip(skip).take(listing.limit).copied());
}

#[cfg(test)]
mod tests {
    use super::filter::TimeField;
    use super::*;
    use crate::catalog::image::Status;
    use crate::time::{Clock, Cmp};

    fn catalog() -> Catalog {
        Catalog::build(300, 1)
    }

    /// The reference semantics, computed the slow obvious way.
    fn expected(c: &Catalog, listing: &Listing) -> Vec<u128> {
        let mut all: Vec<&Image> = c.images.iter().filter(|i| listing.filters.iter().all(|f| f.matches(c, i))).collect();
        let (key, dir) = listing.sort[0];
        all.sort_by(|a, b| dir.apply(key.compare(a, b)));
        let start = match listing.marker {
            Some(Marker::Image(m)) => {
                let marker = c.image(m);
                all.iter().position(|i| dir.apply(key.compare(i, marker)).is_gt()).unwrap_or(all.len())
            }
            _ => 0,
        };
        all.iter().skip(start).take(listing.limit).map(|i| i.id).collect()
    }

    fn ids(page: &[Image]) -> Vec<u128> {
        page.iter().map(|i| i.id).collect()
    }

    #[test]
    fn fast_path_matches_the_obvious_semantics_for_every_key_and_direction() {
        let c = catalog();
        for key in SortKey::ALL {
            for dir in [Dir::Asc, Dir::Desc] {
                let mut listing = Listing::new(key, dir, 7);
                listing.filters.push(Filter::Status(Status::Active.bit() | Status::Saving.bit()));
                assert_eq!(ids(&select(&c, &listing)), expected(&c, &listing), "{key:?} {dir:?}");
                // A marker that does not itself match the filters still positions the page.
                for marker in [0u32, 5, 299] {
                    listing.marker = Some(Marker::Image(marker));
                    assert_eq!(ids(&select(&c, &listing)), expected(&c, &listing), "{key:?} {dir:?} {marker}");
                }
            }
        }
    }

    #[test]
    fn slow_path_agrees_with_fast_path_for_one_key() {
        let c = catalog();
        let mut fast = Listing::new(SortKey::Name, Dir::Desc, 9);
        fast.marker = Some(Marker::Image(17));
        let mut slow = fast.clone();
        slow.sort.push((SortKey::Name, Dir::Desc)); // a repeated key forces the slow path
        assert_eq!(ids(&select(&c, &fast)), ids(&select(&c, &slow)));
    }

    #[test]
    fn paging_through_visits_every_match_once_in_order() {
        let c = catalog();
        for (key, dir) in [(SortKey::CreatedAt, Dir::Desc), (SortKey::Name, Dir::Asc), (SortKey::Size, Dir::Asc)] {
            let mut listing = Listing::new(key, dir, 25);
            let mut seen = Vec::new();
            loop {
                let page = select(&c, &listing);
                seen.extend(ids(&page));
                if page.len() < listing.limit {
                    break;
                }
                let last = c.find(page.last().unwrap().id).unwrap();
                listing.marker = Some(Marker::Image(last));
            }
            let mut all = ids(&c.images);
            assert_eq!(seen.len(), all.len());
            all.sort_unstable();
            let mut sorted_seen = seen.clone();
            sorted_seen.sort_unstable();
            assert_eq!(sorted_seen, all, "{key:?}");
        }
    }

    #[test]
    fn the_cached_order_of_several_keys_agrees_with_sorting_the_matches() {
        let c = catalog();
        let sorts = [
            vec![(SortKey::Status, Dir::Asc), (SortKey::Name, Dir::Desc)],
            vec![(SortKey::DiskFormat, Dir::Desc), (SortKey::Size, Dir::Asc), (SortKey::CreatedAt, Dir::Desc)],
            vec![(SortKey::ContainerFormat, Dir::Asc), (SortKey::UpdatedAt, Dir::Asc)],
        ];
        for sort in sorts {
            for filtered in [false, true] {
                for mode in [MarkerMode::After, MarkerMode::At, MarkerMode::SkipOne] {
                    for marker in [None, Some(0u32), Some(17), Some(299)] {
                        let mut listing = Listing::new(sort[0].0, sort[0].1, 11);
                        listing.sort = sort.clone();
                        listing.marker = marker.map(Marker::Image);
                        listing.paging.marker_mode = mode;
                        if filtered {
                            listing.filters.push(Filter::Status(Status::Active.bit()));
                        }
                        let mut general = Vec::new();
                        sort_matches(&c, &listing, c.images.iter(), &mut general);
                        let what = format!("{sort:?} filtered={filtered} {mode:?} marker={marker:?}");
                        assert_eq!(ids(&select(&c, &listing)), ids(&general), "{what}");
                    }
                }
            }
        }
    }

    #[test]
    fn marker_modes_shift_the_page_on_both_paths() {
        let c = catalog();
        let fast = Listing::new(SortKey::CreatedAt, Dir::Desc, 5);
        let mut slow = fast.clone();
        slow.sort.push((SortKey::CreatedAt, Dir::Desc)); // a repeated key forces the general path
        for mut listing in [fast, slow] {
            let first = ids(&select(&c, &listing));
            listing.marker = Some(Marker::Image(c.find(first[2]).unwrap()));
            let after = ids(&select(&c, &listing));
            assert_eq!(after[..2], first[3..]);
            listing.paging.marker_mode = MarkerMode::At;
            assert_eq!(ids(&select(&c, &listing))[0], first[2]);
            listing.paging.marker_mode = MarkerMode::SkipOne;
            assert_eq!(ids(&select(&c, &listing))[0], first[4]);
        }
    }

    #[test]
    fn flipped_ties_change_later_pages_only() {
        let c = catalog();
        let mut stable = Listing::new(SortKey::Status, Dir::Asc, 10);
        let mut flipped = stable.clone();
        flipped.paging.ties = TieOrder::FlipAfterFirstPage;
        assert_eq!(ids(&select(&c, &stable)), ids(&select(&c, &flipped)));
        let marker = Some(Marker::Image(c.find(select(&c, &stable)[9].id).unwrap()));
        stable.marker = marker;
        flipped.marker = marker;
        assert_ne!(ids(&select(&c, &stable)), ids(&select(&c, &flipped)));
    }

    #[test]
    fn endless_pages_are_full_and_resumable() {
        let c = Catalog::build(30, 1);
        let mut listing = Listing::new(SortKey::CreatedAt, Dir::Desc, 25);
        listing.paging.endless = true;
        listing.marker = Some(Marker::Image(c.find(c.images[0].id).unwrap()));
        let page = select(&c, &listing);
        assert_eq!(page.len(), 25);
        let last = crate::catalog::format_uuid(page.last().unwrap().id);
        let marker = resolve_marker(&c, &last, true).unwrap();
        assert!(matches!(marker, Marker::Synthetic(_)));
        assert_eq!(resolve_marker(&c, &last, false), None);
        listing.marker = Some(marker);
        let next = select(&c, &listing);
        assert_eq!(next.len(), 25);
        assert!(next.iter().all(|i| !page.iter().any(|p| p.id == i.id)));
    }

    #[test]
    fn narrowing_by_name_or_id_agrees_with_walking() {
        let c = catalog();
        let rank = c.name_rank("CentOS 7.3 64bit").unwrap();
        for (key, dir) in [(SortKey::CreatedAt, Dir::Desc), (SortKey::Size, Dir::Asc)] {
            let mut by_name = Listing::new(key, dir, 3);
            by_name.filters.push(Filter::Name(filter::NameMatch::Ranks(vec![rank])));
            assert!(narrowed(&c, &by_name).is_some());
            let first = ids(&select(&c, &by_name));
            assert_eq!(first, expected(&c, &by_name));
            by_name.marker = Some(Marker::Image(c.find(first[1]).unwrap()));
            assert_eq!(ids(&select(&c, &by_name)), expected(&c, &by_name));
            let mut by_id = Listing::new(key, dir, 10);
            by_id.filters.push(Filter::Id(vec![c.images[3].id, c.images[7].id, 42]));
            assert_eq!(ids(&select(&c, &by_id)), expected(&c, &by_id));
            assert_eq!(select(&c, &by_id).len(), 2);
        }
    }

    #[test]
    fn time_filter_with_marker() {
        let c = catalog();
        let mid = c.images[150].created;
        let mut listing = Listing::new(SortKey::CreatedAt, Dir::Asc, 1000);
        listing.filters.push(Filter::Time {
            field: TimeField::Created,
            cmp: Cmp::Gt,
            at: Clock::Seconds.micros(mid),
            clock: Clock::Seconds,
        });
        let page = select(&c, &listing);
        assert!(!page.is_empty());
        assert!(page.iter().all(|i| i.created > mid));
        assert_eq!(ids(&page), expected(&c, &listing));
    }
}
