//! The calls themselves: the session's token exchange, the versions list, Metadata API
//! SOAP and REST queries with paging, each through [`Api::call`](super::Api).

use super::*;

impl Api {
    /// The first exchange of the auth URL's refresh token.
    pub async fn login(&self) -> Result<(), CallError> {
        self.renew(0, CallError::Refresh("no refresh token".into()))
            .await
    }

    /// Gets a new access token after `failed_generation` was rejected. Concurrent
    /// callers share one exchange: whoever comes second finds the generation moved on.
    pub async fn renew(&self, failed_generation: u64, cause: CallError) -> Result<(), CallError> {
        let _one_at_a_time = self.renewing.lock().await;
        {
            let t = self.token.lock().expect("not poisoned");
            if t.generation != failed_generation {
                return Ok(());
            }
            if self.grant.is_none() || t.exchanges >= MAX_EXCHANGES {
                return Err(match cause {
                    CallError::Http { status, detail } => CallError::Session {
                        code: format!("HTTP {status}"),
                        message: detail.trim_start_matches(": ").to_string(),
                    },
                    CallError::Fault { code, message } | CallError::Session { code, message } => {
                        CallError::Session { code, message }
                    }
                    other => CallError::Session {
                        code: "INVALID_SESSION_ID".into(),
                        message: other.to_string(),
                    },
                });
            }
        }
        let token = self.exchange().await?;
        let mut t = self.token.lock().expect("not poisoned");
        t.generation += 1;
        t.exchanges += 1;
        // Registered as a secret when it was made (`Secret::new`): an old token a server
        // echoes is scrubbed as well as the current one.
        t.token = token;
        Ok(())
    }

    /// `POST /services/oauth2/token` with the refresh token of the auth URL.
    pub(super) async fn exchange(&self) -> Result<Secret, CallError> {
        let grant = self.grant.as_ref().expect("checked by renew");
        let url = format!("{}/services/oauth2/token", self.instance_url);
        let build = |_: &Secret| {
            let mut form = vec![
                ("grant_type", "refresh_token"),
                ("client_id", grant.client_id.as_str()),
                ("refresh_token", grant.refresh_token.expose()),
            ];
            if !grant.client_secret.is_empty() {
                form.push(("client_secret", grant.client_secret.expose()));
            }
            self.http
                .post(&url)
                .header(reqwest::header::ACCEPT, "application/json")
                .form(&form)
        };
        let interpret = |raw: Raw| async move {
            if raw.status == 200 {
                return match serde_json::from_slice::<rest::TokenAnswer>(&raw.body) {
                    // Registered and used only when it has the shape of a Salesforce
                    // access token: a word a server hands out must not be erased from
                    // every org's output.
                    Ok(a) => match crate::credentials::issued_token(&a.access_token) {
                        Ok(token) => Attempt::Done(token),
                        Err(crate::credentials::Unusable::Empty) => {
                            Attempt::Fail(CallError::Malformed(
                                "the token endpoint's answer has no access_token".into(),
                            ))
                        }
                        Err(crate::credentials::Unusable::Malformed(why)) => {
                            Attempt::Fail(CallError::Malformed(format!(
                                "the token endpoint's access_token is malformed: {why}"
                            )))
                        }
                    },
                    Err(_) => Attempt::Fail(CallError::Malformed(
                        "the token endpoint's answer has no access_token".into(),
                    )),
                };
            }
            if raw.status == 429 || raw.status >= 500 {
                return by_status(raw.status, &raw.headers, String::new());
            }
            Attempt::Fail(CallError::Refresh(refusal(raw.status, &raw.body)))
        };
        // Only an answer refusing the grant is a `Refresh`; no answer (DNS, refused, TLS)
        // or an answer that is neither token nor refusal (HTTP 5xx, a redirect) is not.
        self.call(CallKind::Token, SMALL_BODY, build, interpret)
            .await
    }

    /// `GET /services/data`: needs no session, so it can run beside the first login.
    /// Every API version the org offers, oldest first (`GET /services/data`).
    pub async fn versions(&self) -> Result<Vec<(u32, u32)>, CallError> {
        let url = format!("{}/services/data", self.instance_url);
        self.call(
            CallKind::Versions,
            SMALL_BODY,
            |_| {
                self.http
                    .get(&url)
                    .header(reqwest::header::ACCEPT, "application/json")
            },
            |raw| async move {
                if raw.status != 200 {
                    return by_status(raw.status, &raw.headers, self.snippet(&raw.body));
                }
                match rest::versions(&raw.body) {
                    Ok(v) if !v.is_empty() => Attempt::Done(v),
                    Ok(_) => {
                        Attempt::Fail(CallError::Malformed("the org lists no API versions".into()))
                    }
                    Err(e) => Attempt::Fail(CallError::Malformed(e)),
                }
            },
        )
        .await
    }

