//! Metadata API `deploy`, `checkDeployStatus` and `cancelDeploy` (metadata-v66.wsdl):
//! `deploy { ZipFile: base64Binary, DeployOptions }` → `AsyncResult`;
//! `checkDeployStatus { asyncProcessId, includeDetails }` → `DeployResult` (with
//! `details { componentFailures*, componentSuccesses* }` when asked);
//! `cancelDeploy { String: ID }` → `CancelDeployResult { done, id }`.
//!
//! A deploy runs at its first status check, so a `cancelDeploy` before it finds it
//! queued. It checks everything first ([`checks`]) and changes the served metadata only
//! when nothing failed: this org is a production org, where `rollbackOnError` must be
//! true (DeployOptions, Metadata API Developer Guide: "This parameter must be set to true
//! if you're deploying to a production org"); in a sandbox (`Config::is_sandbox`)
//! `rollbackOnError` false deploys what passed. `checkOnly` (validate, `--dry-run`)
//! checks and changes nothing.

mod checks;
mod schema;

use super::org::{fake_id, key_prefix, sf_datetime, Component};
use super::retrieve::{invalid_id, queued, unzip};
use super::soap::{client_fault, fault, ok, ADMIN_NAME};
use super::Shared;
use axum::body::Body;
use axum::http::Response;
use base64::Engine;
use pkce_audit_io::xml::{escape, Element};
use std::fmt::Write;

/// The platform's limit on a deploy's zip: "The maximum size of the deployed or retrieved
/// .zip file is 400 MB (39 MB compressed)" (Salesforce DX Developer Guide, "Release Your
/// App to Production").
const MAX_UNZIPPED: u64 = 400 * 1024 * 1024;

/// `TestLevel` (metadata-v66.wsdl).
const TEST_LEVELS: &[&str] = &[
    "NoTestRun",
    "RunSpecifiedTests",
    "RunLocalTests",
    "RunAllTestsInOrg",
    "RunRelevantTests",
];

/// One `DeployMessage`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub changed: bool,
    pub column: Option<u32>,
    pub component_type: String,
    pub created: bool,
    pub file_name: String,
    pub full_name: String,
    pub id: Option<String>,
    pub line: Option<u32>,
    pub problem: Option<String>,
    /// `Error` or `Warning` (`DeployProblemType`).
    pub problem_type: Option<&'static str>,
    pub success: bool,
}

impl Message {
    pub fn error(component_type: &str, file_name: &str, full_name: &str, problem: &str) -> Self {
        Message {
            changed: false,
            column: None,
            component_type: component_type.into(),
            created: false,
            file_name: file_name.into(),
            full_name: full_name.into(),
            id: None,
            line: None,
            problem: Some(problem.into()),
            problem_type: Some("Error"),
            success: false,
        }
    }

    pub fn success(
        component_type: &str,
        file_name: &str,
        full_name: &str,
        created: bool,
        changed: bool,
    ) -> Self {
        Message {
            changed,
            created,
            problem: None,
            problem_type: None,
            success: true,
            ..Message::error(component_type, file_name, full_name, "")
        }
    }

    fn xml(&self, tag: &str, created_date: &str) -> String {
        let mut out = format!("<{tag}><changed>{}</changed>", self.changed);
        if let Some(c) = self.column {
            let _ = write!(out, "<columnNumber>{c}</columnNumber>");
        }
        let _ = write!(
            out,
            "<componentType>{}</componentType><created>{}</created><createdDate>{created_date}</createdDate><deleted>false</deleted><fileName>{}</fileName><fullName>{}</fullName>",
            escape(&self.component_type),
            self.created,
            escape(&self.file_name),
            escape(&self.full_name)
        );
        if let Some(id) = &self.id {
            let _ = write!(out, "<id>{}</id>", escape(id));
        }
        if let Some(l) = self.line {
            let _ = write!(out, "<lineNumber>{l}</lineNumber>");
        }
        if let Some(p) = &self.problem {
            let _ = write!(out, "<problem>{}</problem>", escape(p));
        }
        if let Some(t) = self.problem_type {
            let _ = write!(out, "<problemType>{t}</problemType>");
        }
        let _ = write!(out, "<success>{}</success></{tag}>", self.success);
        out
    }
}

