//! Who is asking: the single input of every visibility rule.

use entity::enums::StaffRole;

/// The caller of a request, as far as visibility is concerned.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Viewer {
    /// Anyone: sees published records and public fields only.
    #[default]
    Public,
    /// Logged-in staff: sees drafts and private fields.
    Staff(StaffRole),
}

impl Viewer {
    /// Staff may see drafts and personal data.
    pub fn is_staff(self) -> bool {
        matches!(self, Self::Staff(_))
    }
}
