//! The shape every word of the report's vocabulary shares (rule ids, owners, app kinds,
//! flows, evidence sources, call kinds, scope kinds, ...): an enum of the values this
//! version knows, each with its one public spelling, serialised as the bare string.
//!
//! The vocabularies are closed: a spelling this version does not know is an error naming
//! the known ones, wherever this version reads its own words (waivers, the command line,
//! data files, snapshots). Reports of other versions read back by `diff` are decoded at
//! that boundary into their own lenient types ([`diff::read`](crate::diff::read)), which
//! keep an unknown word as written; an evidence source read back that this version does
//! not know is left out ([`known_sources`](crate::evidence::known_sources)).

/// Defines a vocabulary: `Variant = "spelling"` for each value and nothing else.
/// Generates `as_str`, `known`, `KNOWN`, `index`, [`Word`], `Display`, and string
/// `Serialize`/`Deserialize` (an unknown spelling is an error naming the known ones).
/// Ordering is the caller's choice: derive it for declaration order, or use
/// [`order_by_text!`] for the order of the spellings.
#[macro_export]
macro_rules! vocabulary {
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
            pub fn as_str(&self) -> &'static str {
                match self {
                    $( $name::$variant => $text, )+
                }
            }

            /// The value spelled `s`, if any.
            pub fn known(s: &str) -> Option<Self> {
                match s {
                    $( $text => Some($name::$variant), )+
                    _ => None,
                }
            }

            /// Position in [`Self::KNOWN`].
            pub fn index(&self) -> usize {
                *self as usize
            }
        }

        impl $crate::vocab::Word for $name {
            const WHAT: &'static str = stringify!($name);
            fn as_str(&self) -> &str {
                $name::as_str(self)
            }
            fn known(s: &str) -> Option<Self> {
                $name::known(s)
            }
            fn spellings() -> Vec<&'static str> {
                Self::KNOWN.iter().map(|v| v.as_str()).collect()
            }
        }

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

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                <$name as $crate::vocab::Word>::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

/// What every vocabulary shares, for code that handles any of them: its spellings, and
/// how a spelling is read ([`Word::parse`]) or kept as text when read back from another
/// version (the diff's [`Lenient`](crate::diff::read::Lenient)).
pub trait Word: Sized {
    /// The vocabulary's name, for messages.
    const WHAT: &'static str;
    fn as_str(&self) -> &str;
    fn known(s: &str) -> Option<Self>;
    /// Every spelling, in declaration order.
    fn spellings() -> Vec<&'static str>;

    /// The value spelled `s`, or an error naming the known spellings.
    fn parse(s: &str) -> Result<Self, String> {
        Self::known(s).ok_or_else(|| {
            format!(
                "unknown {} '{s}' (one of: {})",
                Self::WHAT,
                Self::spellings().join(", ")
            )
        })
    }
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
/// report carries, use [`vocabulary!`].
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

pub use crate::{choices, order_by_text, vocabulary};

#[cfg(test)]
mod tests {
    use super::Word as _;

    vocabulary! {
        enum Word {
            Beta = "beta-two",
            Alpha = "alpha",
        }
    }
    order_by_text!(Word);

    #[test]
    fn words_round_trip_and_unknown_ones_are_refused_by_name() {
        for w in Word::KNOWN {
            let json = serde_json::to_string(w).unwrap();
            assert_eq!(json, format!("\"{w}\""));
            assert_eq!(&serde_json::from_str::<Word>(&json).unwrap(), w);
            assert_eq!(Word::KNOWN[w.index()], *w);
        }
        assert_eq!(Word::known("alpha"), Some(Word::Alpha));
        assert_eq!(Word::known("gamma"), None);
        assert!(Word::Alpha < Word::Beta, "ordered by spelling");
        let err = serde_json::from_str::<Word>("\"gamma\"").unwrap_err();
        assert!(
            err.to_string()
                .contains("unknown Word 'gamma' (one of: beta-two, alpha)"),
            "{err}"
        );
        assert_eq!(Word::parse("alpha"), Ok(Word::Alpha));
    }
}
