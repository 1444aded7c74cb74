//! `timescales backup FILE` and `timescales restore FILE`: a consistent copy of the SQLite store
//! taken while the service runs, and putting one back with the service stopped
//! ([`crate::store::backup`] says what each checks).

use std::path::PathBuf;

use clap::Args;

use super::{print_json, CliError, Context};
use crate::store::backup::Copied;
use crate::store::{Store, StoreError};

/// `timescales backup`.
#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The file to write: a SQLite database, as the store stood at one instant. It must not
    /// exist.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print what was copied as JSON.
    #[arg(long)]
    json: bool,
}

/// `timescales restore`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file `timescales backup` wrote.
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Print what was restored as JSON.
    #[arg(long)]
    json: bool,
}

fn failed(e: StoreError) -> CliError {
    match e {
        // A refusal that names what to do (a file that exists, a newer schema, the service
        // running, a PostgreSQL store).
        StoreError::Url(m) => CliError::Input(m),
        other => CliError::Failure(other.to_string()),
    }
}

fn report(verb: &str, c: &Copied, json: bool) -> Result<(), CliError> {
    if json {
        return print_json(c);
    }
    println!(
        "{verb} {}: {} complaints, {} notifications, schema {} ({:.1} MB)",
        c.file.display(),
        c.complaints,
        c.notifications,
        c.schema,
        c.bytes as f64 / 1_048_576.0
    );
    if let Some(k) = &c.kept {
        println!("the database it replaced is kept as {}", k.display());
    }
    Ok(())
}

pub(super) fn backup(ctx: &Context, args: BackupArgs) -> Result<(), CliError> {
    super::runtime()?.block_on(async {
        let store = Store::connect(&ctx.settings.store.url())
            .await
            .map_err(failed)?;
        let copied = store.backup_to(&args.file).await.map_err(failed)?;
        store.close().await;
        report("backed up to", &copied, args.json)
    })
}

pub(super) fn restore(ctx: &Context, args: RestoreArgs) -> Result<(), CliError> {
    super::runtime()?.block_on(async {
        let copied = Store::restore(&ctx.settings.store.url(), &args.file)
            .await
            .map_err(failed)?;
        report("restored", &copied, args.json)?;
        if !args.json {
            println!("start the service: systemctl start timescales");
        }
        Ok(())
    })
}
