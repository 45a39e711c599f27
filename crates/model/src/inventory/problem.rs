//! What could not be read: a [`Problem`], its [`ProblemKind`] and what it [`Concerns`].

use crate::advice::Advice;
use crate::metadata::MetadataType;
use crate::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a problem is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Concerns {
    /// One component: `Type Name`.
    Component { ty: MetadataType, name: String },
    /// Every component of these types (a listing that failed): `Type, Type`.
    Types(Vec<MetadataType>),
    /// The org's Organization record (its id and namespace).
    Organization,
    /// A listing entry as the server named it, with a type this audit did not ask for or
    /// none: its text.
    Listed(String),
}

impl Concerns {
    /// Whether it is the component `ty` `name` (API names are the same whatever their case).
    pub fn is_component(&self, ty: MetadataType, name: &str) -> bool {
        matches!(self, Concerns::Component { ty: t, name: n } if *t == ty && n.eq_ignore_ascii_case(name))
    }

    /// Whether it is a component of type `ty`, or that whole type (a problem about
    /// several types at once, such as an empty listing entry, is about none alone).
    pub fn is_of_type(&self, ty: MetadataType) -> bool {
        match self {
            Concerns::Component { ty: t, .. } => *t == ty,
            Concerns::Types(types) => types.as_slice() == [ty],
            Concerns::Organization | Concerns::Listed(_) => false,
        }
    }

    /// The names in it, for scrubbing what a server echoed.
    pub fn map_text(self, f: impl Fn(&str) -> String) -> Self {
        match self {
            Concerns::Component { ty, name } => Concerns::Component { ty, name: f(&name) },
            Concerns::Listed(s) => Concerns::Listed(f(&s)),
            Concerns::Types(_) | Concerns::Organization => self,
        }
    }
}

impl fmt::Display for Concerns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Concerns::Component { ty, name } => write!(f, "{ty} {name}"),
            Concerns::Types(types) => {
                let names: Vec<&str> = types.iter().map(|t| t.name()).collect();
                f.write_str(&names.join(", "))
            }
            Concerns::Organization => f.write_str("Organization"),
            Concerns::Listed(s) => f.write_str(s),
        }
    }
}

impl Serialize for Concerns {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Read back from its text: what this version cannot type is kept as listed.
impl<'de> Deserialize<'de> for Concerns {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        let types: Option<Vec<MetadataType>> = s.split(", ").map(MetadataType::from_name).collect();
        Ok(match (s.as_str(), s.split_once(' '), types) {
            ("Organization", _, _) => Concerns::Organization,
            (_, _, Some(types)) => Concerns::Types(types),
            (_, Some((ty, name)), None) => match MetadataType::from_name(ty) {
                Some(ty) => Concerns::Component {
                    ty,
                    name: name.to_string(),
                },
                None => Concerns::Listed(s),
            },
            (_, None, None) => Concerns::Listed(s),
        })
    }
}

vocabulary! {
    /// What went wrong with something that could not be read: the kind of a [`Problem`],
    /// so that code decides on it rather than on the reason's wording.
    #[derive(PartialOrd, Ord)]
    pub enum ProblemKind {
        /// A file, component or answer that could not be read or understood.
        Unreadable = "unreadable",
        /// Listed (in a snapshot manifest) but absent.
        Missing = "missing",
        /// Defined or listed more than once: which copy counts is ambiguous.
        Duplicate = "duplicate",
        /// Settings of an External Client App that is not there.
        Orphaned = "orphaned",
        /// The org OAuth settings are not in the input: org-level rules were not checked.
        SettingsNotFound = "settings-not-found",
        /// The input holds no metadata pkce-audit reads.
        NoMetadata = "no-metadata",
        /// The login lacks a permission or setting (the remedy names it).
        Permission = "permission",
        /// Not read on purpose: unsafe or hostile (a link out of the folder, a device, an
        /// oversized file, a name holding a credential).
        Refused = "refused",
        /// A project, `.forceignore` or snapshot manifest file that could not be used.
        ProjectFile = "project-file",
        /// The server's answer cannot be trusted to be whole.
        IncompleteAnswer = "incomplete-answer",
        /// A usage evidence source the audit needs could not be read.
        EvidenceUnread = "evidence-unread",
    }
}

/// Something that could not be read. Any problem makes the verdict at best `incomplete`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Problem {
    pub kind: ProblemKind,
    /// What it concerns, when known; written as text (`Type Name`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub component: Option<Concerns>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub line: Option<u32>,
    pub reason: String,
    /// The permission or setting that would make it readable, when that is the cause.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub remedy: Option<String>,
    /// What the user can set against it, after the remedy: written into `remedy` in the
    /// caller's words ([`Advice`]); a problem read back holds it in `remedy`. Boxed: few
    /// problems have one, and every problem travels in `Result`s.
    #[serde(skip)]
    pub advice: Option<Box<Advice>>,
}

/// Written with its advice in `remedy`, in the words of the caller that knows its options.
impl Serialize for Problem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Written<'a> {
            kind: ProblemKind,
            #[serde(skip_serializing_if = "Option::is_none")]
            component: Option<&'a Concerns>,
            #[serde(skip_serializing_if = "Option::is_none")]
            file: Option<&'a str>,
            #[serde(skip_serializing_if = "Option::is_none")]
            line: Option<u32>,
            reason: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            remedy: Option<String>,
        }
        Written {
            kind: self.kind,
            component: self.component.as_ref(),
            file: self.file.as_deref(),
            line: self.line,
            reason: &self.reason,
            remedy: self.written_remedy(),
        }
        .serialize(s)
    }
}