    pub(super) async fn soap_attempt(&self, raw: Raw) -> Attempt<Element> {
        let Raw {
            status,
            headers,
            body,
        } = raw;
        let (parsed, body) = self
            .off_thread(move || (soap::parse_answer(&body), body))
            .await;
        match parsed {
            Ok(soap::Answer::Response { body, api_usage }) if status == 200 => {
                self.note_usage(api_usage);
                Attempt::Done(body)
            }
            Ok(soap::Answer::Fault { code, message }) => {
                by_code(code, message, retry_after(&headers))
            }
            Ok(soap::Answer::Response { .. }) => by_status(status, &headers, String::new()),
            // A complete 200 answer that does not parse will not parse next time either.
            Err(e) if status == 200 => Attempt::Fail(CallError::Malformed(e)),
            Err(_) => by_status(status, &headers, self.snippet(&body)),
        }
    }

    async fn soap(
        &self,
        kind: CallKind,
        api_version: &str,
        envelope: impl Fn(&Secret) -> String,
    ) -> Result<Element, CallError> {
        let url = soap::endpoint(&self.instance_url, api_version);
        self.call(
            kind,
            self.limits.max_soap_body,
            |token| {
                self.http
                    .post(&url)
                    .header(CONTENT_TYPE, "text/xml; charset=UTF-8")
                    .header("SOAPAction", "\"\"")
                    .body(envelope(token))
            },
            |raw| self.soap_attempt(raw),
        )
        .await
    }

    pub async fn list_metadata(
        &self,
        api_version: &str,
        types: &[&str],
    ) -> Result<Vec<soap::Listed>, CallError> {
        let body = self
            .soap(CallKind::ListMetadata, api_version, |t| {
                soap::list_metadata(t, types, api_version)
            })
            .await?;
        // Element names in the message come from the server.
        soap::parse_list(&body).map_err(|e| self.scrubbed(CallError::Malformed(e)))
    }

    pub async fn read_metadata(
        &self,
        api_version: &str,
        ty: &str,
        names: &[String],
    ) -> Result<Vec<Option<Element>>, CallError> {
        let body = self
            .soap(CallKind::ReadMetadata, api_version, |t| {
                soap::read_metadata(t, ty, names)
            })
            .await?;
        soap::parse_read(body).map_err(|e| self.scrubbed(CallError::Malformed(e)))
    }

    pub async fn check_deploy_status(
        &self,
        api_version: &str,
        id: &str,
    ) -> Result<soap::DeployStatus, CallError> {
        let body = self
            .soap(CallKind::CheckDeployStatus, api_version, |t| {
                soap::check_deploy_status(t, id)
            })
            .await?;
        soap::parse_deploy_status(&body).map_err(|e| self.scrubbed(CallError::Malformed(e)))
    }

    pub(super) fn rest_attempt(&self, raw: Raw) -> Attempt<Vec<u8>> {
        if raw.status == 200 {
            return Attempt::Done(raw.body);
        }
        let error = (raw.body.len() <= MAX_ERROR_BODY)
            .then(|| rest::parse_error(&raw.body))
            .flatten();
        match error {
            Some((code, message)) if raw.status != 401 => {
                match by_code(code, message, retry_after(&raw.headers)) {
                    Attempt::Fail(e) if raw.status == 429 || raw.status >= 500 => {
                        Attempt::Retry(e, retry_after(&raw.headers))
                    }
                    other => other,
                }
            }
            Some((code, message)) => Attempt::Expired(CallError::Session { code, message }),
            None => by_status(raw.status, &raw.headers, self.snippet(&raw.body)),
        }
    }

    /// A SOQL query, following `nextRecordsUrl` up to `max_pages` pages.
    pub async fn query(
        &self,
        api_version: &str,
        soql: &str,
    ) -> Result<Vec<serde_json::Value>, CallError> {
        let mut records = Vec::new();
        // Enough for any query pkce-audit pages whole (the Organization has one row).
        let most = rest::MAX_PAGE_RECORDS;
        let run = self
            .query_each(api_version, soql, false, self.limits.max_pages, |page| {
                records.extend(page);
                records.len() <= most
            })
            .await?;
        if records.len() > most {
            return Err(CallError::Malformed(format!(
                "the query returned more than {most} rows"
            )));
        }
        if let Some(why) = run.inconsistent {
            return Err(CallError::Malformed(why));
        }
        if !run.done {
            return Err(CallError::Malformed(format!(
                "the query result has more than {} pages",
                self.limits.max_pages
            )));
        }
        Ok(records)
    }

