//! Pre-sorted indexes: one ascending order of image indices per sort key, built once.
//!
//! Every order is total: ties on the key are broken by `created_at`, then by `id`, in the same
//! direction as the key (Glance's rule: it appends `created_at` and `id` to the sort keys with
//! the first key's direction). A descending listing is therefore the ascending order walked
//! backwards, and no request ever sorts or copies the catalogue.

use std::cmp::Ordering;

use super::image::Image;

/// A key the listings can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SortKey {
    Name,
    Status,
    ContainerFormat,
    DiskFormat,
    Size,
    Id,
    CreatedAt,
    UpdatedAt,
}

impl SortKey {
    pub(crate) const ALL: [SortKey; 8] = [
        SortKey::Name,
        SortKey::Status,
        SortKey::ContainerFormat,
        SortKey::DiskFormat,
        SortKey::Size,
        SortKey::Id,
        SortKey::CreatedAt,
        SortKey::UpdatedAt,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::ContainerFormat => "container_format",
            SortKey::DiskFormat => "disk_format",
            SortKey::Size => "size",
            SortKey::Id => "id",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }

    pub(crate) fn from_wire(text: &str) -> Option<SortKey> {
        SortKey::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// The key's value as an integer that orders like the rendered value. Null sizes sort first,
    /// as in MySQL, which backs the upstreams.
    fn primary(self, image: &Image) -> u64 {
        match self {
            SortKey::Name => u64::from(image.name),
            SortKey::Status => image.status as u64,
            SortKey::ContainerFormat => image.container_format as u64,
            SortKey::DiskFormat => image.disk_format as u64,
            SortKey::Size => image.size().map_or(0, |s| s + 1),
            SortKey::Id => 0,
            SortKey::CreatedAt => u64::from(image.created),
            SortKey::UpdatedAt => u64::from(image.updated),
        }
    }

    /// The total order of this key: key, then `created_at`, then `id`, all ascending.
    pub(crate) fn compare(self, a: &Image, b: &Image) -> Ordering {
        match self {
            SortKey::Id => a.id.cmp(&b.id),
            _ => (self.primary(a), a.created, a.id).cmp(&(self.primary(b), b.created, b.id)),
        }
    }

    /// Compares only the key itself (ties are possible).
    pub(crate) fn compare_primary(self, a: &Image, b: &Image) -> Ordering {
        match self {
            SortKey::Id => a.id.cmp(&b.id),
            _ => self.primary(a).cmp(&self.primary(b)),
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Dir {
    Asc,
    Desc,
}

impl Dir {
    pub(crate) fn from_wire(text: &str) -> Option<Dir> {
        match text {
            "asc" => Some(Dir::Asc),
            "desc" => Some(Dir::Desc),
            _ => None,
        }
    }

    pub(crate) fn reversed(self) -> Dir {
        match self {
            Dir::Asc => Dir::Desc,
            Dir::Desc => Dir::Asc,
        }
    }

    pub(crate) fn apply(self, ordering: Ordering) -> Ordering {
        match self {
            Dir::Asc => ordering,
            Dir::Desc => ordering.reverse(),
        }
    }
}

/// The ascending orders of all sort keys.
pub(crate) struct Orders {
    by_key: Vec<Vec<u32>>,
}

impl Orders {
    /// Sorts packed `(key, created_at, id rank)` integers rather than calling a comparator
    /// through the image array: at a million images that is the difference between a few hundred
    /// milliseconds and several seconds.
    pub(crate) fn build(images: &[Image]) -> Orders {
        let mut by_id: Vec<u32> = (0..images.len() as u32).collect();
        by_id.sort_unstable_by_key(|i| images[*i as usize].id);
        let mut id_rank = vec![0u32; images.len()];
        for (rank, index) in by_id.iter().enumerate() {
            id_rank[*index as usize] = rank as u32;
        }
        let build_one = |key: SortKey| -> Vec<u32> {
            if key == SortKey::Id {
                return by_id.clone();
            }
            let mut packed: Vec<(u128, u32)> = images
                .iter()
                .enumerate()
                .map(|(i, image)| {
                    let created_and_id = (u64::from(image.created) << 32) | u64::from(id_rank[i]);
                    ((u128::from(key.primary(image)) << 64) | u128::from(created_and_id), i as u32)
                })
                .collect();
            packed.sort_unstable_by_key(|p| p.0);
            packed.into_iter().map(|(_, i)| i).collect()
        };
        // Two halves on two threads: startup at a million images stays in the seconds.
        let (first, second) = SortKey::ALL.split_at(SortKey::ALL.len() / 2);
        let by_key = std::thread::scope(|scope| {
            let other = scope.spawn(|| second.iter().map(|k| build_one(*k)).collect::<Vec<_>>());
            let mut orders: Vec<Vec<u32>> = first.iter().map(|k| build_one(*k)).collect();
            orders.extend(other.join().expect("index thread panicked"));
            orders
        });
        Orders { by_key }
    }

    pub(crate) fn ascending(&self, key: SortKey) -> &[u32] {
        &self.by_key[key as usize]
    }

    /// The index of the image with this id.
    pub(crate) fn find(&self, images: &[Image], id: u128) -> Option<u32> {
        let by_id = self.ascending(SortKey::Id);
        by_id.binary_search_by(|i| images[*i as usize].id.cmp(&id)).ok().map(|pos| by_id[pos])
    }

    /// Where an image sits in a key's ascending order.
    pub(crate) fn position(&self, images: &[Image], key: SortKey, index: u32) -> usize {
        let target = &images[index as usize];
        self.ascending(key).binary_search_by(|i| key.compare(&images[*i as usize], target)).expect("every image is in every order")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::generate::generate;

    #[test]
    fn every_order_is_sorted_by_key_then_created_then_id() {
        let images = generate(400, 3).images;
        let orders = Orders::build(&images);
        for key in SortKey::ALL {
            let order = orders.ascending(key);
            assert_eq!(order.len(), images.len());
            for w in order.windows(2) {
                let (a, b) = (&images[w[0] as usize], &images[w[1] as usize]);
                assert_eq!(key.compare(a, b), Ordering::Less, "{key:?}");
            }
        }
    }

    #[test]
    fn ties_exist_so_tie_breaks_matter() {
        let images = generate(300, 1).images;
        let orders = Orders::build(&images);
        for key in [SortKey::Name, SortKey::CreatedAt, SortKey::Status, SortKey::Size] {
            let order = orders.ascending(key);
            assert!(
                order.windows(2).any(|w| key.compare_primary(&images[w[0] as usize], &images[w[1] as usize]).is_eq()),
                "{key:?} has no ties"
            );
        }
    }

    #[test]
    fn find_and_position_agree_with_the_orders() {
        let images = generate(250, 9).images;
        let orders = Orders::build(&images);
        for (index, image) in images.iter().enumerate() {
            assert_eq!(orders.find(&images, image.id), Some(index as u32));
            for key in SortKey::ALL {
                let pos = orders.position(&images, key, index as u32);
                assert_eq!(orders.ascending(key)[pos], index as u32);
            }
        }
        assert_eq!(orders.find(&images, 12345), None);
    }

    #[test]
    fn null_sizes_sort_first() {
        let images = generate(300, 1).images;
        let orders = Orders::build(&images);
        let first = &images[orders.ascending(SortKey::Size)[0] as usize];
        assert_eq!(first.size(), None);
    }

    #[test]
    fn sort_keys_round_trip() {
        for key in SortKey::ALL {
            assert_eq!(SortKey::from_wire(key.as_str()), Some(key));
        }
        assert_eq!(SortKey::from_wire("create_at"), None);
        assert_eq!(Dir::from_wire("desc"), Some(Dir::Desc));
        assert_eq!(Dir::Asc.reversed(), Dir::Desc);
    }
}