#[derive(Debug, Clone, Default)]
struct Options {
    check_only: bool,
    single_package: bool,
    rollback_on_error: bool,
    allow_missing_files: bool,
    ignore_warnings: bool,
    test_level: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    Queued,
    Succeeded,
    SucceededPartial,
    Failed,
    Canceled,
}

/// One deploy request and, once run, its outcome.
#[derive(Debug, Clone)]
pub struct Job {
    options: Options,
    zip: Vec<u8>,
    status: Status,
    created: String,
    completed: Option<String>,
    successes: Vec<Message>,
    failures: Vec<Message>,
    error_message: Option<String>,
    deployed: usize,
    total: usize,
}

fn flag(options: Option<&Element>, name: &str) -> bool {
    options.and_then(|o| o.child_text(name)) == Some("true")
}

pub fn deploy(shared: &Shared, op: &Element) -> Response<Body> {
    let Some(zip_b64) = op.child("ZipFile").map(|z| z.text.as_str()) else {
        return client_fault("Invalid request data: deploy without a ZipFile");
    };
    let compact: String = zip_b64.split_whitespace().collect();
    let Ok(zip) = base64::engine::general_purpose::STANDARD.decode(compact) else {
        return client_fault("Invalid request data: ZipFile is not base64");
    };
    let o = op.child("DeployOptions");
    let test_level = o.and_then(|o| o.child_text("testLevel")).map(String::from);
    if let Some(t) = test_level.as_deref().filter(|t| !TEST_LEVELS.contains(t)) {
        return client_fault(&format!(
            "Invalid request data: '{t}' is not a valid value for the enum 'TestLevel'"
        ));
    }
    let options = Options {
        check_only: flag(o, "checkOnly"),
        single_package: flag(o, "singlePackage"),
        rollback_on_error: flag(o, "rollbackOnError"),
        allow_missing_files: flag(o, "allowMissingFiles"),
        ignore_warnings: flag(o, "ignoreWarnings"),
        test_level,
    };
    queued("deploy", &queue(shared, options, zip))
}

/// Adds a queued deploy; its id.
fn queue(shared: &Shared, options: Options, zip: Vec<u8>) -> String {
    let mut jobs = shared.deploys.lock().unwrap_or_else(|e| e.into_inner());
    let id = fake_id("0Af", jobs.len() as u64 + 1);
    jobs.insert(
        id.clone(),
        Job {
            options,
            zip,
            status: Status::Queued,
            created: sf_datetime(shared.cfg.now),
            completed: None,
            successes: Vec::new(),
            failures: Vec::new(),
            error_message: None,
            deployed: 0,
            total: 0,
        },
    );
    id
}

/// `deployRecentValidation { validationId }` → the id of a new deploy of the validated
/// zip (`sf project deploy quick --job-id`). Only a validation that succeeded with tests
/// run qualifies (Metadata API Developer Guide, deployRecentValidation: a validation
/// "with all Apex tests passed" in the last 10 days; `NoTestRun` validations do not).
pub fn deploy_recent_validation(shared: &Shared, op: &Element) -> Response<Body> {
    let id = op.child_text("validationId").unwrap_or_default();
    let validated = {
        let jobs = shared.deploys.lock().unwrap_or_else(|e| e.into_inner());
        let Some(job) = jobs.get(id) else {
            return invalid_id(id);
        };
        let tested = job
            .options
            .test_level
            .as_deref()
            .is_some_and(|t| t != "NoTestRun");
        (job.options.check_only && job.status == Status::Succeeded && tested)
            .then(|| (job.options.clone(), job.zip.clone()))
    };
    let Some((options, zip)) = validated else {
        // The wording is this org's: no public sample found.
        return fault(
            "sf:INVALID_ID_FIELD",
            &format!("INVALID_ID_FIELD: {id} is not a successful validation with tests run, so it cannot be quick-deployed"),
        );
    };
    let new_id = queue(
        shared,
        Options {
            check_only: false,
            ..options
        },
        zip,
    );
    ok(format!(
        "<deployRecentValidationResponse><result>{new_id}</result></deployRecentValidationResponse>"
    ))
}

