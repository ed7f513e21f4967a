//! Relay-style pagination shared by every list (GraphQL connections and REST pages): opaque offset
//! cursors, `first/after/last/before`, a hard cap on page size, and windowing in SQL or over a loaded list.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sea_orm::sea_query::Expr;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, QuerySelect, QueryTrait as _, Select};

use crate::error::{AppError, AppResult};
use crate::load::decode::{self, Decode};
use crate::load::reader::Reader;

/// Largest page a client may ask for.
pub const MAX_PAGE_SIZE: i32 = 100;
/// Page size when neither `first` nor `last` is given.
pub const DEFAULT_PAGE_SIZE: i32 = 20;

/// The four Relay arguments as a client sent them.
#[derive(Clone, Debug, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// One page of items, each with its position in the full ordered list.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<(u64, T)>,
    pub has_previous: bool,
    pub has_next: bool,
    /// The size of the full list, when it was asked for (or needed).
    pub total: Option<u64>,
}

impl<T> Page<T> {
    /// Maps the items, keeping their positions.
    pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self
                .items
                .into_iter()
                .map(|(at, item)| (at, f(item)))
                .collect(),
            has_previous: self.has_previous,
            has_next: self.has_next,
            total: self.total,
        }
    }
}

/// Encodes a position as an opaque cursor.
pub fn encode_cursor(position: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{position}"))
}

