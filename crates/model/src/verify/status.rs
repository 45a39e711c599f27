//! What a LoginHistory `Status` says about an app: the decoder's class
//! ([`crate::login_status`]).

pub use crate::login_status::StatusClass;

/// The class of a group's `Status`. A group without one is not taken for a success: a
/// server that leaves it out proves nothing ([`StatusClass::Unrecognized`]).
pub fn class_of(status: Option<&str>) -> StatusClass {
    crate::login_status::classify(status.unwrap_or(""))
}