/// Runs a queued deploy: every check first, then (unless refused or checkOnly) every
/// change under one write lock, so no reader sees half a deploy.
fn run(shared: &Shared, job: &mut Job) {
    let mut served = shared.components_mut();
    let mut plan = checks::Plan::default();
    match unzip(&job.zip, MAX_UNZIPPED) {
        None => job.error_message = Some("The deploy zip is not a valid zip file".into()),
        Some(files) if job.options.single_package => checks::check_package(
            &files,
            "",
            &served,
            job.options.allow_missing_files,
            &mut plan,
        ),
        Some(files) => {
            let mut dirs: Vec<&str> = files
                .keys()
                .filter_map(|p| p.split_once('/'))
                .map(|(d, _)| d)
                .collect();
            dirs.dedup();
            for dir in dirs {
                checks::check_package(
                    &files,
                    &format!("{dir}/"),
                    &served,
                    job.options.allow_missing_files,
                    &mut plan,
                );
            }
        }
    }
    checks::check_parents(&served, &mut plan);
    let production = !shared.cfg.is_sandbox;
    if !job.options.rollback_on_error && production && job.error_message.is_none() {
        job.error_message =
            Some("rollbackOnError must be true for a deployment to a production org".into());
    }
    job.total = plan.changes.len();
    let all_or_nothing = job.options.rollback_on_error || production;
    let refused = job.error_message.is_some() || (!plan.failures.is_empty() && all_or_nothing);
    job.status = if refused {
        Status::Failed
    } else if plan.failures.is_empty() {
        Status::Succeeded
    } else {
        Status::SucceededPartial
    };
    job.completed = Some(sf_datetime(shared.cfg.now));
    if !refused {
        job.deployed = plan.changes.len();
        if !job.options.check_only {
            apply(
                &mut served,
                plan.changes,
                job.completed.as_deref().unwrap_or_default(),
            );
        }
    }
    job.successes = plan.successes;
    job.failures = plan.failures;
}

/// Writes the changes into the served metadata: a new component gets an id and its
/// dates; a changed one keeps its id and creation date.
fn apply(served: &mut Vec<Component>, changes: Vec<checks::Change>, now: &str) {
    for ch in changes {
        match served
            .iter_mut()
            .find(|c| c.ty == ch.ty && c.full_name == ch.full_name)
        {
            Some(c) => {
                c.record_xml = ch.record_xml;
                c.file_xml = ch.file_xml;
                c.last_modified_date = now.to_string();
            }
            None => {
                // The type's own key prefix; the number from one org-wide count (loaded
                // ids of a type never exceed it, components are never removed), so no two
                // components share an id.
                let n = served.len() as u64 + 1;
                let info = ch.ty.info();
                served.push(Component {
                    ty: ch.ty,
                    rel: format!("{}/{}.{}", info.folder, ch.full_name, info.suffix),
                    id: fake_id(key_prefix(ch.ty), n),
                    installed_namespace: None,
                    created_date: now.to_string(),
                    last_modified_date: now.to_string(),
                    record_xml: ch.record_xml,
                    file_xml: ch.file_xml,
                    full_name: ch.full_name,
                });
                debug_assert!(ch.created);
            }
        }
    }
}

pub fn check_status(shared: &Shared, op: &Element) -> Response<Body> {
    let id = op.child_text("asyncProcessId").unwrap_or_default();
    let include_details = op.child_text("includeDetails") == Some("true");
    let mut jobs = shared.deploys.lock().unwrap_or_else(|e| e.into_inner());
    let Some(job) = jobs.get_mut(id) else {
        return invalid_id(id);
    };
    if job.status == Status::Queued {
        run(shared, job);
    }
    ok(format!(
        "<checkDeployStatusResponse>{}</checkDeployStatusResponse>",
        result_xml(id, job, include_details)
    ))
}