/// Decodes an opaque cursor, naming the argument in the error.
pub fn decode_cursor(cursor: &str, argument: &str) -> AppResult<u64> {
    let invalid = || AppError::bad_field(argument, format!("`{argument}` is not a valid cursor"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    text.strip_prefix("o:")
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(invalid)
}

/// Validated arguments: a half-open range of positions to show.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Bounds {
    start: u64,
    end: Option<u64>,
    first: Option<u64>,
    last: Option<u64>,
}

fn check_size(value: Option<i32>, argument: &str) -> AppResult<Option<u64>> {
    match value {
        None => Ok(None),
        Some(n) if n < 0 => Err(AppError::bad_field(
            argument,
            format!("`{argument}` must not be negative"),
        )),
        Some(n) if n > MAX_PAGE_SIZE => Err(AppError::bad_field(
            argument,
            format!("`{argument}` must be at most {MAX_PAGE_SIZE}, got {n}"),
        )),
        Some(n) => Ok(Some(n as u64)),
    }
}

impl PageArgs {
    fn bounds(&self) -> AppResult<Bounds> {
        let first = check_size(self.first, "first")?;
        let last = check_size(self.last, "last")?;
        if first.is_some() && last.is_some() {
            return Err(AppError::bad_input(
                "pass either `first` or `last`, not both",
            ));
        }
        let start = match &self.after {
            Some(cursor) => decode_cursor(cursor, "after")? + 1,
            None => 0,
        };
        let end = match &self.before {
            Some(cursor) => Some(decode_cursor(cursor, "before")?),
            None => None,
        };
        Ok(Bounds {
            start,
            end,
            first,
            last,
        })
    }

    /// Whether the size of the full list is needed to place the window.
    fn needs_total(&self) -> bool {
        self.last.is_some() && self.before.is_none()
    }

    /// How many items from the start of the full list the page can reach, whatever the list's
    /// size: the page lies within them. `None` when the page is counted from the end (`last`
    /// without `before`).
    pub fn prefix(&self) -> AppResult<Option<u64>> {
        if self.needs_total() {
            return Ok(None);
        }
        let (start, limit) = self.bounds()?.window(None);
        Ok(Some(start + limit))
    }
}

impl Bounds {
    /// The window (offset, limit) once the total is known where needed.
    fn window(&self, total: Option<u64>) -> (u64, u64) {
        let mut end = match (self.end, total) {
            (Some(end), Some(total)) => Some(end.min(total)),
            (Some(end), None) => Some(end),
            (None, total) => total,
        };
        if let Some(e) = end {
            end = Some(e.max(self.start));
        }
        let mut start = self.start;
        if let (Some(last), Some(end)) = (self.last, end) {
            start = start.max(end.saturating_sub(last));
        }
        let mut limit = match (self.first, self.last) {
            (Some(first), _) => first,
            (None, Some(_)) => end.map_or(0, |end| end - start),
            (None, None) => DEFAULT_PAGE_SIZE as u64,
        };
        if let Some(end) = end {
            limit = limit.min(end - start);
        }
        (start, limit)
    }
}

/// Where pages are read: any connection (whole rows), or a [`Reader`] (abridged rows when it is).
pub trait PageSource: Sync {
    /// The connection the count and the rows are read with.
    fn connection(&self) -> &impl ConnectionTrait;
    /// Whether rows are read without their deferred columns.
    fn abridged(&self) -> bool {
        false
    }
}

impl<C: ConnectionTrait + Sync> PageSource for C {
    fn connection(&self) -> &impl ConnectionTrait {
        self
    }
}

impl PageSource for Reader {
    fn connection(&self) -> &impl ConnectionTrait {
        Reader::connection(self)
    }
    fn abridged(&self) -> bool {
        self.is_abridged()
    }
}

/// Pages a query in SQL. `want_total` counts the full list (one extra statement).
pub async fn paginate<E, C>(
    source: &C,
    select: Select<E>,
    args: &PageArgs,
    want_total: bool,
) -> AppResult<Page<E::Model>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Decode,
    C: PageSource,
{
    let db = source.connection();
    let bounds = args.bounds()?;
    let select = if source.abridged() {
        decode::abridged(select)
    } else {
        select
    };
    if want_total
        && args.last.is_none()
        && args.before.is_none()
        && let Some(page) = counted_page(db, select.clone(), &bounds).await?
    {
        return Ok(page);
    }
    let total = if want_total || args.needs_total() {
        Some(select.clone().count(db).await?)
    } else {
        None
    };
    let (start, limit) = bounds.window(total);
    let rows = if limit == 0 {
        Vec::new()
    } else {
        decode::all(select.offset(start).limit(limit + 1), db).await?
    };
    let has_next =
        rows.len() as u64 > limit || total.is_some_and(|total| start + limit < total && limit > 0);
    let items = rows
        .into_iter()
        .take(limit as usize)
        .enumerate()
        .map(|(i, row)| (start + i as u64, row))
        .collect();
    Ok(Page {
        items,
        has_previous: start > 0,
        has_next,
        total,
    })
}

/// A page counted from the start (`first`, `after`) with the size of the full list, in one
/// statement: every row carries the count (`COUNT(*) OVER ()`, taken before the window). `None`
/// when a page after the front is empty, so that no row tells the size (a separate count is needed
/// then).
async fn counted_page<E>(
    db: &impl ConnectionTrait,
    select: Select<E>,
    bounds: &Bounds,
) -> AppResult<Option<Page<E::Model>>>
where
    E: EntityTrait,
    E::Model: Send + Sync + Decode,
{
    let (start, limit) = bounds.window(None);
    if limit == 0 {
        return Ok(None);
    }
    let [place, size] = decode::WINDOW_COLUMNS;
    let mut statement = select.offset(start).limit(limit).into_query();
    statement
        .expr_as(Expr::cust("ROW_NUMBER() OVER ()"), place)
        .expr_as(Expr::cust("COUNT(*) OVER ()"), size);
    let rows = decode::all_joined::<E, decode::Windowed<()>, _>(statement, db).await?;
    let total = match rows.first() {
        Some((_, decode::Windowed((), total))) => u64::try_from(*total).unwrap_or(0),
        // Nothing from the front: the list is empty.
        None if start == 0 => 0,
        None => return Ok(None),
    };
    let count = rows.len() as u64;
    Ok(Some(Page {
        items: rows
            .into_iter()
            .enumerate()
            .map(|(i, (model, _))| (start + i as u64, model))
            .collect(),
        has_previous: start > 0,
        has_next: start + count < total,
        total: Some(total),
    }))
}

/// Pages a list that is already loaded (relation fields, fetched in batches).
pub fn paginate_vec<T: Clone>(items: &[T], args: &PageArgs) -> AppResult<Page<T>> {
    paginate_prefix(items, items.len() as u64, args)
}

/// Pages a list of `total` items of which the first ones are loaded (at least
/// [`PageArgs::prefix`] of them, or all).
pub fn paginate_prefix<T: Clone>(items: &[T], total: u64, args: &PageArgs) -> AppResult<Page<T>> {
    let bounds = args.bounds()?;
    let (start, limit) = bounds.window(Some(total));
    let end = (start + limit).min(total);
    let start = start.min(end);
    let loaded = items.len();
    let page = items[(start as usize).min(loaded)..(end as usize).min(loaded)]
        .iter()
        .cloned()
        .enumerate()
        .map(|(i, item)| (start + i as u64, item))
        .collect();
    Ok(Page {
        items: page,
        has_previous: start > 0,
        has_next: end < total,
        total: Some(total),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(
        first: Option<i32>,
        after: Option<u64>,
        last: Option<i32>,
        before: Option<u64>,
    ) -> PageArgs {
        PageArgs {
            first,
            after: after.map(encode_cursor),
            last,
            before: before.map(encode_cursor),
        }
    }

    fn positions(page: &Page<u32>) -> Vec<u64> {
        page.items.iter().map(|(at, _)| *at).collect()
    }

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        assert_eq!(decode_cursor(&encode_cursor(42), "after").ok(), Some(42));
        assert!(decode_cursor("not-a-cursor!", "after").is_err());
        assert!(decode_cursor(&URL_SAFE_NO_PAD.encode("x:1"), "after").is_err());
    }

    #[test]
    fn a_page_lies_within_its_prefix() {
        let prefix = |a: PageArgs| a.prefix().ok().flatten();
        assert_eq!(prefix(args(Some(3), Some(2), None, None)), Some(6));
        assert_eq!(prefix(args(None, None, Some(3), Some(7))), Some(7));
        assert_eq!(prefix(args(Some(5), None, None, Some(3))), Some(3));
        assert_eq!(
            prefix(args(None, None, None, None)),
            Some(DEFAULT_PAGE_SIZE as u64)
        );
        assert_eq!(prefix(args(None, None, Some(3), None)), None);
        let list: Vec<u32> = (0..40).collect();
        for a in [
            args(Some(3), Some(2), None, None),
            args(Some(10), Some(35), None, None),
            args(None, None, Some(3), Some(7)),
            args(Some(5), None, None, Some(3)),
            args(None, None, None, None),
            args(Some(0), None, None, None),
        ] {
            let Some(n) = prefix(a.clone()) else {
                panic!("no prefix for {a:?}");
            };
            let whole = paginate_vec(&list, &a).ok();
            let cut = &list[..(n as usize).min(list.len())];
            let part = paginate_prefix(cut, list.len() as u64, &a).ok();
            assert_eq!(
                whole
                    .as_ref()
                    .map(|p| (positions(p), p.has_previous, p.has_next, p.total)),
                part.as_ref()
                    .map(|p| (positions(p), p.has_previous, p.has_next, p.total)),
                "{a:?}"
            );
        }
    }

    #[test]
    fn forward_and_backward_windows() {
        let list: Vec<u32> = (0..10).collect();
        let page = paginate_vec(&list, &args(Some(3), None, None, None)).ok();
        let page = page.as_ref().map(positions);
        assert_eq!(page, Some(vec![0, 1, 2]));
        let page = paginate_vec(&list, &args(Some(3), Some(2), None, None)).ok();
        assert_eq!(page.as_ref().map(positions), Some(vec![3, 4, 5]));
        let page = paginate_vec(&list, &args(None, None, Some(3), None)).ok();
        assert_eq!(page.as_ref().map(positions), Some(vec![7, 8, 9]));
        let page = paginate_vec(&list, &args(None, None, Some(3), Some(7))).ok();
        assert_eq!(page.as_ref().map(positions), Some(vec![4, 5, 6]));
        let page = paginate_vec(&list, &args(None, None, Some(3), Some(1))).ok();
        assert_eq!(page.as_ref().map(positions), Some(vec![0]));
    }

    #[test]
    fn flags_describe_the_rest_of_the_list() {
        let list: Vec<u32> = (0..5).collect();
        let page = paginate_vec(&list, &args(Some(2), Some(0), None, None));
        assert!(page.as_ref().is_ok_and(|p| p.has_previous && p.has_next));
        let page = paginate_vec(&list, &args(Some(5), Some(1), None, None));
        assert!(page.as_ref().is_ok_and(|p| p.has_previous && !p.has_next));
    }

    #[test]
    fn sizes_are_capped() {
        let list: Vec<u32> = Vec::new();
        assert!(paginate_vec(&list, &args(Some(101), None, None, None)).is_err());
        assert!(paginate_vec(&list, &args(Some(-1), None, None, None)).is_err());
        assert!(paginate_vec(&list, &args(Some(1), None, Some(1), None)).is_err());
        assert!(paginate_vec(&list, &args(Some(100), None, None, None)).is_ok());
    }
}
