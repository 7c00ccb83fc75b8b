//! `smevgate admin`: cabinet bootstrap from the command line — the first
//! technical administrator, before anyone can log in to the API. The
//! password is read from standard input, never from the arguments (which
//! other users of the machine can see).

use std::io::BufRead;
use std::process::ExitCode;

use anyhow::{bail, Context};
use cabinet::audit::AuditContext;
use cabinet::{OrganisationForm, Role, UserForm};
use time::OffsetDateTime;

use crate::cli::{AdminCommand, CreateUserArgs};
use crate::config::Config;

/// Actor name of changes made from the command line.
const ACTOR: &str = "cli";

/// Runs one `admin` subcommand.
pub async fn run(command: AdminCommand) -> anyhow::Result<ExitCode> {
    match command {
        AdminCommand::CreateUser(args) => create_user(args).await,
    }
}

async fn create_user(args: CreateUserArgs) -> anyhow::Result<ExitCode> {
    let role = Role::parse(&args.role.replace('-', "_")).with_context(|| {
        format!(
            "--role {:?}: expected technical-administrator, request-operator or auditor",
            args.role
        )
    })?;
    let password = read_password(std::io::stdin().lock())?;
    let config = match &args.config {
        Some(path) => Config::load(path)?,
        None => Config::default(),
    };
    let url = args
        .database_url
        .clone()
        .unwrap_or_else(|| config.database_url());
    let store = store::Store::open(&url)
        .await
        .with_context(|| format!("cannot open the store at {}", crate::node::redact(&url)))?;
    let context = AuditContext {
        actor: ACTOR.to_owned(),
        remote: None,
        at: OffsetDateTime::now_utc(),
    };
    if store.organisation().await?.is_none() {
        store
            .create_organisation(&placeholder_organisation(), &context)
            .await?;
        eprintln!("Создана карточка организации-заготовка: заполните её через API");
    }
    let form = UserForm {
        login: args.login.clone(),
        full_name: args.full_name.clone(),
        role: role.as_str().to_owned(),
        ..UserForm::default()
    };
    let record = store
        .create_user(&form, &password, &context)
        .await
        .with_context(|| format!("cannot create user {:?}", args.login))?;
    out!(
        "Пользователь {} создан (id {})",
        record.user.login(),
        record.id
    );
    Ok(ExitCode::SUCCESS)
}

/// The first line of `input`, without its line ending.
fn read_password(mut input: impl BufRead) -> anyhow::Result<String> {
    let mut line = String::new();
    input
        .read_line(&mut line)
        .context("cannot read the password from stdin")?;
    let password = line.trim_end_matches(['\n', '\r']);
    if password.is_empty() {
        bail!("no password on stdin: pipe it in, e.g. `smevgate admin create-user ... < file`");
    }
    Ok(password.to_owned())
}

/// A card that passes validation and says it is to be filled in.
fn placeholder_organisation() -> OrganisationForm {
    OrganisationForm {
        full_name: "Организация не заполнена".to_owned(),
        short_name: "Не заполнена".to_owned(),
        inn: "0000000000".to_owned(),
        ogrn: "1000000000000".to_owned(),
        kpp: "000000000".to_owned(),
        address: "Не указан".to_owned(),
        email: "not-set@example.invalid".to_owned(),
        phone: String::new(),
        status: "applicant".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_first_line_without_line_ending() {
        let input = "длинный пароль 1\r\nвторая строка\n".as_bytes();
        assert_eq!(read_password(input).unwrap(), "длинный пароль 1");
    }

    #[test]
    fn password_empty_stdin_is_refused() {
        assert!(read_password("".as_bytes()).is_err());
        assert!(read_password("\n".as_bytes()).is_err());
    }

    #[test]
    fn placeholder_organisation_validates() {
        assert!(placeholder_organisation().validate().is_ok());
    }
}