/// `DeployResult`, its elements in WSDL order.
fn result_xml(id: &str, job: &Job, include_details: bool) -> String {
    let admin = fake_id("005", 1);
    let status = match job.status {
        Status::Queued => "Pending",
        Status::Succeeded => "Succeeded",
        Status::SucceededPartial => "SucceededPartial",
        Status::Failed => "Failed",
        Status::Canceled => "Canceled",
    };
    let done = job.status != Status::Queued;
    let mut out = String::from("<result>");
    if job.status == Status::Canceled {
        let _ = write!(
            out,
            "<canceledBy>{admin}</canceledBy><canceledByName>{ADMIN_NAME}</canceledByName>"
        );
    }
    let _ = write!(out, "<checkOnly>{}</checkOnly>", job.options.check_only);
    if let Some(c) = &job.completed {
        let _ = write!(out, "<completedDate>{c}</completedDate>");
    }
    let _ = write!(
        out,
        "<createdBy>{admin}</createdBy><createdByName>{ADMIN_NAME}</createdByName><createdDate>{}</createdDate>",
        job.created
    );
    out.push_str("<details>");
    if include_details {
        let date = job.completed.as_deref().unwrap_or(&job.created);
        for m in &job.failures {
            out.push_str(&m.xml("componentFailures", date));
        }
        for m in &job.successes {
            out.push_str(&m.xml("componentSuccesses", date));
        }
    }
    out.push_str("</details>");
    let _ = write!(out, "<done>{done}</done>");
    if let Some(e) = &job.error_message {
        let _ = write!(
            out,
            "<errorMessage>{}</errorMessage><errorStatusCode>INVALID_OPERATION</errorStatusCode>",
            escape(e)
        );
    }
    let errors = job
        .failures
        .iter()
        .filter(|m| m.problem_type == Some("Error"))
        .count();
    let _ = write!(
        out,
        "<id>{id}</id><ignoreWarnings>{}</ignoreWarnings>",
        job.options.ignore_warnings
    );
    if let Some(c) = &job.completed {
        let _ = write!(out, "<lastModifiedDate>{c}</lastModifiedDate>");
    }
    let _ = write!(
        out,
        "<numberComponentErrors>{errors}</numberComponentErrors><numberComponentsDeployed>{}</numberComponentsDeployed><numberComponentsTotal>{}</numberComponentsTotal><numberTestErrors>0</numberTestErrors><numberTestsCompleted>0</numberTestsCompleted><numberTestsTotal>0</numberTestsTotal><rollbackOnError>{}</rollbackOnError><runTestsEnabled>{}</runTestsEnabled>",
        job.deployed,
        job.total.max(job.deployed) + errors,
        job.options.rollback_on_error,
        job.options
            .test_level
            .as_deref()
            .is_some_and(|t| t != "NoTestRun"),
    );
    // A deploy canceled while queued never started: no startDate.
    if !matches!(job.status, Status::Queued | Status::Canceled) {
        let _ = write!(out, "<startDate>{}</startDate>", job.created);
    }
    let _ = write!(
        out,
        "<status>{status}</status><success>{}</success><zipSize>{}</zipSize></result>",
        matches!(job.status, Status::Succeeded | Status::SucceededPartial),
        job.zip.len()
    );
    out
}

pub fn cancel(shared: &Shared, op: &Element) -> Response<Body> {
    // The WSDL names the id element `String`; jsforce sends it that way too.
    let id = op
        .child_text("String")
        .or_else(|| op.child_text("id"))
        .unwrap_or_default();
    let mut jobs = shared.deploys.lock().unwrap_or_else(|e| e.into_inner());
    let Some(job) = jobs.get_mut(id) else {
        return invalid_id(id);
    };
    match job.status {
        Status::Queued => {
            job.status = Status::Canceled;
            job.completed = Some(sf_datetime(shared.cfg.now));
            ok(format!(
                "<cancelDeployResponse><result><done>true</done><id>{id}</id></result></cancelDeployResponse>"
            ))
        }
        Status::Canceled => ok(format!(
            "<cancelDeployResponse><result><done>true</done><id>{id}</id></result></cancelDeployResponse>"
        )),
        // The wording is this org's: a finished deploy cannot be canceled.
        _ => fault(
            "sf:INVALID_ID_FIELD",
            &format!("INVALID_ID_FIELD: deployment {id} has already completed and cannot be canceled"),
        ),
    }
}
