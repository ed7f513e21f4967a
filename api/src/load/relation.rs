//! What a relation is: for a row of `Parent`, the rows of `Target` whose key column equals the
//! parent's key, as far as the viewer may see them, in a fixed order. A relation is a type; its
//! identity is that type, so two relations can never share rows by accident.

use sea_orm::{Condition, EntityTrait, Select};

use super::decode::Decode;
use crate::viewer::Viewer;

/// The model of a relation's target.
pub type TargetModel<R> = <<R as Relation>::Target as EntityTrait>::Model;

/// A relation between records, declared once (see `service::relation`) and loaded for a whole
/// response level at once with [`Row::load`](super::Row::load).
pub trait Relation: Send + Sync + 'static {
    /// What the relation starts from: a model, a view of one, or an ID (lookups by ID).
    type Parent: Send + Sync + 'static;
    /// The entity of the related rows.
    type Target: EntityTrait<Model: Decode + Send + Sync>;
    /// What a related row is handed out as (mostly its model; a person as the viewer may see them).
    type Item: Send + Sync + 'static;
    /// Whether the rows are always read whole, also by an abridged reader (see
    /// [`Row::whole`](super::Row::whole)).
    const WHOLE: bool = false;
    /// The key of a parent: the related rows are those whose [`Relation::target_key`] equals it.
    fn key(parent: &Self::Parent) -> Option<i32>;
    /// The column of the target matched against the parents' keys.
    fn target_key() -> <Self::Target as EntityTrait>::Column;
    /// What `viewer` may see of the target (everything unless overridden).
    fn scope(_viewer: Viewer) -> Condition {
        Condition::all()
    }
    /// The order of the rows that share a key.
    fn order(select: Select<Self::Target>) -> Select<Self::Target> {
        select
    }
    /// The columns of [`Relation::order`], ascending; empty when the order is not by columns
    /// (such a relation is always read whole, never a page per key).
    fn ordering() -> Vec<<Self::Target as EntityTrait>::Column> {
        Vec::new()
    }
    /// A related model as handed out to `viewer`.
    fn item(viewer: Viewer, model: TargetModel<Self>) -> Self::Item;
}

/// A to-one relation whose key is a column of the parent's own table: it can be read in the same
/// statement as the parents (see [`Riders`](super::Riders)).
pub trait ToOne: Relation {
    /// The entity whose rows are the parents.
    type Owner: EntityTrait;
    /// The column of the owner that holds the target's key.
    fn foreign_key() -> <Self::Owner as EntityTrait>::Column;
}

/// Declares a relation (see [`Relation`]):
///
/// ```text
/// relation!(/** doc */ Name: Parent => target.KeyColumn, key = |parent| parent.field
///     [, scope = path] [, order = [Column, …]] [, item = Type by path] [, whole] [, rides owner.Column]);
/// ```
///
/// `item` converts a model for a viewer (`path(viewer)` gives the conversion); `whole` reads rows
/// whole also for an abridged reader; `rides` makes it a [`ToOne`] relation of `owner` by that column.
macro_rules! relation {
    ($(#[$meta:meta])* $name:ident: $parent:ty => $target:ident . $column:ident,
     key = |$p:ident| $key:expr
     $(, scope = $scope:path)?
     $(, order = [$($col:ident),+])?
     $(, item = $item:ty => $convert:path)?
     $(, whole = $whole:literal)?
     $(, rides $owner:ident . $fk:ident)?
    ) => {
        $(#[$meta])*
        pub struct $name;
        impl $crate::load::Relation for $name {
            type Parent = $parent;
            type Target = $target::Entity;
            type Item = $crate::load::relation!(@item $target $(, $item)?);
            $(const WHOLE: bool = $whole;)?
            fn key($p: &$parent) -> Option<i32> {
                $key
            }
            fn target_key() -> $target::Column {
                $target::Column::$column
            }
            $(fn scope(viewer: $crate::viewer::Viewer) -> sea_orm::Condition {
                $scope(viewer)
            })?
            $(fn order(select: sea_orm::Select<$target::Entity>) -> sea_orm::Select<$target::Entity> {
                use sea_orm::QueryOrder as _;
                select$(.order_by_asc($target::Column::$col))+
            }
            fn ordering() -> Vec<$target::Column> {
                vec![$($target::Column::$col),+]
            })?
            fn item(viewer: $crate::viewer::Viewer, model: $target::Model) -> Self::Item {
                $crate::load::relation!(@convert viewer, model $(, $convert)?)
            }
        }
        $(impl $crate::load::ToOne for $name {
            type Owner = $owner::Entity;
            fn foreign_key() -> $owner::Column {
                $owner::Column::$fk
            }
        })?
    };
    (@item $target:ident) => { $target::Model };
    (@item $target:ident, $item:ty) => { $item };
    (@convert $viewer:ident, $model:ident) => {{
        let _ = $viewer;
        $model
    }};
    (@convert $viewer:ident, $model:ident, $convert:path) => { $convert($viewer)($model) };
}

pub(crate) use relation;
