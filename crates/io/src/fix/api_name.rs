//! The API-name rule `fix` applies to what it puts in a deploy manifest: the model's, so
//! the printed commands name only apps `fix` accepts.

pub use pkce_audit_model::api_name::problem;
