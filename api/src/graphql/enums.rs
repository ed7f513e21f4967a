//! GraphQL enums. They mirror the stored enums one to one, so storage names can change without
//! changing the public contract.

use entity::enums as stored;

macro_rules! mirror {
    ($(#[$meta:meta])* $name:ident = $stored:ident { $($(#[$vmeta:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl From<stored::$stored> for $name {
            fn from(value: stored::$stored) -> Self {
                match value {
                    $(stored::$stored::$variant => Self::$variant),+
                }
            }
        }

        impl From<$name> for stored::$stored {
            fn from(value: $name) -> Self {
                match value {
                    $($name::$variant => Self::$variant),+
                }
            }
        }
    };
}

mirror!(
    /// BBSR town type (Stadt- und Gemeindetyp), derived from population unless set officially.
    TownType = TownType {
        /// Landgemeinde: fewer than 5,000 inhabitants.
        RuralMunicipality,
        /// Kleinere Kleinstadt: 5,000 to 9,999 inhabitants.
        SmallerSmallTown,
        /// Größere Kleinstadt: 10,000 to 19,999 inhabitants.
        LargerSmallTown,
        /// Mittelstadt: 20,000 to 99,999 inhabitants.
        MediumTown,
        /// Großstadt: 100,000 inhabitants or more.
        City,
    }
);

mirror!(
    /// What kind of body an organisation is.
    OrganisationKind = OrganisationKind {
        /// A federal ministry (Bundesministerium).
        FederalMinistry,
        /// A federal authority or research institute (Bundesamt, Bundesinstitut).
        FederalAuthority,
        /// An authority or agency of a state (Land).
        StateAuthority,
        /// A municipal umbrella association (kommunaler Spitzenverband).
        MunicipalAssociation,
        /// A research institute or academy.
        ResearchInstitute,
        /// A university or university of applied sciences.
        University,
        /// An association or cooperative.
        Association,
        /// An agency or consultancy.
        Agency,
        /// A foundation.
        Foundation,
        /// An advisory board (Beirat).
        AdvisoryBoard,
        /// A network or platform.
        Network,
        /// Anything else.
        Other,
    }
);

mirror!(
    /// A town's role in a model project.
    MemberRole = MemberRole {
        /// The lead town (federführende Kommune).
        Lead,
        /// A member town.
        Member,
    }
);

mirror!(
    /// An organisation's role in a model project.
    PartnerRole = PartnerRole {
        /// Project agency (Projektagentur).
        ProjectAgency,
        /// Scientific accompaniment (wissenschaftliche Begleitung).
        ScientificAccompaniment,
        /// Local support.
        LocalSupport,
        /// Any other role.
        Other,
    }
);

mirror!(
    /// How an event takes place.
    EventFormat = EventFormat {
        /// Online only.
        Digital,
        /// On site only.
        InPerson,
        /// On site and online.
        Hybrid,
    }
);

mirror!(
    /// Whether an event takes place as planned.
    EventStatus = EventStatus {
        /// Takes place as planned.
        Scheduled,
        /// Cancelled.
        Cancelled,
        /// Postponed to a date not yet known.
        Postponed,
        /// Moved from on-site to online.
        MovedOnline,
    }
);

mirror!(
    /// How exactly an event's start is known.
    DatePrecision = DatePrecision {
        /// Date and time are known.
        Minute,
        /// Only the day is known.
        Day,
        /// Only the month is known.
        Month,
        /// Only the year is known.
        Year,
    }
);

mirror!(
    /// An organisation's part in an event.
    OrganiserRole = OrganiserRole {
        /// Organiser (Veranstalter).
        Organiser,
        /// Producing agency.
        Producer,
        /// Cooperation partner.
        CooperationPartner,
        /// Supporter.
        Supporter,
    }
);

mirror!(
    /// What a programme item is.
    SessionKind = SessionKind {
        /// Moderation, introduction.
        Moderation,
        /// Welcome address (Grußwort).
        Welcome,
        /// Talk.
        Talk,
        /// Keynote.
        Keynote,
        /// Panel discussion.
        Panel,
        /// Audience survey.
        Survey,
        /// Break.
        Break,
        /// Closing, farewell.
        Closing,
        /// Workshop.
        Workshop,
        /// Anything else.
        Other,
    }
);