/// Problems are listed by what they concern (its text, then file and line), then reason:
/// the order they had when all of these were text.
impl Ord for Problem {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        let text = |p: &Problem| p.component.as_ref().map(Concerns::to_string);
        (
            text(self),
            &self.file,
            self.line,
            &self.reason,
            self.written_remedy(),
        )
            .cmp(&(text(o), &o.file, o.line, &o.reason, o.written_remedy()))
            .then(self.kind.cmp(&o.kind))
    }
}

impl PartialOrd for Problem {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}

impl Problem {
    pub fn new(kind: ProblemKind, reason: impl Into<String>) -> Self {
        Problem {
            kind,
            component: None,
            file: None,
            line: None,
            reason: reason.into(),
            remedy: None,
            advice: None,
        }
    }
    pub fn component(mut self, ty: MetadataType, name: &str) -> Self {
        self.component = Some(Concerns::Component {
            ty,
            name: name.to_string(),
        });
        self
    }
    pub fn concerns(mut self, c: Concerns) -> Self {
        self.component = Some(c);
        self
    }
    pub fn file(mut self, file: impl Into<String>, line: Option<u32>) -> Self {
        self.file = Some(file.into());
        self.line = line;
        self
    }
    pub fn remedy(mut self, remedy: impl Into<String>) -> Self {
        self.remedy = Some(remedy.into());
        self
    }

    /// The remedy as written and shown: its text, then its advice.
    pub fn written_remedy(&self) -> Option<String> {
        match (&self.remedy, &self.advice) {
            (Some(r), Some(a)) => Some(format!("{r} {a}")),
            (Some(r), None) => Some(r.clone()),
            (None, Some(a)) => Some(a.to_string()),
            (None, None) => None,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Problem {
            component,
            file,
            line,
            reason,
            remedy: _,
            advice: _,
            kind: _,
        } = self;
        let component = component.as_ref().map(Concerns::to_string);
        write_problem(f, &component, file, *line, reason, &self.written_remedy())
    }
}

/// "file:line: component: reason (remedy)", each part when known: how a problem is shown,
/// of this run or of a report read back.
pub(crate) fn write_problem(
    f: &mut fmt::Formatter<'_>,
    component: &Option<String>,
    file: &Option<String>,
    line: Option<u32>,
    reason: &str,
    remedy: &Option<String>,
) -> fmt::Result {
    let mut sep = "";
    if let Some(file) = file {
        write!(f, "{file}")?;
        if let Some(line) = line {
            write!(f, ":{line}")?;
        }
        sep = ": ";
    }
    if let Some(c) = component {
        write!(f, "{sep}{c}")?;
        sep = ": ";
    }
    write!(f, "{sep}{reason}")?;
    if let Some(r) = remedy {
        write!(f, " ({r})")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_problem_writes_its_kind_and_what_it_concerns_as_text() {
        let p = Problem::new(ProblemKind::Duplicate, "defined 2 times")
            .component(MetadataType::ConnectedApp, "A b")
            .file("x.xml", Some(3));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["kind"], "duplicate");
        assert_eq!(json["component"], "ConnectedApp A b");
        assert_eq!(serde_json::from_value::<Problem>(json).unwrap(), p);
        assert_eq!(p.to_string(), "x.xml:3: ConnectedApp A b: defined 2 times");
        assert!(p
            .component
            .as_ref()
            .unwrap()
            .is_component(MetadataType::ConnectedApp, "a B"));
        for (text, c) in [
            ("Organization", Concerns::Organization),
            (
                "ConnectedApp, ExternalClientApplication",
                Concerns::Types(vec![
                    MetadataType::ConnectedApp,
                    MetadataType::ExternalClientApplication,
                ]),
            ),
            ("(no type) X", Concerns::Listed("(no type) X".into())),
            (
                "ApexClass Other",
                Concerns::Listed("ApexClass Other".into()),
            ),
        ] {
            assert_eq!(c.to_string(), text);
            let back: Concerns = serde_json::from_value(text.into()).unwrap();
            assert_eq!(back, c, "{text}");
        }
        // Its advice is written after its remedy, and read back as part of it.
        let mut expired = Problem::new(ProblemKind::Unreadable, "denied").remedy("re-run");
        expired.advice = Some(Box::new(Advice::RenewingSession));
        let written = format!("re-run {}", Advice::RenewingSession);
        let json = serde_json::to_value(&expired).unwrap();
        assert_eq!(json["remedy"], written.as_str());
        assert_eq!(expired.to_string(), format!("denied ({written})"));
        let back: Problem = serde_json::from_value(json).unwrap();
        assert_eq!((back.remedy, back.advice), (Some(written), None));
        // A kind this version does not know is an error naming the known ones.
        let err = serde_json::from_str::<ProblemKind>("\"cosmic-ray\"").unwrap_err();
        assert!(
            err.to_string().contains("one of: unreadable, missing"),
            "{err}"
        );
    }
}
