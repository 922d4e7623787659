//! `plinth user`: local users and their passwords, from the command line.

use std::io::IsTerminal;

use app::domain::Role;
use clap::Subcommand;
use secrecy::SecretString;

use crate::auth::audit::CLI_ACTOR;
use crate::auth::users;
use crate::config::Settings;
use crate::db;

#[derive(Debug, Subcommand)]
pub(super) enum UserCommand {
    /// Add a user; the password comes from a prompt, or the first line of stdin
    Add {
        #[arg(long)]
        email: String,
        /// viewer, editor or admin
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The name shown in the dashboard [default: none]
        #[arg(long, default_value = "")]
        name: String,
        /// Make up a password and print it once, instead of asking (for a
        /// one-off container task, which has no prompt and no stdin)
        #[arg(long)]
        random_password: bool,
    },
    /// Set a user's password, from a prompt or the first line of stdin
    SetPassword {
        #[arg(long)]
        email: String,
        /// Make up a password and print it once, instead of asking
        #[arg(long)]
        random_password: bool,
    },
    /// List the users
    List,
    /// Disable a user: they can no longer sign in, and their history stays
    Disable {
        #[arg(long)]
        email: String,
    },
}

fn parse_role(value: &str) -> Result<Role, String> {
    Role::parse(value).ok_or_else(|| format!("{value:?} is not a role: use viewer, editor or admin"))
}

pub(super) async fn user(settings: &Settings, command: UserCommand) -> Result<(), Box<dyn std::error::Error>> {
    let pool = db::connect(&settings.database).await?;
    db::migrate(&pool).await?;
    match command {
        UserCommand::Add { email, role, name, random_password } => {
            let password = if random_password { users::random_password() } else { read_password()? };
            users::add(&pool, CLI_ACTOR, &email, &name, role, Some(&password)).await?;
            println!("Added {} as {role}.", users::normalise_email(&email)?);
            if random_password {
                println!(
                    "Their password is {} (shown only now; set another with `plinth user set-password`).",
                    secrecy::ExposeSecret::expose_secret(&password)
                );
            }
        }
        UserCommand::SetPassword { email, random_password } => {
            let password = if random_password { users::random_password() } else { read_password()? };
            users::set_password(&pool, CLI_ACTOR, &email, &password).await?;
            println!("Set the password of {}.", users::normalise_email(&email)?);
            if random_password {
                println!("It is {} (shown only now).", secrecy::ExposeSecret::expose_secret(&password));
            }
        }
        UserCommand::List => {
            let all = users::list(&pool).await?;
            if all.is_empty() {
                println!(
                    "No users yet. Add the first admin with: plinth user add --email you@example.com --role admin"
                );
            }
            for user in all {
                let state = if user.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{:<40} {:<7} {:<9} {}", user.email, user.role.as_str(), state, user.display_name);
            }
        }
        UserCommand::Disable { email } => {
            users::disable(&pool, CLI_ACTOR, &email).await?;
            println!("Disabled {}.", users::normalise_email(&email)?);
        }
    }
    Ok(())
}

/// A password from a hidden prompt (typed twice) when a person is at the
/// terminal, else the first line of stdin (for scripts).
fn read_password() -> Result<SecretString, Box<dyn std::error::Error>> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")?;
        let second = rpassword::prompt_password("Password again: ")?;
        if first != second {
            return Err("the two passwords differ; nothing was changed".into());
        }
        return Ok(SecretString::from(first));
    }
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    if password.is_empty() {
        return Err("no password on stdin; nothing was changed".into());
    }
    Ok(SecretString::from(password))
}
