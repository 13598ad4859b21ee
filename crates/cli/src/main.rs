//! `crm`: serves the CRM and administers an installation. One subcommand per module.

mod commands;
mod logging;
mod settings;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::settings::Location;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "crm",
    version,
    about = "A self-hosted CRM: serve it and administer it"
)]
struct Cli {
    #[command(flatten)]
    location: Location,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Set up a new installation: configuration, database, first administrator.
    Install(commands::install::Args),
    /// Serve the web application.
    Serve(commands::serve::Args),
    /// Apply pending database migrations (`crm upgrade` also backs up first).
    Migrate,
    /// Write a backup archive while the CRM keeps serving; verify or list archives.
    Backup(commands::backup::Args),
    /// Restore a backup archive (verified completely first).
    Restore(commands::restore::Args),
    /// After replacing the binary: back up, then migrate in one checked transaction.
    Upgrade,
    /// Check the configuration and the database; print the effective settings.
    Doctor,
    /// Manage staff accounts.
    #[command(subcommand)]
    User(commands::user::UserCommand),
    /// Manage departments and their heads.
    #[command(subcommand)]
    Department(commands::department::DepartmentCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(commands::token::TokenCommand),
    /// Import contacts from a CSV, XLSX, ODS or vCard file.
    Import(commands::import::Args),
    /// Fill an installation with realistic demo data.
    Demo(commands::demo::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Install(args) => commands::install::run(&cli.location, args),
        Command::Serve(args) => commands::serve::run(&cli.location, args),
        Command::Migrate => commands::migrate::run(&cli.location),
        Command::Backup(args) => commands::backup::run(&cli.location, args),
        Command::Restore(args) => commands::restore::run(&cli.location, args),
        Command::Upgrade => commands::upgrade::run(&cli.location),
        Command::Doctor => commands::doctor::run(&cli.location),
        Command::User(cmd) => commands::user::run(&cli.location, cmd),
        Command::Department(cmd) => commands::department::run(&cli.location, cmd),
        Command::Token(cmd) => commands::token::run(&cli.location, cmd),
        Command::Import(args) => commands::import::run(&cli.location, args),
        Command::Demo(args) => commands::demo::run(&cli.location, args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm: {e:#}");
            ExitCode::FAILURE
        }
    }
}
