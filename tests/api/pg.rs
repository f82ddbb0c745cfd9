//! A throwaway PostgreSQL server for the tests: `initdb` into a temp dir, `postgres` on 127.0.0.1
//! with a free port, a fresh database per test with Supabase's roles and our migrations applied.
//!
//! Cleanup does not depend on the test passing: the server runs under a small `sh` supervisor
//! whose stdin is a pipe from this process; when the test process exits for any reason (pass,
//! panic, abort, kill) the pipe closes and the supervisor stops the server and deletes the
//! directory. As root, everything runs as the unprivileged `postgres` user (initdb refuses root).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, OnceLock};

use sqlx::postgres::PgPoolOptions;
use sqlx::{Connection, PgConnection, PgPool};

const INSTALL_HINT: &str =
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH or under \
     /usr/lib/postgresql/*/bin. Install them: `apt-get install -y postgresql` (Debian/Ubuntu) or \
     `brew install postgresql` (macOS).";

/// Supabase's API roles, as the platform creates them before any migration runs.
const SUPABASE_ROLES: &str = "
do $$
begin
  if not exists (select from pg_roles where rolname = 'anon') then create role anon nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'authenticated') then create role authenticated nologin noinherit; end if;
  if not exists (select from pg_roles where rolname = 'service_role') then create role service_role nologin noinherit bypassrls; end if;
end
$$;";

/// Supabase's `auth.uid()`, as the platform defines it in every project database before any
/// migration runs: the `sub` claim of the request's JWT (`request.jwt.claims`, which PostgREST
/// sets per request), as a uuid.
const SUPABASE_AUTH: &str = "
create schema if not exists auth;
create or replace function auth.uid() returns uuid language sql stable as $$
  select coalesce(
    nullif(current_setting('request.jwt.claim.sub', true), ''),
    (nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
  )::uuid
$$;
grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid() to anon, authenticated, service_role;";

/// One PostgreSQL server, stopped and deleted when dropped or when the process ends.
pub struct PgServer {
    bin: PathBuf,
    dir: PathBuf,
    port: u16,
    run_as: Option<String>,
    supervisor: Mutex<Option<Child>>,
    /// Set once `template_portone` (roles and every migration) exists on this server.
    template: tokio::sync::OnceCell<()>,
}

/// The database every fresh one is copied from: migrations applied once per server, so a test's
/// database costs a file copy instead of a migration run.
const TEMPLATE: &str = "template_portone";

/// The server shared by the tests of this process (each test gets its own database).
pub fn shared() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(PgServer::start)
}

impl PgServer {
    /// Starts a new server; panics with an install hint when the binaries are missing.
    pub fn start() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let bin = find_binaries().unwrap_or_else(|| panic!("{INSTALL_HINT}"));
        let run_as = is_root().then(|| "postgres".to_owned());
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let dir = std::env::temp_dir().join(format!("portone-pg-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        if let Some(user) = &run_as {
            chown_to(&dir, user);
        }
        let port = free_port();
        let server = Self {
            bin,
            dir,
            port,
            run_as,
            supervisor: Mutex::new(None),
            template: tokio::sync::OnceCell::new(),
        };
        server.run(&format!(
            "{initdb} -D {data} -U postgres -A trust -E UTF8 --locale=C --no-sync >{log} 2>&1",
            initdb = server.tool("initdb"),
            data = server.data_dir(),
            log = server.file("initdb.log"),
        ));
        server.spawn_supervisor();
        server.start_postgres();
        server
    }

    /// `postgres://postgres@127.0.0.1:{port}/{database}` (trust authentication, loopback only).
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// A new database with Supabase's roles and every migration applied; returns its URL.
    pub async fn fresh_database(&self) -> String {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        self.template
            .get_or_init(|| async { self.create_template().await })
            .await;
        let name = format!(
            "test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        let mut admin = PgConnection::connect(&self.url("postgres")).await.unwrap();
        let create = format!("create database {name} template {TEMPLATE}");
        sqlx::raw_sql(&create).execute(&mut admin).await.unwrap();
        admin.close().await.unwrap();
        self.url(&name)
    }

    /// A new empty database, migrated: how `fresh_database`'s template is made, and what the
    /// migration tests start from.
    pub async fn migrated_database(&self, name: &str) -> String {
        self.database_with_migrations(name, usize::MAX).await
    }

    /// A new empty database with Supabase's roles and `auth`, and the first `count` migration
    /// files applied.
    pub async fn database_with_migrations(&self, name: &str, count: usize) -> String {
        let mut admin = PgConnection::connect(&self.url("postgres")).await.unwrap();
        // Roles are cluster-wide: concurrent tests creating them at once would collide on
        // pg_authid, so setup is serialised with an advisory lock.
        // (Separate calls: a multi-statement string is one transaction, and CREATE DATABASE
        // cannot run inside one.)
        let create = format!("create database {name}");
        for statement in [
            "select pg_advisory_lock(4242)",
            &create,
            SUPABASE_ROLES,
            "select pg_advisory_unlock(4242)",
        ] {
            sqlx::raw_sql(statement).execute(&mut admin).await.unwrap();
        }
        admin.close().await.unwrap();
        let url = self.url(name);
        let mut connection = PgConnection::connect(&url).await.unwrap();
        sqlx::raw_sql(SUPABASE_AUTH)
            .execute(&mut connection)
            .await
            .unwrap();
        for file in migration_files().into_iter().take(count) {
            let sql = std::fs::read_to_string(&file).unwrap();
            sqlx::raw_sql(&sql).execute(&mut connection).await.unwrap();
        }
        connection.close().await.unwrap();
        url
    }

    async fn create_template(&self) {
        self.migrated_database(TEMPLATE).await;
    }

    /// A small pool on `url` for the test's own queries.
    pub async fn pool(url: &str) -> PgPool {
        PgPoolOptions::new()
            .max_connections(5)
            .connect(url)
            .await
            .unwrap()
    }

    /// Stops the server (fast shutdown: open connections are cut), keeping its data.
    pub fn stop(&self) {
        self.run(&format!(
            "{} -D {} -m fast -w stop >/dev/null",
            self.tool("pg_ctl"),
            self.data_dir()
        ));
    }

    /// Starts the server again on the same port and data.
    pub fn start_postgres(&self) {
        self.run(&format!(
            "{pg_ctl} -D {data} -l {log} -w -t 30 -o \"-p {port} -c listen_addresses=127.0.0.1 \
             -c unix_socket_directories={dir} -c fsync=off -c synchronous_commit=off \
             -c full_page_writes=off -c max_connections=300\" start >/dev/null",
            pg_ctl = self.tool("pg_ctl"),
            data = self.data_dir(),
            log = self.file("postgres.log"),
            port = self.port,
            dir = shell_quote(&self.dir),
        ));
    }

    fn spawn_supervisor(&self) {
        let script = format!(
            "read _closed; {pg_ctl} -D {data} -m immediate -w stop >/dev/null 2>&1; rm -rf {dir}",
            pg_ctl = self.tool("pg_ctl"),
            data = self.data_dir(),
            dir = shell_quote(&self.dir),
        );
        let child = self.command(&script).stdin(Stdio::piped()).spawn().unwrap();
        *self.supervisor.lock().unwrap() = Some(child);
    }

    fn command(&self, script: &str) -> Command {
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--", "sh", "-c", script]);
                command
            }
            None => {
                let mut command = Command::new("sh");
                command.args(["-c", script]);
                command
            }
        };
        command.stdout(Stdio::null());
        command
    }

    fn run(&self, script: &str) {
        let output = self.command(script).stderr(Stdio::piped()).output().unwrap();
        let logs = ["initdb.log", "postgres.log"]
            .map(|log| std::fs::read_to_string(self.dir.join(log)).unwrap_or_default())
            .join("\n");
        assert!(
            output.status.success(),
            "`{script}` failed: {}\n{logs}",
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn tool(&self, name: &str) -> String {
        shell_quote(&self.bin.join(name))
    }

    fn data_dir(&self) -> String {
        shell_quote(&self.dir.join("data"))
    }

    fn file(&self, name: &str) -> String {
        shell_quote(&self.dir.join(name))
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if let Some(mut child) = self.supervisor.lock().unwrap().take() {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(b"\n");
            }
            let _ = child.wait();
        }
    }
}

/// Applies `supabase/migrations/*.sql` in file-name order, each file in one implicit transaction
/// (the simple query protocol runs a multi-statement string atomically), as `supabase db push` does.
pub async fn apply_migrations(connection: &mut PgConnection) -> Result<(), sqlx::Error> {
    for file in migration_files() {
        let sql = std::fs::read_to_string(&file).unwrap();
        sqlx::raw_sql(&sql).execute(&mut *connection).await?;
    }
    Ok(())
}

pub fn migration_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("supabase/migrations");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "sql"))
        .collect();
    files.sort();
    files
}

/// The directory holding initdb, pg_ctl and postgres: `PATH` first, then Debian's layout.
fn find_binaries() -> Option<PathBuf> {
    let has_all = |dir: &Path| {
        ["initdb", "pg_ctl", "postgres"]
            .iter()
            .all(|b| dir.join(b).is_file())
    };
    let on_path = std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| has_all(dir));
    let resolved = on_path.and_then(|dir| {
        std::fs::canonicalize(dir.join("initdb"))
            .ok()?
            .parent()
            .map(Path::to_path_buf)
    });
    resolved.filter(|dir| has_all(dir)).or_else(|| {
        let mut versions: Vec<_> = std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .filter_map(|entry| entry.ok().map(|e| e.path().join("bin")))
            .filter(|dir| has_all(dir))
            .collect();
        versions.sort_by_key(|dir| {
            dir.parent()
                .and_then(|v| v.file_name()?.to_str()?.parse::<u32>().ok())
                .unwrap_or(0)
        });
        versions.pop()
    })
}

fn is_root() -> bool {
    let output = Command::new("id").arg("-u").output().unwrap();
    String::from_utf8_lossy(&output.stdout).trim() == "0"
}

fn chown_to(dir: &Path, user: &str) {
    let id = |flag: &str| -> u32 {
        let output = Command::new("id").args([flag, user]).output().unwrap();
        assert!(
            output.status.success(),
            "user {user} does not exist; PostgreSQL cannot run as root"
        );
        String::from_utf8_lossy(&output.stdout).trim().parse().unwrap()
    };
    std::os::unix::fs::chown(dir, Some(id("-u")), Some(id("-g"))).unwrap();
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}
