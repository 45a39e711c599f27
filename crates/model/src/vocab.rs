//! The shape every word of the report's vocabulary shares (rule ids, owners, app kinds,
//! flows, evidence sources, call kinds, scope kinds): an enum of the values this version
//! knows, each with its one public spelling, and `Other` for a spelling it does not.
//!
//! The tool never produces `Other`; it exists so that a report written by another version
//! (read back by `diff`) still loads. Serialised as the bare string, exactly as before the
//! words were typed.
//!
//! Words no report shows back (the catalogue's owners and PKCE behaviours, the documented
//! login sub-types, the evidence sources) are [`closed_vocabulary!`] enums: no `Other`,
//! and a spelling this version does not know is an error, or, for an evidence source read
//! back, left out ([`known_sources`](crate::evidence::known_sources)).

/// Defines a vocabulary enum: `Variant = "spelling"` for each known value, plus
/// `Other(String)`. Generates `as_str`, `known`, `KNOWN`, `index`, `From<&str>`,
/// `From<String>`, `Display`, and string `Serialize`/`Deserialize` (an unknown spelling
/// reads as `Other`). Ordering is the caller's choice: derive it for declaration order, or
/// use [`order_by_text!`] for the order of the spellings.
#[macro_export]
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this version does not know, read back from a report written by
            /// another version. The tool itself never produces it.
            Other(String),
        }

        impl $name {
            /// Every known value, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The public spelling: the one in every output.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }

            /// The known value spelled `s`; `None` for a spelling this version does not know.
            pub fn known(s: &str) -> Option<Self> {
                match s {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// Position in [`Self::KNOWN`]; `None` for `Other`.
            pub fn index(&self) -> Option<usize> {
                #[allow(dead_code)]
                enum Position { $( $variant, )+ }
                match self {
                    $( $name::$variant => Some(Position::$variant as usize), )+
                    $name::Other(_) => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::known(s).unwrap_or_else(|| $name::Other(s.to_string()))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::known(&s).unwrap_or($name::Other(s))
            }
        }

        $crate::vocab::spelled_as_str!($name);

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::from)
            }
        }
    };
}

/// `Display` and `Serialize` as the spelling `as_str` gives: what both kinds of vocabulary
/// share. Used by [`vocabulary!`] and [`closed_vocabulary!`].
#[doc(hidden)]
#[macro_export]
macro_rules! spelled_as_str {
    ($name:ident) => {
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

/// Defines a closed vocabulary: `Variant = "spelling"` for each value and nothing else.
/// Generates `as_str`, `known`, `KNOWN`, `Display`, and string `Serialize`/`Deserialize`
/// (an unknown spelling is an error naming the known ones). For words no report shows
/// back: in this version's own data files another spelling is a mistake, not news, and a
/// reader that must outlive a newer version decides at its boundary (see the module).
#[macro_export]
macro_rules! closed_vocabulary {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The public spelling: the one in every output.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The value spelled `s`, if any.
            pub fn known(s: &str) -> Option<Self> {
                Self::KNOWN.iter().copied().find(|v| v.as_str() == s)
            }
        }

        $crate::vocab::spelled_as_str!($name);

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::known(&s).ok_or_else(|| {
                    let names: Vec<&str> = Self::KNOWN.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown {} '{s}' (one of: {})",
                        stringify!($name),
                        names.join(", ")
                    ))
                })
            }
        }
    };
}

/// Orders a vocabulary enum by its spelling, as the string keys it replaced were ordered
/// (map keys in JSON, lists in the table).
#[macro_export]
macro_rules! order_by_text {
    ($name:ident) => {
        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                self.as_str().cmp(other.as_str())
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }
    };
}

/// Defines a closed set of named choices (an output format, a CSV layout): a `Copy` enum
/// with `ALL`, `as_str` and a `FromStr` whose error lists the names. For the words a
/// report carries, which must survive other versions, use [`vocabulary!`].
#[macro_export]
macro_rules! choices {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident ($what:literal) {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                Self::ALL.iter().copied().find(|c| c.as_str() == s).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|c| c.as_str()).collect();
                    format!("unknown {} '{s}' (one of: {})", $what, names.join(", "))
                })
            }
        }
    };
}

pub use crate::{choices, closed_vocabulary, order_by_text, spelled_as_str, vocabulary};

#[cfg(test)]
mod tests {
    vocabulary! {
        enum Word {
            Alpha = "alpha",
            Beta = "beta-two",
        }
    }
    order_by_text!(Word);

    #[test]
    fn spellings_round_trip_and_unknown_ones_are_kept() {
        for w in Word::KNOWN {
            assert_eq!(&Word::from(w.as_str()), w);
            let json = serde_json::to_string(w).unwrap();
            assert_eq!(json, format!("\"{}\"", w.as_str()));
            assert_eq!(&serde_json::from_str::<Word>(&json).unwrap(), w);
        }
        assert_eq!(Word::Beta.index(), Some(1));
        let other: Word = serde_json::from_str("\"gamma\"").unwrap();
        assert_eq!(other, Word::Other("gamma".into()));
        assert_eq!((other.as_str(), other.index()), ("gamma", None));
        assert_eq!(Word::known("gamma"), None);
        assert!(Word::Other("a".into()) < Word::Alpha, "ordered by spelling");
        assert_eq!(serde_json::to_string(&other).unwrap(), "\"gamma\"");
    }

    closed_vocabulary! {
        enum Closed {
            One = "one",
            Two = "two-2",
        }
    }

    #[test]
    fn closed_words_round_trip_and_unknown_ones_are_refused() {
        for w in Closed::KNOWN {
            let json = serde_json::to_string(w).unwrap();
            assert_eq!(json, format!("\"{w}\""));
            assert_eq!(&serde_json::from_str::<Closed>(&json).unwrap(), w);
        }
        assert_eq!(Closed::known("two-2"), Some(Closed::Two));
        let err = serde_json::from_str::<Closed>("\"three\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown Closed 'three' (one of: one, two-2)"),
            "{err}"
        );
    }
}
