//! The SARIF 2.1.0 objects pkce-audit writes, as typed structures: the subset GitHub code
//! scanning reads (rules with descriptions, help and `security-severity`, results with
//! locations, `partialFingerprints` and suppressions, tool execution notifications),
//! checked against the OASIS schema (`sarif-schema-2.1.0.json`: `sarifLog` requires
//! `version` and `runs`, `run` requires `tool`, `toolComponent` `name`,
//! `reportingDescriptor` `id`, `multiformatMessageString` `text`, `result` and
//! `notification` `message`, `invocation` `executionSuccessful`, `suppression` `kind`;
//! `region.startLine` is at least 1).
//!
//! Field order: serde writes a struct's fields in declaration order. This document was
//! first built with `json!`, whose objects (serde_json without `preserve_order`) sort
//! their keys, so every struct here declares its fields in that byte order (`$schema`
//! first, upper case before lower, `partialFingerprints` before `properties`): the output
//! stays byte-identical. Keep a new field in its sorted place.

use pkce_audit_model::inventory::Owner;
use pkce_audit_model::rules::RuleId;
use serde::Serialize;
use std::collections::BTreeMap;

/// `sarifLog`: the whole document.
#[derive(Serialize)]
pub struct Log<'a> {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    /// pkce-audit writes one run per document.
    pub runs: [Run<'a>; 1],
    pub version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run<'a> {
    pub automation_details: AutomationDetails,
    /// One invocation: this one.
    pub invocations: [Invocation; 1],
    /// Each base id's absolute URI; absent when the run has no file locations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original_uri_base_ids: Option<BTreeMap<&'static str, ArtifactLocation>>,
    pub properties: RunProperties<'a>,
    pub results: Vec<SarifResult>,
    pub tool: Tool<'a>,
}

/// `runAutomationDetails`: code scanning's category for the run.
#[derive(Serialize)]
pub struct AutomationDetails {
    pub id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    pub tool_execution_notifications: Vec<Notification>,
}

/// The run's property bag: the verdict, and the waiver file applied.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunProperties<'a> {
    pub verdict: &'static str,
    pub verdict_reason: &'a str,
    /// `null` when no waiver file was applied.
    pub waivers: Option<Waivers<'a>>,
}

/// The report's `scope.waivers`, its keys in sorted order.
#[derive(Serialize)]
pub struct Waivers<'a> {
    pub applied: usize,
    pub expired: usize,
    pub file: &'a str,
    pub unused: usize,
}

#[derive(Serialize)]
pub struct Tool<'a> {
    pub driver: Driver<'a>,
}

/// `toolComponent`, the driver.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver<'a> {
    pub information_uri: &'static str,
    pub name: &'static str,
    pub rules: Vec<ReportingDescriptor>,
    pub semantic_version: &'a str,
    pub version: &'a str,
}

/// `reportingDescriptor`: one rule.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub default_configuration: Configuration,
    pub full_description: Message,
    pub help: Message,
    pub help_uri: String,
    pub id: RuleId,
    pub name: String,
    pub properties: RuleProperties,
    pub short_description: Message,
}

/// `reportingConfiguration`.
#[derive(Serialize)]
pub struct Configuration {
    pub level: Level,
}

/// A rule's property bag: what GitHub reads (`security-severity`, `precision`, `tags`)
/// and the Salesforce controls the rule checks.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuleProperties {
    pub precision: &'static str,
    pub salesforce_security_controls: &'static [&'static str],
    #[serde(rename = "security-severity")]
    pub security_severity: &'static str,
    pub tags: [&'static str; 4],
}

/// `message`, and `multiformatMessageString` (the same two fields we write).
#[derive(Serialize)]
pub struct Message {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub markdown: Option<String>,
    pub text: String,
}

impl Message {
    pub fn text(text: impl Into<String>) -> Message {
        Message {
            markdown: None,
            text: text.into(),
        }
    }
}

/// `level` of a result, a notification and a rule's default configuration.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Error,
    Warning,
    Note,
}

/// `result` (named so beside `std::result::Result`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub level: Level,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    pub message: Message,
    pub partial_fingerprints: Fingerprints,
    pub properties: ResultProperties,
    pub rule_id: RuleId,
    /// The rule's place in `tool.driver.rules`.
    pub rule_index: usize,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
}

/// `partialFingerprints`: ours, versioned.
#[derive(Serialize)]
pub struct Fingerprints {
    #[serde(rename = "pkceAuditFinding/v1")]
    pub finding_v1: String,
}

/// A result's property bag: the finding's own fields.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultProperties {
    pub blocker: bool,
    /// Written only when true.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub likely_failing: bool,
    pub owner: Owner,
    pub severity: &'static str,
}

/// `location`: a file and line, the component, or both.
#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub logical_locations: Vec<LogicalLocation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub physical_location: Option<PhysicalLocation>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

/// `artifactLocation`: a URI, relative to its base id where it has one.
#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
}

#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    /// At least 1.
    pub start_line: u32,
}

/// `logicalLocation`: a metadata component.
#[derive(Serialize, Debug, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct LogicalLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fully_qualified_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<LogicalKind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

/// Of the schema's well-known `logicalLocation.kind` values, the two we use.
#[derive(Serialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogicalKind {
    /// An app.
    Module,
    /// The org's OAuth settings.
    Resource,
}

/// `suppression`: a waiver, kept outside the source.
#[derive(Serialize)]
pub struct Suppression {
    pub justification: String,
    pub kind: SuppressionKind,
    pub status: SuppressionStatus,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionKind {
    External,
}

/// A result is suppressed only when one of its suppressions is `accepted`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub enum SuppressionStatus {
    Accepted,
    UnderReview,
}

/// `notification`: what could not be read.
#[derive(Serialize)]
pub struct Notification {
    pub level: Level,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<Location>,
    pub message: Message,
}
