//! German names of the stored enumerations, and the choices of a select built from them.

use entity::enums::{
    AuditAction, BoardRole, ContributionRole, DatePrecision, DocumentKind, EventFormat,
    EventStatus, MemberRole, OrganisationKind, OrganiserRole, PartnerRole, SessionKind, StaffRole,
    TownType,
};
use sea_orm::{ActiveEnum, Iterable};

/// An enumeration with a German name for each value.
pub trait Label: ActiveEnum<Value = String> + Iterable + Copy {
    /// The value's German name.
    fn label(self) -> &'static str;
}

/// The choices of a select: stored value and German name, in declaration order.
pub fn choices<E: Label>() -> Vec<(String, String)> {
    E::iter()
        .map(|value| (value.to_value(), value.label().to_owned()))
        .collect()
}

/// The value a select sent, if it is one of `E`'s.
pub fn parse<E: Label>(value: &str) -> Option<E> {
    E::try_from_value(&value.to_owned()).ok()
}

macro_rules! labels {
    ($($enum:ident { $($variant:ident => $text:literal),+ $(,)? })+) => {
        $(impl Label for $enum {
            fn label(self) -> &'static str {
                match self {
                    $($enum::$variant => $text,)+
                }
            }
        })+
    };
}

labels! {
    TownType {
        RuralMunicipality => "Landgemeinde",
        SmallerSmallTown => "Kleinere Kleinstadt",
        LargerSmallTown => "Größere Kleinstadt",
        MediumTown => "Mittelstadt",
        City => "Großstadt",
    }
    OrganisationKind {
        FederalMinistry => "Bundesministerium",
        FederalAuthority => "Bundesbehörde",
        StateAuthority => "Landesbehörde",
        MunicipalAssociation => "Kommunaler Spitzenverband",
        ResearchInstitute => "Forschungsinstitut",
        University => "Hochschule",
        Association => "Verein oder Verband",
        Agency => "Agentur oder Büro",
        Foundation => "Stiftung",
        AdvisoryBoard => "Beirat",
        Network => "Netzwerk",
        Other => "Sonstige",
    }
    MemberRole {
        Lead => "Federführung",
        Member => "Mitglied",
    }
    PartnerRole {
        ProjectAgency => "Projektträger",
        ScientificAccompaniment => "Wissenschaftliche Begleitung",
        LocalSupport => "Begleitung vor Ort",
        Other => "Sonstige",
    }
    EventFormat {
        Digital => "Digital",
        InPerson => "Präsenz",
        Hybrid => "Hybrid",
    }
    EventStatus {
        Scheduled => "Geplant",
        Cancelled => "Abgesagt",
        Postponed => "Verschoben",
        MovedOnline => "Online verlegt",
    }
    DatePrecision {
        Minute => "Minutengenau",
        Day => "Tagesgenau",
        Month => "Monatsgenau",
        Year => "Jahresgenau",
    }
    OrganiserRole {
        Organiser => "Veranstalter",
        Producer => "Durchführung",
        CooperationPartner => "Kooperationspartner",
        Supporter => "Unterstützer",
    }
    SessionKind {
        Moderation => "Moderation",
        Welcome => "Grußwort",
        Talk => "Vortrag",
        Keynote => "Impulsvortrag",
        Panel => "Podiumsdiskussion",
        Survey => "Umfrage",
        Break => "Pause",
        Closing => "Abschluss",
        Workshop => "Workshop",
        Other => "Sonstiges",
    }
    ContributionRole {
        Speaker => "Vortrag",
        Keynote => "Impuls",
        Panelist => "Podium",
        Moderator => "Moderation",
        Host => "Gastgeber",
    }
    DocumentKind {
        Report => "Bericht",
        PositionPaper => "Positionspapier",
        FinalReport => "Abschlussbericht",
        Presentation => "Präsentation",
        CallForProposals => "Aufruf",
        Book => "Buch",
        Film => "Film",
        Other => "Sonstiges",
    }
    BoardRole {
        Chair => "Vorsitz",
        DeputyChair => "Stellvertretender Vorsitz",
        JuryChair => "Juryvorsitz",
        Member => "Mitglied",
    }
    StaffRole {
        Editor => "Redaktion",
        Admin => "Administration",
    }
    AuditAction {
        Create => "Angelegt",
        Update => "Geändert",
        Delete => "Gelöscht",
        Publish => "Veröffentlicht",
        Unpublish => "Zurückgezogen",
        Erase => "Personendaten gelöscht",
        Export => "Personendaten exportiert",
    }
}
