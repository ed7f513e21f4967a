//! Enumerations stored as strings; serialised (audit log, tokens) as the same strings.

use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize, Deserialize, utoipa::ToSchema)]
        #[sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))")]
        #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
        pub enum $name {
            $(
                #[sea_orm(string_value = $value)]
                #[serde(rename = $value)]
                $variant,
            )+
        }
    };
}

string_enum!(
    /// BBSR town type, derived from population unless set officially.
    TownType {
        RuralMunicipality = "RURAL_MUNICIPALITY",
        SmallerSmallTown = "SMALLER_SMALL_TOWN",
        LargerSmallTown = "LARGER_SMALL_TOWN",
        MediumTown = "MEDIUM_TOWN",
        City = "CITY",
    }
);

impl TownType {
    /// The type a population implies (BBSR thresholds 5k, 10k, 20k, 100k).
    pub fn from_population(population: i32) -> Self {
        match population {
            ..5_000 => Self::RuralMunicipality,
            5_000..10_000 => Self::SmallerSmallTown,
            10_000..20_000 => Self::LargerSmallTown,
            20_000..100_000 => Self::MediumTown,
            _ => Self::City,
        }
    }
}

string_enum!(
    /// What kind of body an organisation is.
    OrganisationKind {
        FederalMinistry = "FEDERAL_MINISTRY",
        FederalAuthority = "FEDERAL_AUTHORITY",
        StateAuthority = "STATE_AUTHORITY",
        MunicipalAssociation = "MUNICIPAL_ASSOCIATION",
        ResearchInstitute = "RESEARCH_INSTITUTE",
        University = "UNIVERSITY",
        Association = "ASSOCIATION",
        Agency = "AGENCY",
        Foundation = "FOUNDATION",
        AdvisoryBoard = "ADVISORY_BOARD",
        Network = "NETWORK",
        Other = "OTHER",
    }
);

string_enum!(
    /// A town's role in a model project.
    MemberRole {
        Lead = "LEAD",
        Member = "MEMBER",
    }
);

string_enum!(
    /// An organisation's role in a model project.
    PartnerRole {
        ProjectAgency = "PROJECT_AGENCY",
        ScientificAccompaniment = "SCIENTIFIC_ACCOMPANIMENT",
        LocalSupport = "LOCAL_SUPPORT",
        Other = "OTHER",
    }
);

string_enum!(
    /// How an event takes place.
    EventFormat {
        Digital = "DIGITAL",
        InPerson = "IN_PERSON",
        Hybrid = "HYBRID",
    }
);

string_enum!(
    /// Whether an event takes place as planned.
    EventStatus {
        Scheduled = "SCHEDULED",
        Cancelled = "CANCELLED",
        Postponed = "POSTPONED",
        MovedOnline = "MOVED_ONLINE",
    }
);

string_enum!(
    /// How exactly an event's start is known.
    DatePrecision {
        Minute = "MINUTE",
        Day = "DAY",
        Month = "MONTH",
        Year = "YEAR",
    }
);

string_enum!(
    /// An organisation's part in an event.
    OrganiserRole {
        Organiser = "ORGANISER",
        Producer = "PRODUCER",
        CooperationPartner = "COOPERATION_PARTNER",
        Supporter = "SUPPORTER",
    }
);

string_enum!(
    /// What a programme item is.
    SessionKind {
        Moderation = "MODERATION",
        Welcome = "WELCOME",
        Talk = "TALK",
        Keynote = "KEYNOTE",
        Panel = "PANEL",
        Survey = "SURVEY",
        Break = "BREAK",
        Closing = "CLOSING",
        Workshop = "WORKSHOP",
        Other = "OTHER",
    }
);

string_enum!(
    /// In which role someone appears in a session.
    ContributionRole {
        Speaker = "SPEAKER",
        Keynote = "KEYNOTE",
        Panelist = "PANELIST",
        Moderator = "MODERATOR",
        Host = "HOST",
    }
);

string_enum!(
    /// State of a registration.
    RegistrationStatus {
        Registered = "REGISTERED",
        Attended = "ATTENDED",
        Cancelled = "CANCELLED",
    }
);

string_enum!(
    /// What a document is.
    DocumentKind {
        Report = "REPORT",
        PositionPaper = "POSITION_PAPER",
        FinalReport = "FINAL_REPORT",
        Presentation = "PRESENTATION",
        CallForProposals = "CALL_FOR_PROPOSALS",
        Book = "BOOK",
        Film = "FILM",
        Other = "OTHER",
    }
);

string_enum!(
    /// A seat on an advisory board.
    BoardRole {
        Chair = "CHAIR",
        DeputyChair = "DEPUTY_CHAIR",
        JuryChair = "JURY_CHAIR",
        Member = "MEMBER",
    }
);

string_enum!(
    /// How a webhook delivery attempt ended.
    DeliveryOutcome {
        Delivered = "DELIVERED",
        Failed = "FAILED",
        TimedOut = "TIMED_OUT",
        Gone = "GONE",
        Refused = "REFUSED",
    }
);

string_enum!(
    /// The role of a staff account.
    StaffRole {
        Editor = "EDITOR",
        Admin = "ADMIN",
    }
);

string_enum!(
    /// What a change did.
    AuditAction {
        Create = "CREATE",
        Update = "UPDATE",
        Delete = "DELETE",
        Publish = "PUBLISH",
        Unpublish = "UNPUBLISH",
        Erase = "ERASE",
        Export = "EXPORT",
    }
);

string_enum!(
    /// What a change-log entry reports about its record.
    ChangeAction {
        Created = "CREATED",
        Updated = "UPDATED",
        Deleted = "DELETED",
        Published = "PUBLISHED",
        Unpublished = "UNPUBLISHED",
        Erased = "ERASED",
    }
);

impl ChangeAction {
    /// Whether the entry tells a reader to drop its copy of the record.
    pub fn is_tombstone(self) -> bool {
        matches!(self, Self::Deleted | Self::Unpublished | Self::Erased)
    }
}
