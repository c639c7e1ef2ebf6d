//! Request bodies of the account routes and their parsing into domain values; every bad
//! field is named at once.

use carneau_commands::accounts::{NewAccount, PasswordResetToken};
use carneau_domain::account::{EmailAddress, Password};
use carneau_domain::text::{InvalidValue, PersonName};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::problem::{ApiError, FieldErrors};

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// The login address; unique without regard to case.
    #[schema(example = "lina@example.com")]
    pub email: String,
    /// How the person is called, 1 to 100 characters.
    #[schema(example = "Lina Moreau")]
    pub name: String,
    /// 10 to 128 characters; no other rule.
    #[schema(example = "correct horse battery staple")]
    pub password: String,
}

impl RegisterRequest {
    /// The account to register, or 422 naming every bad field.
    pub fn parse(self) -> Result<NewAccount, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let name = errors.check("name", PersonName::parse(&self.name));
        let password = errors.check("password", Password::parse(self.password));
        let parsed = match (email, name, password) {
            (Some(email), Some(name), Some(password)) => Some(NewAccount {
                email,
                name,
                password,
            }),
            _ => None,
        };
        errors.finish(parsed)
    }
}

/// Credentials to sign in with.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignInRequest {
    /// The account's email (any case).
    #[schema(example = "lina@example.com")]
    pub email: String,
    /// The account's password.
    #[schema(example = "correct horse battery staple")]
    pub password: String,
}

impl SignInRequest {
    /// The email and password to check.
    pub fn parse(self) -> Result<(EmailAddress, Password), ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        let password = errors.check("password", presented(self.password));
        let parsed = email.zip(password);
        errors.finish(parsed)
    }
}

/// A password as typed to sign in: any non-empty value up to a bound (which caps the
/// hashing cost) goes to the comparison, so a refusal reveals nothing about the rules.
fn presented(raw: String) -> Result<Password, InvalidValue> {
    if raw.is_empty() || raw.chars().count() > MAX_PRESENTED_PASSWORD_CHARS {
        return Err(InvalidValue::new(format!(
            "must be 1 to {MAX_PRESENTED_PASSWORD_CHARS} characters"
        )));
    }
    Ok(Password::presented(raw))
}

/// The longest password a sign-in may present.
const MAX_PRESENTED_PASSWORD_CHARS: usize = 1_024;

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The password in use now.
    pub current_password: String,
    /// The new password, 10 to 128 characters.
    pub new_password: String,
}

impl ChangePasswordRequest {
    /// The current and the new password.
    pub fn parse(self) -> Result<(Password, Password), ApiError> {
        let mut errors = FieldErrors::default();
        let current = errors.check("current_password", presented(self.current_password));
        let new = errors.check("new_password", Password::parse(self.new_password));
        errors.finish(current.zip(new))
    }
}

/// The token of a verification link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The `token` parameter of the link.
    pub token: String,
}

/// Asking for a password reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    /// The account's email (any case).
    #[schema(example = "lina@example.com")]
    pub email: String,
}

impl PasswordResetRequest {
    /// The email to send the link to, or 422 naming `email`.
    pub fn parse(self) -> Result<EmailAddress, ApiError> {
        let mut errors = FieldErrors::default();
        let email = errors.check("email", EmailAddress::parse(&self.email));
        errors.finish(email)
    }
}

/// Setting a new password with a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The `token` parameter of the link.
    pub token: String,
    /// The new password, 10 to 128 characters (the rule of registration).
    #[schema(example = "correct horse battery staple")]
    pub new_password: String,
}

impl ResetPasswordRequest {
    /// The token (`None` when it is not shaped like one this service issues: the link is
    /// broken, which is not a field the person can fix) and the new password, or 422
    /// naming `new_password`.
    pub fn parse(self) -> Result<(Option<PasswordResetToken>, Password), ApiError> {
        let mut errors = FieldErrors::default();
        let new = errors.check("new_password", Password::parse(self.new_password));
        let token = PasswordResetToken::parse(&self.token);
        errors.finish(new.map(|new| (token, new)))
    }
}