mirror!(
    /// In which role someone appears in a session.
    ContributionRole = ContributionRole {
        /// Speaker.
        Speaker,
        /// Keynote speaker.
        Keynote,
        /// Panelist.
        Panelist,
        /// Moderator.
        Moderator,
        /// Host.
        Host,
    }
);

mirror!(
    /// What a document is.
    DocumentKind = DocumentKind {
        /// Report or study.
        Report,
        /// Position paper.
        PositionPaper,
        /// Final report of a project.
        FinalReport,
        /// Slides or text of a talk.
        Presentation,
        /// Call for proposals.
        CallForProposals,
        /// Book or compendium.
        Book,
        /// Film or video.
        Film,
        /// Anything else.
        Other,
    }
);

mirror!(
    /// A seat on an advisory board.
    BoardRole = BoardRole {
        /// Chair (Vorsitz).
        Chair,
        /// Deputy chair (stellvertretender Vorsitz).
        DeputyChair,
        /// Chair of the board acting as jury.
        JuryChair,
        /// Member.
        Member,
    }
);

mirror!(
    /// State of a registration for an event.
    RegistrationStatus = RegistrationStatus {
        /// Registered to attend.
        Registered,
        /// Attended.
        Attended,
        /// Cancelled the registration.
        Cancelled,
    }
);

mirror!(
    /// What a change recorded in the audit log did.
    AuditAction = AuditAction {
        /// Created the record.
        Create,
        /// Changed the record.
        Update,
        /// Deleted the record.
        Delete,
        /// Published the record.
        Publish,
        /// Withdrew a published record.
        Unpublish,
        /// Erased personal data.
        Erase,
        /// Exported personal data.
        Export,
    }
);

/// The 16 German states by their usual two-letter abbreviation.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateCode {
    /// Schleswig-Holstein.
    Sh,
    /// Hamburg.
    Hh,
    /// Niedersachsen.
    Ni,
    /// Bremen.
    Hb,
    /// Nordrhein-Westfalen.
    Nw,
    /// Hessen.
    He,
    /// Rheinland-Pfalz.
    Rp,
    /// Baden-Württemberg.
    Bw,
    /// Bayern.
    By,
    /// Saarland.
    Sl,
    /// Berlin.
    Be,
    /// Brandenburg.
    Bb,
    /// Mecklenburg-Vorpommern.
    Mv,
    /// Sachsen.
    Sn,
    /// Sachsen-Anhalt.
    St,
    /// Thüringen.
    Th,
}

impl StateCode {
    /// All sixteen states, by key.
    pub const ALL: [Self; 16] = [
        Self::Sh,
        Self::Hh,
        Self::Ni,
        Self::Hb,
        Self::Nw,
        Self::He,
        Self::Rp,
        Self::Bw,
        Self::By,
        Self::Sl,
        Self::Be,
        Self::Bb,
        Self::Mv,
        Self::Sn,
        Self::St,
        Self::Th,
    ];

    /// The state's two-digit key (first digits of its municipality keys).
    pub fn key(self) -> &'static str {
        crate::service::town::STATES[self as usize].0
    }

    /// The state of a two-letter abbreviation.
    pub fn from_abbreviation(code: &str) -> Option<Self> {
        crate::service::town::STATES
            .iter()
            .position(|(_, abbreviation)| *abbreviation == code)
            .and_then(|index| Self::ALL.get(index).copied())
    }
}

mirror!(
    /// What a change-log entry reports about its record.
    ChangeAction = ChangeAction {
        /// The record was created (or appeared to this reader on being created public).
        Created,
        /// The record changed.
        Updated,
        /// The record was deleted: a tombstone.
        Deleted,
        /// The record became visible (a published draft, a person who gave consent).
        Published,
        /// The record was withdrawn from public view: a tombstone.
        Unpublished,
        /// The personal data of the record (a person) was erased: a tombstone.
        Erased,
    }
);