    /// A SOQL query on the REST (or, with `tooling`, the Tooling) API, page by page:
    /// `page` gets each page's records and returns whether to read on. Stops when the
    /// server says done, when `page` says stop, or after `max_pages` pages.
    ///
    /// Pages that contradict themselves stop it, not done, with the reason in
    /// [`QueryRun::inconsistent`]: `done: false` without a `nextRecordsUrl`, a
    /// `nextRecordsUrl` given before (each batch brings a new locator: REST API Developer
    /// Guide, "Query More Results"), or, at the end, fewer rows than the first page's
    /// `totalSize` (not for `SELECT COUNT()`, which returns no rows by design).
    pub async fn query_each(
        &self,
        api_version: &str,
        soql: &str,
        tooling: bool,
        max_pages: usize,
        mut page: impl FnMut(Vec<serde_json::Value>) -> bool,
    ) -> Result<QueryRun, CallError> {
        let base = if tooling { "/tooling" } else { "" };
        let mut path = format!("/services/data/v{api_version}{base}/query");
        let mut followed = std::collections::HashSet::new();
        let mut run = QueryRun::default();
        for n in 0..max_pages {
            let first = n == 0;
            let url = format!("{}{path}", self.instance_url);
            let (answer, date) = self
                .call(
                    if first {
                        CallKind::Query
                    } else {
                        CallKind::QueryMore
                    },
                    self.limits.max_body,
                    |token| {
                        let r = self
                            .http
                            .get(&url)
                            .bearer_auth(token.expose())
                            .header(reqwest::header::ACCEPT, "application/json");
                        if first {
                            r.query(&[("q", soql)])
                        } else {
                            r
                        }
                    },
                    |raw| async move {
                        let date = server_date(&raw.headers);
                        match self.rest_attempt(raw) {
                            Attempt::Done(body) => {
                                let page =
                                    self.off_thread(move || rest::parse_query_page(&body)).await;
                                match page {
                                    Ok(p) => Attempt::Done((p, date)),
                                    Err(e) => Attempt::Fail(CallError::Malformed(e)),
                                }
                            }
                            Attempt::Retry(e, d) => Attempt::Retry(e, d),
                            Attempt::Expired(e) => Attempt::Expired(e),
                            Attempt::Fail(e) => Attempt::Fail(e),
                        }
                    },
                )
                .await?;
            run.pages += 1;
            if first {
                run.server_date = date;
                run.total_size = answer.total_size;
            }
            run.rows += answer.records.len() as u64;
            let more = match answer.next_records_url.as_deref() {
                Some(next) if !answer.done => Some(
                    rest::next_page_path(next)
                        .ok_or_else(|| {
                            self.scrubbed(CallError::Malformed(format!(
                                "unexpected nextRecordsUrl {next:?}"
                            )))
                        })?
                        .to_string(),
                ),
                _ => None,
            };
            let go_on = page(answer.records);
            let page_no = n + 1;
            match more {
                None if !answer.done => {
                    run.inconsistent = Some(format!(
                        "page {page_no} of the query result says done: false but gives no nextRecordsUrl"
                    ));
                    return Ok(run);
                }
                None => {
                    run.inconsistent = rest::short_of_total(soql, run.total_size, run.rows);
                    run.done = run.inconsistent.is_none();
                    return Ok(run);
                }
                Some(_) if !go_on => return Ok(run),
                Some(next) if !followed.insert(next.clone()) => {
                    run.inconsistent = Some(format!(
                        "page {page_no} of the query result gives again the nextRecordsUrl of an earlier page"
                    ));
                    return Ok(run);
                }
                Some(next) => path = next,
            }
        }
        Ok(run)
    }
}

/// What paging one query came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryRun {
    /// Records returned, over all pages read.
    pub rows: u64,
    /// `totalSize` of the first page: what the query matched.
    pub total_size: Option<u64>,
    /// The server said there is nothing more, and its pages agree with each other.
    pub done: bool,
    /// Why the pages cannot be trusted to be whole: they contradict themselves (see
    /// [`Api::query_each`]). `done` is then false.
    pub inconsistent: Option<String>,
    pub pages: u64,
    /// The first answer's `Date` header: the org's clock, for windows such as LAST_N_DAYS.
    pub server_date: Option<chrono::DateTime<chrono::Utc>>,
}

pub(super) fn server_date(headers: &HeaderMap) -> Option<chrono::DateTime<chrono::Utc>> {
    let v = headers.get(reqwest::header::DATE)?.to_str().ok()?;
    chrono::DateTime::parse_from_rfc2822(v.trim())
        .ok()
        .map(|d| d.with_timezone(&chrono::Utc))
}
