//! Relay connection types: one `XConnection`/`XEdge` pair per node type, with `totalCount`, built from
//! the service layer's pages.

use async_graphql::{ComplexObject, SimpleObject};

use crate::store::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page, PageArgs, encode_cursor};

/// Where a page sits in the full list.
#[derive(Clone, Debug, SimpleObject)]
#[graphql(complex)]
pub struct PageInfo {
    /// Whether items follow this page.
    pub has_next_page: bool,
    /// Whether items precede this page.
    pub has_previous_page: bool,
    /// Positions of the first and the last item, encoded into cursors when asked for.
    #[graphql(skip)]
    pub ends: Option<(u64, u64)>,
}

#[ComplexObject]
impl PageInfo {
    /// Cursor of the first item of this page.
    async fn start_cursor(&self) -> Option<String> {
        self.ends.map(|(first, _)| encode_cursor(first))
    }
    /// Cursor of the last item of this page; pass it as `after` for the next page.
    async fn end_cursor(&self) -> Option<String> {
        self.ends.map(|(_, last)| encode_cursor(last))
    }
}

impl PageInfo {
    /// The page info of a service page.
    pub fn of<T>(page: &Page<T>) -> Self {
        Self {
            has_next_page: page.has_next,
            has_previous_page: page.has_previous,
            ends: page
                .items
                .first()
                .zip(page.items.last())
                .map(|((first, _), (last, _))| (*first, *last)),
        }
    }
}

/// The Relay arguments of a field.
pub fn args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first,
        after,
        last,
        before,
    }
}

/// Complexity weight of a list field: its page size (capped, so the cap's error is reported instead).
pub fn page_cost(first: Option<i32>, last: Option<i32>) -> usize {
    let size = first
        .or(last)
        .unwrap_or(DEFAULT_PAGE_SIZE)
        .clamp(1, MAX_PAGE_SIZE);
    size as usize
}

/// Declares a connection and its edge type for a node type.
macro_rules! connection {
    ($connection:ident, $edge:ident, $node:ty, $what:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Clone, async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor.
            pub edges: Vec<$edge>,
            /// The items of this page.
            pub nodes: Vec<$node>,
            /// Where this page sits in the full list.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// The number of items in the full list (all pages) with the given filter.
            pub total_count: i64,
        }

        #[doc = concat!("One of ", $what, ", with its cursor.")]
        #[derive(Clone, async_graphql::SimpleObject)]
        #[graphql(complex)]
        pub struct $edge {
            /// The item's position in the full list, encoded into its cursor when asked for.
            #[graphql(skip)]
            pub at: u64,
            /// The item.
            pub node: $node,
        }

        #[async_graphql::ComplexObject]
        impl $edge {
            /// Opaque cursor of this item, for `after` and `before`.
            async fn cursor(&self) -> String {
                $crate::store::page::encode_cursor(self.at)
            }
        }

        impl $connection {
            /// Builds the connection from a service page.
            pub fn from_page(page: $crate::store::page::Page<$node>) -> Self {
                let page_info = $crate::graphql::connection::PageInfo::of(&page);
                let total_count = page.total.map_or(0, |total| total as i64);
                let mut edges = Vec::with_capacity(page.items.len());
                let mut nodes = Vec::with_capacity(page.items.len());
                for (at, node) in page.items {
                    nodes.push(node.clone());
                    edges.push($edge {
                        at,
                        node,
                    });
                }
                Self {
                    edges,
                    nodes,
                    page_info,
                    total_count,
                }
            }
        }
    };
    ($connection:ident, $edge:ident, $node:ty, $what:literal, role: $role:ty, $role_doc:literal) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Clone, async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor and role.
            pub edges: Vec<$edge>,
            /// The items of this page.
            pub nodes: Vec<$node>,
            /// Where this page sits in the full list.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// The number of items in the full list (all pages).
            pub total_count: i64,
        }

        #[doc = concat!("One of ", $what, ", with its cursor and role.")]
        #[derive(Clone, async_graphql::SimpleObject)]
        #[graphql(complex)]
        pub struct $edge {
            /// The item's position in the full list, encoded into its cursor when asked for.
            #[graphql(skip)]
            pub at: u64,
            #[doc = $role_doc]
            pub role: $role,
            /// The item.
            pub node: $node,
        }

        #[async_graphql::ComplexObject]
        impl $edge {
            /// Opaque cursor of this item, for `after` and `before`.
            async fn cursor(&self) -> String {
                $crate::store::page::encode_cursor(self.at)
            }
        }

        impl $connection {
            /// Builds the connection from a service page of (role, node) pairs.
            pub fn from_page(page: $crate::store::page::Page<($role, $node)>) -> Self {
                let page_info = $crate::graphql::connection::PageInfo::of(&page);
                let total_count = page.total.map_or(0, |total| total as i64);
                let mut edges = Vec::with_capacity(page.items.len());
                let mut nodes = Vec::with_capacity(page.items.len());
                for (at, (role, node)) in page.items {
                    nodes.push(node.clone());
                    edges.push($edge {
                        at,
                        role,
                        node,
                    });
                }
                Self {
                    edges,
                    nodes,
                    page_info,
                    total_count,
                }
            }
        }
    };
    ($connection:ident, $edge:ident, $node:ty, $what:literal, edge: { $($field:ident: $ty:ty => $doc:literal),+ $(,)? }) => {
        #[doc = concat!("A page of ", $what, ".")]
        #[derive(Clone, async_graphql::SimpleObject)]
        pub struct $connection {
            /// The items of this page, each with its cursor and the data of its link.
            pub edges: Vec<$edge>,
            /// The items of this page.
            pub nodes: Vec<$node>,
            /// Where this page sits in the full list.
            pub page_info: $crate::graphql::connection::PageInfo,
            /// The number of items in the full list (all pages).
            pub total_count: i64,
        }

        #[doc = concat!("One of ", $what, ", with its cursor and the data of its link.")]
        #[derive(Clone, async_graphql::SimpleObject)]
        #[graphql(complex)]
        pub struct $edge {
            /// The item's position in the full list, encoded into its cursor when asked for.
            #[graphql(skip)]
            pub at: u64,
            $(
                #[doc = $doc]
                pub $field: $ty,
            )+
            /// The item.
            pub node: $node,
        }

        #[async_graphql::ComplexObject]
        impl $edge {
            /// Opaque cursor of this item, for `after` and `before`.
            async fn cursor(&self) -> String {
                $crate::store::page::encode_cursor(self.at)
            }
        }

        impl $connection {
            /// Builds the connection from a service page of (edge data, node) pairs.
            pub fn from_page(page: $crate::store::page::Page<(($($ty,)+), $node)>) -> Self {
                let page_info = $crate::graphql::connection::PageInfo::of(&page);
                let total_count = page.total.map_or(0, |total| total as i64);
                let mut edges = Vec::with_capacity(page.items.len());
                let mut nodes = Vec::with_capacity(page.items.len());
                for (at, (($($field,)+), node)) in page.items {
                    nodes.push(node.clone());
                    edges.push($edge {
                        at,
                        $($field,)+
                        node,
                    });
                }
                Self {
                    edges,
                    nodes,
                    page_info,
                    total_count,
                }
            }
        }
    };
}

pub(crate) use connection;
