//! A PostgREST stand-in over a real PostgreSQL: `POST /rest/v1/rpc/<function>` runs
//! `public.<function>(name => value, …)` in a fresh test database, as the `service_role`
//! PostgREST switches to for the service-role key, and answers as PostgREST does: the function's
//! `setof jsonb` as a JSON array, errors as `{code, message, details, hint}` with PostgREST's
//! status for the SQLSTATE. So the REST adapter is tested against the migrations' own SQL, grants
//! included, not against a re-implementation of it.
//!
//! wiremock runs each mock server on a thread of its own, so the responder may block: it hands
//! the call to a worker thread that owns a tokio runtime and the database pool.

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};
use sqlx::postgres::PgPoolOptions;
use wiremock::matchers::{header, method, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::helpers::SERVICE_ROLE_KEY;
use crate::pg::shared;

/// What the worker does: run one SQL text as `service_role`, or as the owner for the tests' own
/// reads.
struct Job {
    sql: String,
    as_service_role: bool,
    reply: mpsc::Sender<Result<Value, DbError>>,
}

#[derive(Debug, Clone)]
pub struct DbError {
    pub code: String,
    pub message: String,
}

/// The test database behind the stand-in, and a handle the tests read it with.
#[derive(Clone)]
pub struct Rows {
    jobs: Arc<Mutex<tokio::sync::mpsc::UnboundedSender<Job>>>,
}

impl Rows {
    /// A fresh database on the shared test server, with its worker thread.
    pub async fn fresh() -> Self {
        let url = shared().fresh_database().await;
        let (jobs, mut queue) = tokio::sync::mpsc::unbounded_channel::<Job>();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let pool = PgPoolOptions::new()
                    .max_connections(1)
                    .connect(&url)
                    .await
                    .unwrap();
                while let Some(job) = queue.recv().await {
                    let _ = job.reply.send(run(&pool, &job.sql, job.as_service_role).await);
                }
            });
        });
        Self {
            jobs: Arc::new(Mutex::new(jobs)),
        }
    }

    fn execute(&self, sql: String, as_service_role: bool) -> Result<Value, DbError> {
        let (reply, answer) = mpsc::channel();
        let job = Job {
            sql,
            as_service_role,
            reply,
        };
        self.jobs.lock().unwrap().send(job).unwrap();
        answer.recv().unwrap()
    }

    /// How many `payment` rows the database holds.
    pub fn len(&self) -> usize {
        let count = self
            .execute("select to_jsonb(count(*)) from public.payment".to_owned(), false)
            .unwrap();
        count.as_u64().unwrap() as usize
    }
}

async fn run(pool: &sqlx::PgPool, sql: &str, as_service_role: bool) -> Result<Value, DbError> {
    let failed = |error: sqlx::Error| match error.as_database_error() {
        Some(database) => DbError {
            code: database.code().map(|c| c.into_owned()).unwrap_or_default(),
            message: database.message().to_owned(),
        },
        None => DbError {
            code: "PGRST001".to_owned(),
            message: error.to_string(),
        },
    };
    let mut tx = pool.begin().await.map_err(failed)?;
    if as_service_role {
        sqlx::raw_sql("set local role service_role")
            .execute(&mut *tx)
            .await
            .map_err(failed)?;
    }
    let value: Value = sqlx::query_scalar(sql)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed)?;
    tx.commit().await.map_err(failed)?;
    Ok(value)
}

/// Mounts the stand-in on `postgrest` over a fresh database and returns its handle.
pub async fn mount_postgrest_stand_in(postgrest: &MockServer) -> Rows {
    let rows = Rows::fresh().await;
    mount_postgrest_stand_in_with(postgrest, &rows).await;
    rows
}

/// Mounts the stand-in over an existing database (again, after a `reset` of the server).
pub async fn mount_postgrest_stand_in_with(postgrest: &MockServer, rows: &Rows) {
    Mock::given(method("POST"))
        .and(path_regex(r"^/rest/v1/rpc/[a-z_]+$"))
        .and(header("apikey", SERVICE_ROLE_KEY))
        .and(header(
            "authorization",
            format!("Bearer {SERVICE_ROLE_KEY}").as_str(),
        ))
        .respond_with(PostgrestStandIn(rows.clone()))
        .mount(postgrest)
        .await;
}

struct PostgrestStandIn(Rows);

/// A JSON value as an untyped SQL literal, which PostgreSQL casts to the parameter's type, as
/// PostgREST's own JSON-to-argument conversion does.
fn literal(value: &Value) -> String {
    let text = match value {
        Value::Null => return "null".to_owned(),
        Value::String(text) => text.clone(),
        // PostgREST passes a JSON array to an array parameter as a PostgreSQL array.
        Value::Array(items) => {
            let items: Vec<String> = items
                .iter()
                .map(|item| match item {
                    Value::String(text) => format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
                    other => other.to_string(),
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
        other => other.to_string(),
    };
    format!("'{}'", text.replace('\'', "''"))
}

fn call_sql(function: &str, params: &Map<String, Value>) -> String {
    let args: Vec<String> = params
        .iter()
        .map(|(name, value)| {
            assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '_'), "{name}");
            format!("{name} => {}", literal(value))
        })
        .collect();
    format!(
        "select coalesce(jsonb_agg(r), '[]'::jsonb) from public.{function}({}) as r",
        args.join(", ")
    )
}

/// PostgREST's HTTP status for a SQLSTATE (its "Errors" reference table, abridged).
fn status(code: &str) -> u16 {
    match code {
        "23503" | "23505" => 409,
        "42501" => 403,
        "42883" | "42P01" => 404,
        "PGRST001" => 503,
        "P0001" => 400,
        _ if code.starts_with("08") || code.starts_with("53") => 503,
        _ if ["25", "38", "39", "40", "55", "57", "58", "XX"]
            .iter()
            .any(|class| code.starts_with(class)) =>
        {
            500
        }
        _ => 400,
    }
}

impl Respond for PostgrestStandIn {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let function = request.url.path().rsplit('/').next().unwrap();
        let params: Value = serde_json::from_slice(&request.body).unwrap();
        let sql = call_sql(function, params.as_object().unwrap());
        match self.0.execute(sql, true) {
            Ok(rows) => ResponseTemplate::new(200).set_body_json(rows),
            // PostgREST resolves functions in its schema cache: an unknown one is PGRST202.
            Err(error) if error.code == "42883" => ResponseTemplate::new(404).set_body_json(json!({
                "code": "PGRST202", "details": null, "hint": null,
                "message": format!("Could not find the function public.{function} in the schema cache")
            })),
            Err(error) => ResponseTemplate::new(status(&error.code)).set_body_json(json!({
                "code": error.code, "details": null, "hint": null, "message": error.message
            })),
        }
    }
}
